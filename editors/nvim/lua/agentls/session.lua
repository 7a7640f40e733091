---@brief Sessions and turns: `session/new` (or `session/resume` after a restart),
---`session/prompt` with a queue while a turn runs, `session/cancel`, `agentls/undoTurn`.
---
---A workspace's state (its panel, session, settings) outlives the server process: when the
---server restarts, the next client for that root adopts it and resumes the session.

local config = require('agentls.config')

local M = {}

---@class agentls.Turn
---@field session_id string
---@field request_id integer? the `session/prompt` request, once sent
---@field token string its workDoneToken
---@field prompt agentls.Prompt

---@class agentls.State
---@field root string the workspace root
---@field client_id integer? the client serving it now
---@field session_id string?
---@field attached integer? the client the session was opened (or resumed) on
---@field title string?
---@field creating fun(session_id: string?)[]? callbacks waiting for the session to open
---@field turn agentls.Turn?
---@field queue agentls.Prompt[] prompts submitted while a turn ran
---@field panel agentls.Panel
---@field cost table? the session's cumulative cost from the last `usage_update`
---@field usage {used: number, size: number}?
---@field config_options table[] ACP config options (`model`, `mode`, `thought_level`)
---@field modes table? ACP `modes`
---@field commands table[] the server's slash commands
---@field replaying boolean? a `session/load` is replaying the conversation
---@field changes table[]? the pending changes (`changes_update`)
---@field mcp_servers table[]? (`mcp_servers_update`)

---@type table<integer, agentls.State> by client id
M.states = {}
---@type table<string, agentls.State> by workspace root
M.by_root = {}

local token_counter, panel_counter = 0, 0

---@param event string
---@param data table
function M.fire(event, data)
  vim.api.nvim_exec_autocmds('User', { pattern = event, modeline = false, data = data })
end

---@param err lsp.ResponseError|table|string
---@return string
function M.message_of(err)
  if type(err) == 'table' then
    return tostring(err.message or vim.inspect(err))
  end
  return tostring(err)
end

---@param err any
---@return string?
function M.error_type(err)
  return type(err) == 'table' and type(err.data) == 'table' and err.data.type or nil
end

---The state of client `client_id`'s workspace, created (or adopted from a client of the
---same root that exited) on first use.
---@param client_id integer
---@return agentls.State
function M.state(client_id)
  local state = M.states[client_id]
  if state and state.panel:valid() then
    return state
  end
  local client = vim.lsp.get_client_by_id(client_id)
  local root = (client and client.root_dir) or vim.fn.getcwd()
  state = M.by_root[root]
  if not (state and state.panel:valid()) then
    panel_counter = panel_counter + 1
    local name = panel_counter == 1 and 'agentls://panel' or ('agentls://panel/' .. panel_counter)
    state = {
      root = root,
      queue = {},
      config_options = {},
      commands = {},
      panel = require('agentls.panel').new(config.options.panel, name),
    }
    state.panel.root = root
    M.by_root[root] = state
    require('agentls.actions').bind(state)
  end
  state.client_id = client_id
  M.states[client_id] = state
  return state
end

---The state a panel belongs to.
---@param panel agentls.Panel
---@return agentls.State?
function M.for_panel(panel)
  for _, state in pairs(M.by_root) do
    if state.panel == panel then
      return state
    end
  end
end

---The state of the client for the current buffer, if any.
---@return agentls.State?
function M.current()
  local panel = require('agentls.panel').for_buf(vim.api.nvim_get_current_buf())
  if panel then
    return M.for_panel(panel)
  end
  local client = require('agentls.client').find()
  return client and M.states[client.id] or nil
end

---The panel of the client for the current buffer, if any.
---@return agentls.Panel?
function M.current_panel()
  local state = M.current()
  return state and state.panel
end

---Remembers what `session/new`, `load` or `resume` answered: config options and modes.
---@param state agentls.State
---@param result table
function M.opened(state, result)
  if type(result.configOptions) == 'table' then
    state.config_options = result.configOptions
  end
  if type(result.modes) == 'table' then
    state.modes = result.modes
  end
  state.panel:refresh()
end

---The params every session method that opens a session carries.
---@param client vim.lsp.Client
---@return table
function M.open_params(client)
  return {
    cwd = client.root_dir or vim.fn.getcwd(),
    mcpServers = config.acp_mcp_servers(config.options.mcp_servers),
  }
end

---@param state agentls.State
---@param session_id string?
local function opened_callbacks(state, session_id)
  local waiting = state.creating or {}
  state.creating = nil
  for _, cb in ipairs(waiting) do
    cb(session_id)
  end
end

---Opens a new session on `client`.
---@param client vim.lsp.Client
---@param state agentls.State
local function create(client, state)
  client:request('session/new', M.open_params(client), function(err, result)
    local session_id = (not err and type(result) == 'table') and result.sessionId or nil
    if not session_id then
      local problem = 'could not start a session: ' .. M.message_of(err or 'no sessionId in the answer')
      state.panel:error(problem)
      vim.notify('agentls: ' .. problem, vim.log.levels.ERROR)
    else
      state.session_id, state.attached, state.title = session_id, client.id, nil
      M.opened(state, result)
      M.fire('AgentlsSessionNew', { client_id = client.id, session_id = session_id })
    end
    opened_callbacks(state, session_id)
  end)
end

---Resumes the state's session on a new client (after a restart): the panel still shows
---the conversation. A session the server cannot resume is replaced by a new one, and the
---panel says so.
---@param client vim.lsp.Client
---@param state agentls.State
local function resume(client, state)
  local params = M.open_params(client)
  params.sessionId = state.session_id
  client:request('session/resume', params, function(err, result)
    if err then
      state.panel:note(
        (
          'The server could not resume this session (%s); a new session starts, so the agent '
          .. 'does not remember the conversation above'
        ):format(M.message_of(err)),
        'warning'
      )
      state.session_id = nil
      return create(client, state)
    end
    state.attached = client.id
    M.opened(state, type(result) == 'table' and result or {})
    state.panel:note('Session resumed: the agent remembers the conversation above', 'info')
    M.fire('AgentlsSessionResumed', { client_id = client.id, session_id = state.session_id })
    opened_callbacks(state, state.session_id)
  end)
end

---Calls `fn` with the client's session, opening one first if there is none (or resuming
---the one the panel shows, on a client that has not seen it yet).
---@param client vim.lsp.Client
---@param fn fun(session_id: string?)
function M.ensure_session(client, fn)
  local state = M.state(client.id)
  if state.session_id and state.attached == client.id then
    return fn(state.session_id)
  end
  if state.creating then
    table.insert(state.creating, fn)
    return
  end
  state.creating = { fn }
  if state.session_id then
    resume(client, state)
  else
    create(client, state)
  end
end

---@class agentls.Prompt
---@field text string what the user asked
---@field blocks table[] ACP content blocks (text first)
---@field context string? one line describing the context sent along, for the panel
---@field retried boolean? already sent again once after the server forgot the session

---Sends a prompt; the answer streams into the panel. While a turn runs it is queued, and
---sent when that turn ends.
---@param client vim.lsp.Client
---@param prompt agentls.Prompt
function M.prompt(client, prompt)
  local state = M.state(client.id)
  if state.turn then
    table.insert(state.queue, prompt)
    state.panel.compose:set_queued(vim.tbl_map(function(p)
      return p.text
    end, state.queue))
    state.panel:show()
    return
  end
  M.start_turn(client, state, prompt)
end

---What the panel and the user are told when a turn fails, by the error's `data.type`.
---@param err table
---@return string
local function failure(err)
  local kind = M.error_type(err)
  if kind == 'no_api_key' then
    return 'No API key: the server has neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN. Set one in the '
      .. 'environment Neovim starts from (or in setup({ cmd_env = … })), then :AgentRestart. See :checkhealth agentls'
  elseif kind == 'session_busy' then
    return 'the session is busy with another prompt or an undo; wait for it, or :AgentCancel it'
  end
  return M.message_of(err)
end

---Puts prompts that will not be sent back in the compose area, so nothing typed is lost.
---@param state agentls.State
function M.unqueue(state)
  if #state.queue == 0 then
    return
  end
  local texts = vim.tbl_map(function(p)
    return p.text
  end, state.queue)
  state.queue = {}
  local compose = state.panel.compose
  local current = compose:text()
  compose:set_text(table.concat(vim.list_extend(texts, current ~= '' and { current } or {}), '\n\n'))
  compose:set_queued({})
  state.panel:note('The queued prompt is back in the compose area, not sent', 'info')
end

---@param client vim.lsp.Client
---@param state agentls.State
---@param prompt agentls.Prompt
function M.start_turn(client, state, prompt)
  -- Claimed before the session opens, so a second prompt is queued rather than sent too.
  local turn = { session_id = '', token = '', prompt = prompt }
  state.turn = turn
  state.panel:show()
  state.panel:begin_turn(prompt.text, prompt.context)
  state.panel:refresh()
  M.ensure_session(client, function(session_id)
    if state.turn ~= turn then
      return
    end
    if not session_id then
      state.turn = nil
      M.unqueue(state)
      state.panel:refresh()
      return
    end
    token_counter = token_counter + 1
    turn.session_id = session_id
    turn.token = ('agentls-%d-%d'):format(client.id, token_counter)
    local params = { sessionId = session_id, prompt = prompt.blocks, workDoneToken = turn.token }
    local ok, request_id = client:request('session/prompt', params, function(err, result)
      if state.turn ~= turn then
        return
      end
      state.turn = nil
      if err and M.error_type(err) == 'unknown_session' and not prompt.retried then
        -- The server forgot the session (it restarted): resume it, and send again.
        prompt.retried = true
        state.attached = nil
        state.panel:note('The server did not know this session; resuming it and sending again', 'info')
        return M.start_turn(client, state, prompt)
      end
      if err then
        local problem = failure(err)
        state.panel:error(problem)
        vim.notify('agentls: the turn failed: ' .. problem, vim.log.levels.ERROR)
        M.unqueue(state)
      elseif type(result) == 'table' then
        state.panel:end_turn(result, state.cost)
      end
      state.panel:refresh()
      M.fire('AgentlsTurnEnd', { client_id = client.id, session_id = session_id, result = result, error = err })
      M.next_queued(client, state)
    end)
    if not ok then
      state.turn = nil
      state.panel:error('the server is not running; :AgentRestart starts it again')
      M.unqueue(state)
      state.panel:refresh()
      return
    end
    turn.request_id = request_id
  end)
end

---Sends the first queued prompt, if any.
---@param client vim.lsp.Client
---@param state agentls.State
function M.next_queued(client, state)
  if state.turn or #state.queue == 0 or client:is_stopped() then
    return
  end
  local prompt = table.remove(state.queue, 1)
  state.panel.compose:set_queued(vim.tbl_map(function(p)
    return p.text
  end, state.queue))
  M.start_turn(client, state, prompt)
end

---Asks the server to stop the running turn; its `session/prompt` then answers `cancelled`.
---Queued prompts go back to the compose area rather than being sent.
---@param client vim.lsp.Client
function M.cancel(client)
  local state = M.states[client.id]
  local turn = state and state.turn
  if not turn then
    vim.notify('agentls: no turn is running; nothing to cancel', vim.log.levels.INFO)
    return
  end
  M.unqueue(state)
  if turn.session_id == '' then
    -- The session is still being opened: the turn never reached the server.
    state.turn = nil
    state.panel:note('cancelled before it started')
    state.panel:refresh()
    return
  end
  client:notify('session/cancel', { sessionId = turn.session_id })
end

---Undoes the files the last turn changed (`agentls/undoTurn`); the server sends the
---restoring edits through `workspace/applyEdit`.
---@param client vim.lsp.Client
function M.undo(client)
  local state = M.state(client.id)
  if state.turn then
    vim.notify('agentls: a turn is running; :AgentCancel it before undoing', vim.log.levels.WARN)
    return
  end
  if not state.session_id then
    vim.notify('agentls: no session yet, so no turn to undo', vim.log.levels.INFO)
    return
  end
  M.ensure_session(client, function(session_id)
    client:request('agentls/undoTurn', { sessionId = session_id }, function(err, result)
      if err then
        local problem = M.message_of(err)
        if err.code == -32601 then
          problem = 'this agentls server has no undo (agentls/undoTurn); update agentls'
        end
        vim.notify('agentls: undo failed: ' .. problem, vim.log.levels.ERROR)
        state.panel:error('undo failed: ' .. problem)
        return
      end
      result = result or {}
      local text = 'Undo: ' .. require('agentls.actions').restored_text(result)
      state.panel:note(text)
      vim.notify('agentls: ' .. text, vim.log.levels.INFO)
      M.fire('AgentlsUndo', { client_id = client.id, result = result })
    end)
  end)
end

---Starts a fresh session (a new conversation); a running turn is cancelled first.
---@param client vim.lsp.Client
function M.new(client)
  local state = M.state(client.id)
  if state.turn then
    M.cancel(client)
    state.turn = nil
  end
  state.session_id, state.attached, state.title, state.cost, state.usage, state.changes = nil, nil, nil, nil, nil, nil
  state.panel:note('New session')
  state.panel:refresh()
  M.ensure_session(client, function() end)
end

---`session/update` notifications (updates.lua). Looked up on each call, so a wrapper set
---here sees every update.
---@param err lsp.ResponseError?
---@param params table
---@param ctx lsp.HandlerContext
function M.on_update(err, params, ctx)
  return require('agentls.updates').handle(err, params, ctx)
end

---@param client_id integer
---@param session_id string?
---@param tool_call table?
---@param waiting boolean
function M.permission_pending(client_id, session_id, tool_call, waiting)
  local state = M.states[client_id]
  if state and tool_call and tool_call.toolCallId and session_id == state.session_id then
    state.panel:tool_awaiting(tool_call.toolCallId, waiting, tool_call)
    -- The built-in vim.ui.select blocks in inputlist(): draw the line first.
    vim.cmd('redraw')
  end
end

---The server exited: the turn in progress ends (said in the panel), the state waits for the
---next client of its root, which resumes the session.
---@param client_id integer
---@param code integer
---@param signal integer
---@return agentls.State?
function M.on_exit(client_id, code, signal)
  local state = M.states[client_id]
  if not state then
    return nil
  end
  M.states[client_id] = nil
  if state.client_id == client_id then
    state.client_id = nil
  end
  state.attached = nil
  state.creating = nil
  local turn = state.turn
  state.turn = nil
  if turn then
    state.panel:error('the server exited during this turn; what it had finished is kept in the session')
    M.fire('AgentlsTurnEnd', { client_id = client_id, error = { message = 'server exited' } })
  end
  if code ~= 0 or signal ~= 0 then
    state.panel:note(('The server exited (code %d, signal %d)'):format(code, signal), 'warning')
  end
  M.unqueue(state)
  state.panel:refresh()
  return state
end

return M
