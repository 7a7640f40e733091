---@brief Earlier sessions and server restarts: `:AgentSessions` lists this workspace's
---sessions (`session/list`) and loads one (`session/load`, which replays it into the panel);
---`:AgentRestart` (and a server that died) starts the server again and resumes the session,
---saying so in the panel.

local session = require('agentls.session')

local M = {}

---Clients being restarted on purpose (their exit is expected), with what to do after.
---@type table<integer, fun()>
local restarting = {}

---Times of the servers that died, so a server dying at start is not restarted forever.
---@type number[]
local deaths = {}

M.MAX_AUTO_RESTARTS = 3
M.AUTO_RESTART_WINDOW_NS = 60e9

---"3 min ago", "yesterday 14:02", "2026-05-01 09:13" for an ISO 8601 time.
---@param iso string?
---@return string
function M.when(iso)
  if type(iso) ~= 'string' then
    return ''
  end
  local y, mo, d, h, mi, s = iso:match('^(%d+)%-(%d+)%-(%d+)T(%d+):(%d+):(%d+)')
  if not y then
    return iso
  end
  local utc = os.time({ year = y, month = mo, day = d, hour = h, min = mi, sec = s })
  -- os.time reads the table as local time; the string is UTC (or has its own offset).
  local offset = os.time() - os.time(os.date('!*t') --[[@as osdateparam]])
  local t = utc + offset
  local ago = os.time() - t
  if ago < 60 then
    return 'just now'
  elseif ago < 3600 then
    return ('%d min ago'):format(math.floor(ago / 60))
  elseif os.date('%Y-%m-%d', t) == os.date('%Y-%m-%d') then
    return 'today ' .. os.date('%H:%M', t)
  elseif os.date('%Y-%m-%d', t) == os.date('%Y-%m-%d', os.time() - 86400) then
    return 'yesterday ' .. os.date('%H:%M', t)
  end
  return os.date('%Y-%m-%d %H:%M', t) --[[@as string]]
end

---Loads session `session_id` into the panel: the conversation is replayed, turn by turn,
---and the session continues from there.
---@param client vim.lsp.Client
---@param session_id string
---@param title string?
function M.load(client, session_id, title)
  local state = session.state(client.id)
  if state.turn then
    vim.notify('agentls: a turn is running; :AgentCancel it before loading another session', vim.log.levels.WARN)
    return
  end
  state.session_id, state.attached, state.title = session_id, nil, title
  state.cost, state.usage, state.changes = nil, nil, nil
  state.replaying, state.last_update = true, nil
  state.creating = {}
  local panel = state.panel
  panel:clear()
  panel:show()
  local params = session.open_params(client)
  params.sessionId = session_id
  client:request('session/load', params, function(err, result)
    state.replaying = false
    local waiting = state.creating or {}
    state.creating = nil
    if err then
      state.session_id = nil
      panel:error('could not load the session: ' .. session.message_of(err))
    else
      state.attached = client.id
      panel:_settle()
      session.opened(state, type(result) == 'table' and result or {})
      panel:note(('Loaded session %q; what you send now continues it'):format(title or session_id), 'info')
      panel:scroll_to_end()
      session.fire('AgentlsSessionLoaded', { client_id = client.id, session_id = session_id })
    end
    panel:refresh()
    for _, cb in ipairs(waiting) do
      cb(state.session_id)
    end
  end)
end

---Lists this workspace's sessions, newest first, and loads the one picked.
---@param client vim.lsp.Client
function M.pick(client)
  client:request('session/list', { cwd = client.root_dir or vim.fn.getcwd() }, function(err, result)
    if err then
      vim.notify('agentls: could not list sessions: ' .. session.message_of(err), vim.log.levels.ERROR)
      return
    end
    local list = type(result) == 'table' and result.sessions or {}
    if #list == 0 then
      vim.notify('agentls: no earlier session in this workspace', vim.log.levels.INFO)
      return
    end
    local current = session.state(client.id).session_id
    vim.ui.select(list, {
      prompt = 'agentls sessions of this workspace:',
      kind = 'agentls.session',
      format_item = function(item)
        local mark = item.sessionId == current and '● ' or '  '
        return ('%s%s  (%s)'):format(mark, item.title or item.sessionId, M.when(item.updatedAt))
      end,
    }, function(item)
      if item then
        M.load(client, item.sessionId, item.title)
      end
    end)
  end)
end

---Starts a client for `root` and resumes the session its panel shows.
---@param root string
local function start_for(root)
  require('agentls.client').with_root(root, function(client)
    local state = session.state(client.id)
    if state.session_id then
      session.ensure_session(client, function() end)
    end
  end)
end

---`:AgentRestart`: stops the server of the current workspace (if it runs) and starts it
---again; the panel's session is resumed on the new one.
function M.restart()
  local client = require('agentls.client').find()
  local state = session.current()
  local root = (state and state.root) or (client and client.root_dir)
  if not root then
    root =
      require('agentls.client').root_for(vim.api.nvim_get_current_buf(), require('agentls.config').options.root_markers)
  end
  if state then
    state.panel:note('Restarting the server…', 'info')
  end
  if not client then
    return start_for(root)
  end
  restarting[client.id] = function()
    start_for(root)
  end
  client:stop()
  -- A server that does not answer shutdown is killed.
  vim.defer_fn(function()
    if not client:is_stopped() then
      client:stop(true)
    end
  end, 3000)
end

---A client exited: the panel says so and, if it died (or is being restarted), a new one
---resumes the session. A server dying over and over is left stopped.
---@param client_id integer
---@param code integer
---@param signal integer
function M.exited(client_id, code, signal)
  local state = session.on_exit(client_id, code, signal)
  local after = restarting[client_id]
  restarting[client_id] = nil
  if after then
    return after()
  end
  if not state or (code == 0 and signal == 0) or vim.v.exiting ~= vim.NIL then
    return
  end
  local now = vim.uv.hrtime()
  deaths = vim.tbl_filter(function(t)
    return now - t < M.AUTO_RESTART_WINDOW_NS
  end, deaths)
  deaths[#deaths + 1] = now
  if #deaths > M.MAX_AUTO_RESTARTS then
    state.panel:note(
      'The server keeps exiting, so it is left stopped; see :LspLog and :checkhealth agentls, then :AgentRestart',
      'error'
    )
    return
  end
  if state.session_id then
    state.panel:note('Restarting the server to resume this session…', 'info')
    start_for(state.root)
  end
end

return M
