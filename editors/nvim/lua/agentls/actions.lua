---@brief What the panel does for the user: a submitted prompt (a slash command of the
---plugin's, or a prompt with its mentions) and the session-level keymaps, wired to the
---workspace's client.

local M = {}

---Runs `fn` with a client for `state`'s workspace, starting the server if none runs.
---@param state agentls.State
---@param fn fun(client: vim.lsp.Client)
function M.with_client(state, fn)
  require('agentls.client').with_root(state.root, fn)
end

---"restored a.py, b.py; skipped c.py (reason)" for an undo or rewind result.
---@param result table
---@return string
function M.restored_text(result)
  local parts = {}
  local restored = result.restored or {}
  if #restored > 0 then
    local names = vim.tbl_map(function(p)
      return vim.fn.fnamemodify(p, ':~:.')
    end, restored)
    parts[#parts + 1] = 'restored ' .. table.concat(names, ', ')
  else
    parts[#parts + 1] = 'nothing to restore'
  end
  for _, skip in ipairs(result.skipped or {}) do
    parts[#parts + 1] = ('skipped %s (%s)'):format(vim.fn.fnamemodify(skip.path or '?', ':~:.'), skip.reason or '?')
  end
  return table.concat(parts, '; ')
end

---Runs one of the plugin's slash commands.
---@param state agentls.State
---@param name string
---@param arg string?
function M.slash(state, name, arg)
  local session = require('agentls.session')
  if name == 'cancel' then
    local client = state.client_id and vim.lsp.get_client_by_id(state.client_id)
    if client then
      session.cancel(client)
    end
    return
  elseif name == 'review' then
    return require('agentls.review').open(state)
  end
  M.with_client(state, function(client)
    if name == 'new' then
      session.new(client)
    elseif name == 'sessions' then
      require('agentls.sessions').pick(client)
    elseif name == 'model' or name == 'mode' or name == 'thinking' then
      local settings = require('agentls.settings')
      settings.switch(client, settings.IDS[name], arg)
    end
  end)
end

---A prompt submitted from the compose area.
---@param state agentls.State
---@param text string
function M.submit(state, text)
  local name, arg = require('agentls.slash').own(text)
  if name then
    return M.slash(state, name, arg)
  end
  local context = require('agentls.context')
  local buf = context.code_buffer()
  local prompt = context.prompt(text, buf, nil, state.root)
  M.with_client(state, function(client)
    require('agentls.session').prompt(client, prompt)
  end)
end

---Sets what the panel's compose area and keymaps do for `state`.
---@param state agentls.State
function M.bind(state)
  local panel = state.panel
  panel.compose.on_submit = function(text)
    M.submit(state, text)
  end
  panel.header = function()
    return require('agentls.status').header(state)
  end
  panel.actions = {
    cancel = function()
      M.slash(state, 'cancel')
    end,
    review = function()
      M.slash(state, 'review')
    end,
    new_session = function()
      M.slash(state, 'new')
    end,
    sessions = function()
      M.slash(state, 'sessions')
    end,
    model = function()
      M.slash(state, 'model')
    end,
    mode = function()
      M.slash(state, 'mode')
    end,
  }
end

return M
