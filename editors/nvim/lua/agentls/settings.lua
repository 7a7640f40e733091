---@brief Model, permission mode and thinking level, switched while a session runs through
---`session/set_config_option` (`:AgentModel`, `:AgentMode`, `:AgentThinking`, the slash
---commands), and shown in the panel's header and `require("agentls").status()`.

local M = {}

---What each command switches: the ACP config option id, and how the panel names it.
M.IDS = { model = 'model', mode = 'mode', thinking = 'thought_level' }
M.NAMES = { model = 'Model', mode = 'Permission mode', thought_level = 'Thinking' }

---@param state agentls.State
---@param id string
---@return table? option the ACP config option `id`
function M.option(state, id)
  for _, option in ipairs(state.config_options or {}) do
    if option.id == id then
      return option
    end
  end
end

---The choices of option `id` (groups flattened), each `{value, name, description?}`.
---@param state agentls.State
---@param id string
---@return table[]
function M.choices(state, id)
  local option = M.option(state, id)
  local out = {}
  for _, item in ipairs(option and option.options or {}) do
    if type(item.options) == 'table' then
      vim.list_extend(out, item.options)
    elseif item.value ~= nil then
      out[#out + 1] = item
    end
  end
  return out
end

---The current value of option `id`.
---@param state agentls.State
---@param id string
---@return string?
function M.current(state, id)
  local option = M.option(state, id)
  if option then
    return option.currentValue
  end
  if id == 'mode' and state.modes then
    return state.modes.currentModeId
  end
end

---Sets option `id` to `value` on the session (opening one first if needed); the panel
---notes the change.
---@param client vim.lsp.Client
---@param id string
---@param value string
---@param done fun(err: table?)?
function M.set(client, id, value, done)
  local session = require('agentls.session')
  local state = session.state(client.id)
  session.ensure_session(client, function(session_id)
    if not session_id then
      return done and done({ message = 'no session' })
    end
    local params = { sessionId = session_id, configId = id, value = value }
    client:request('session/set_config_option', params, function(err, result)
      if err then
        local problem = session.message_of(err)
        vim.notify(('agentls: could not set %s: %s'):format(M.NAMES[id] or id, problem), vim.log.levels.ERROR)
        state.panel:error(problem)
      else
        if type(result) == 'table' and type(result.configOptions) == 'table' then
          state.config_options = result.configOptions
        end
        if id == 'mode' then
          state.modes = state.modes or {}
          state.modes.currentModeId = value
        end
        state.panel:note(('%s: %s'):format(M.NAMES[id] or id, value), 'info')
        state.panel:refresh()
        session.fire('AgentlsConfigChanged', { client_id = client.id, configId = id, value = value })
      end
      if done then
        done(err)
      end
    end)
  end)
end

---Sets option `id` to `value`, or, without a value, asks which with `vim.ui.select`.
---@param client vim.lsp.Client
---@param id string
---@param value string?
function M.switch(client, id, value)
  if value and value ~= '' then
    return M.set(client, id, value)
  end
  local session = require('agentls.session')
  session.ensure_session(client, function(session_id)
    if not session_id then
      return
    end
    local state = session.state(client.id)
    local choices = M.choices(state, id)
    if #choices == 0 then
      vim.notify(('agentls: this server offers no choice of %s'):format(M.NAMES[id] or id), vim.log.levels.INFO)
      return
    end
    local current = M.current(state, id)
    vim.ui.select(choices, {
      prompt = (M.NAMES[id] or id) .. ':',
      kind = 'agentls.' .. id,
      format_item = function(choice)
        local mark = choice.value == current and '● ' or '  '
        local name = choice.name and choice.name ~= choice.value and (' — ' .. choice.name) or ''
        return mark .. choice.value .. name
      end,
    }, function(choice)
      if choice then
        M.set(client, id, choice.value)
      end
    end)
  end)
end

---Model names for `:AgentModel <Tab>` and the like.
---@param id string
---@return string[]
function M.complete(id)
  local state = require('agentls.session').current()
  if not state then
    return {}
  end
  return vim.tbl_map(function(c)
    return c.value
  end, M.choices(state, id))
end

return M
