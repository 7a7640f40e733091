---@brief `session/update` notifications: each goes to the panel as it arrives, or into the
---session's state (settings, commands, usage) that the header and statusline show.

local M = {}

---The user's side of a replayed prompt: its text starts a turn, what follows it (the
---context blocks, as the server wrote them for the model) is summarised under it.
---@param panel agentls.Panel
---@param text string
---@param continues boolean the previous update was this prompt's text too
local function user_chunk(panel, text, continues)
  if not continues then
    panel:you(text)
    return
  end
  local uri = text:match('^<editor%-context uri="([^"]*)"')
  if uri then
    local lines = text:match('^<editor%-context[^>\n]- lines="([^"]*)"') or ''
    local name = uri:match('^file://(.*)$') or uri
    name = vim.fn.fnamemodify(vim.uri_decode and vim.uri_decode(name) or name, ':.')
    panel:context(lines ~= '' and ('%s, lines %s'):format(name, lines) or name)
    return
  end
  local link = text:match('^<resource%-link uri="[^"]*" name="([^"]*)"/>')
  if link then
    panel:context('from ' .. link)
    return
  end
  panel:context(vim.split(text, '\n', { plain = true })[1])
end

---What each extension or state update does to the session's state; `true` when it changed
---what the header shows.
---@type table<string, fun(state: agentls.State, update: table): boolean?>
M.STATE = {
  available_commands_update = function(state, update)
    state.commands = type(update.availableCommands) == 'table' and update.availableCommands or {}
  end,
  current_mode_update = function(state, update)
    state.modes = state.modes or {}
    state.modes.currentModeId = update.currentModeId
    return true
  end,
  config_option_update = function(state, update)
    if type(update.configOptions) == 'table' then
      state.config_options = update.configOptions
    end
    return true
  end,
  session_info_update = function(state, update)
    if type(update.title) == 'string' then
      state.title = update.title
    end
    return true
  end,
  usage_update = function(state, update)
    state.cost = update.cost
    state.usage = { used = tonumber(update.used), size = tonumber(update.size) }
    return true
  end,
  changes_update = function(state, update)
    state.changes = type(update.files) == 'table' and update.files or {}
    require('agentls.review').changed(state)
    return true
  end,
  mcp_servers_update = function(state, update)
    state.mcp_servers = type(update.servers) == 'table' and update.servers or {}
    return true
  end,
}

---@param _ lsp.ResponseError?
---@param params table
---@param ctx lsp.HandlerContext
function M.handle(_, params, ctx)
  local session = require('agentls.session')
  local state = session.states[ctx.client_id]
  if not state or type(params) ~= 'table' or params.sessionId ~= state.session_id then
    -- A session this editor replaced (:AgentNew) may still be winding down.
    return
  end
  local update = params.update or {}
  local kind = update.sessionUpdate
  local panel = state.panel
  local replaying = state.replaying
  local previous = state.last_update
  state.last_update = kind
  if kind == 'agent_message_chunk' or kind == 'agent_thought_chunk' or kind == 'user_message_chunk' then
    local content = update.content or {}
    if content.type ~= 'text' or type(content.text) ~= 'string' then
      return
    end
    if kind == 'agent_message_chunk' then
      -- A replayed chunk is a whole message: a paragraph of its own.
      panel:message_chunk(content.text, replaying)
    elseif kind == 'agent_thought_chunk' then
      panel:thought_chunk(content.text, replaying)
    elseif replaying then
      user_chunk(panel, content.text, previous == 'user_message_chunk')
    end
  elseif kind == 'tool_call' then
    panel:tool_call(update)
  elseif kind == 'tool_call_update' then
    panel:tool_update(update)
  elseif kind == 'plan' then
    panel:plan(type(update.entries) == 'table' and update.entries or {})
  elseif kind == 'retry' then
    panel:retry(update)
  elseif kind == 'notice' then
    panel:notice(update)
  elseif kind == 'compaction' then
    panel:compaction(update)
  elseif M.STATE[kind] then
    if M.STATE[kind](state, update) then
      panel:refresh()
    end
  end
end

return M
