---@brief What the session is doing and how it is set up, for the panel's header and for
---statuslines (`require("agentls").status()`): the running turn's `$/progress`, the model,
---the permission mode, how full the context window is, and the cost so far.

local M = {}

---@type table<string, string> the last `$/progress` message of each token
M.progress = {}

---A model id without its vendor prefix and date: `claude-sonnet-4-5-20250929` → `sonnet-4-5`.
---@param model string?
---@return string?
function M.short_model(model)
  if type(model) ~= 'string' then
    return nil
  end
  return (model:gsub('^claude%-', ''):gsub('%-%d%d%d%d%d%d%d%d$', ''))
end

---The parts both the header and the statusline show.
---@param state agentls.State
---@return string[]
function M.parts(state)
  local settings = require('agentls.settings')
  local parts = {}
  local model = M.short_model(settings.current(state, 'model'))
  parts[#parts + 1] = model
  parts[#parts + 1] = settings.current(state, 'mode')
  local thinking = settings.current(state, 'thought_level')
  if thinking and thinking ~= 'off' then
    parts[#parts + 1] = 'thinking ' .. thinking
  end
  local usage = state.usage
  if usage and usage.used and usage.size and usage.size > 0 then
    parts[#parts + 1] = ('%d%% context'):format(math.floor(usage.used * 100 / usage.size + 0.5))
  end
  if type(state.cost) == 'table' and tonumber(state.cost.amount) then
    parts[#parts + 1] = ('$%.2f'):format(state.cost.amount)
  end
  return parts
end

---What the running turn is doing, from its `$/progress` reports.
---@param state agentls.State
---@return string?
function M.activity(state)
  local turn = state.turn
  if not turn then
    return nil
  end
  return M.progress[turn.token] or (turn.token == '' and 'starting' or 'working')
end

---The panel's header line.
---@param state agentls.State
---@return string
function M.header(state)
  local parts = { 'agentls' }
  if state.title then
    local title = state.title
    parts[#parts + 1] = #title > 40 and (title:sub(1, 37) .. '...') or title
  end
  vim.list_extend(parts, M.parts(state))
  if not state.client_id then
    parts[#parts + 1] = 'server stopped'
  end
  local activity = M.activity(state)
  if activity then
    parts[#parts + 1] = '● ' .. activity
  end
  if state.changes and #state.changes > 0 then
    parts[#parts + 1] = ('%d changed file%s'):format(#state.changes, #state.changes == 1 and '' or 's')
  end
  return table.concat(parts, ' · ')
end

---For the statusline: `agentls: <activity> · model · mode · context % · cost`, or '' with
---no session. It reads state only (the progress is not consumed, unlike `vim.lsp.status()`),
---and the plugin redraws statuslines whenever that state changes.
---@return string
function M.status()
  local state = require('agentls.session').current()
  if not state or not (state.session_id or state.turn) then
    return ''
  end
  local parts = {}
  local activity = M.activity(state)
  if activity then
    parts[#parts + 1] = activity
  elseif not state.client_id then
    parts[#parts + 1] = 'server stopped'
  end
  vim.list_extend(parts, M.parts(state))
  return 'agentls: ' .. table.concat(parts, ' · ')
end

vim.api.nvim_create_autocmd('LspProgress', {
  group = vim.api.nvim_create_augroup('agentls.progress', { clear = true }),
  callback = function(args)
    local params = args.data and args.data.params or {}
    local value = params.value
    if type(value) ~= 'table' or type(params.token) ~= 'string' or not vim.startswith(params.token, 'agentls-') then
      return
    end
    if value.kind == 'end' then
      M.progress[params.token] = nil
    else
      M.progress[params.token] = value.message or value.title
    end
    vim.cmd('redrawstatus!')
  end,
})

return M
