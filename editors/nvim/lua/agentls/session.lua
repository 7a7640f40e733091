---@brief Sessions and turns: `session/new`, `session/prompt`, `session/cancel`,
---`agentls/undoTurn`, and the `session/update` stream into the panel.

local panel_mod = require('agentls.panel')
local config = require('agentls.config')

local M = {}

---@class agentls.Turn
---@field session_id string
---@field request_id integer? the `session/prompt` request, once sent
---@field token string its workDoneToken

---@class agentls.State
---@field client_id integer
---@field session_id string?
---@field creating fun(session_id: string?)[]? callbacks waiting for a `session/new` in flight
---@field turn agentls.Turn?
---@field panel agentls.Panel
---@field cost table? the session's cumulative cost from the last `usage_update`

---@type table<integer, agentls.State>
M.states = {}

local token_counter = 0
---@type agentls.Panel? the panel of a client that exited, reused by the next one
local orphan

---@param client_id integer
---@return agentls.State
function M.state(client_id)
  local state = M.states[client_id]
  if state and state.panel:valid() then
    return state
  end
  local panel = orphan and orphan:valid() and orphan
    or panel_mod.new(config.options.panel, 'agentls://panel/' .. client_id)
  orphan = nil
  state = {
    client_id = client_id,
    panel = panel,
    session_id = state and state.session_id,
    turn = state and state.turn,
  }
  M.states[client_id] = state
  return state
end

---The panel of the client for the current buffer, if any.
---@return agentls.Panel?
function M.current_panel()
  local client = require('agentls.client').find()
  local state = client and M.states[client.id]
  return state and state.panel
end

---@param event string
---@param data table
local function fire(event, data)
  vim.api.nvim_exec_autocmds('User', { pattern = event, modeline = false, data = data })
end

---@param err lsp.ResponseError|table|string
---@return string
local function message_of(err)
  if type(err) == 'table' then
    return tostring(err.message or vim.inspect(err))
  end
  return tostring(err)
end

---Calls `fn` with the client's session, creating one first if there is none.
---@param client vim.lsp.Client
---@param fn fun(session_id: string?)
function M.ensure_session(client, fn)
  local state = M.state(client.id)
  if state.session_id then
    return fn(state.session_id)
  end
  if state.creating then
    table.insert(state.creating, fn)
    return
  end
  state.creating = { fn }
  local params = { cwd = client.root_dir or vim.fn.getcwd(), mcpServers = {} }
  client:request('session/new', params, function(err, result)
    local waiting = state.creating or {}
    state.creating = nil
    local session_id = (not err and type(result) == 'table') and result.sessionId or nil
    if not session_id then
      local problem = 'agentls: could not start a session: ' .. message_of(err or 'no sessionId in the answer')
      state.panel:error(problem)
      vim.notify(problem, vim.log.levels.ERROR)
    end
    state.session_id = session_id
    for _, cb in ipairs(waiting) do
      cb(session_id)
    end
  end)
end

---@class agentls.Prompt
---@field text string what the user asked
---@field blocks table[] ACP content blocks (text first)
---@field context string? one line describing the context sent along, for the panel

---Sends a prompt; the answer streams into the panel.
---@param client vim.lsp.Client
---@param prompt agentls.Prompt
function M.prompt(client, prompt)
  local state = M.state(client.id)
  if state.turn then
    vim.notify('agentls: a turn is still running; wait for it or :AgentCancel it first', vim.log.levels.WARN)
    return
  end
  -- Claimed before session/new answers, so a second :AgentAsk cannot start a turn too.
  local turn = { session_id = '', token = '' }
  state.turn = turn
  state.panel:show()
  state.panel:begin_turn(prompt.text, prompt.context)
  M.ensure_session(client, function(session_id)
    if not session_id then
      state.turn = nil
      return
    end
    if state.turn ~= turn then
      return
    end
    token_counter = token_counter + 1
    turn.session_id = session_id
    turn.token = ('agentls-%d-%d'):format(client.id, token_counter)
    local params = { sessionId = session_id, prompt = prompt.blocks, workDoneToken = turn.token }
    local ok, request_id = client:request('session/prompt', params, function(err, result)
      if state.turn == turn then
        state.turn = nil
      end
      if err then
        local problem = message_of(err)
        state.panel:error(problem)
        vim.notify('agentls: the turn failed: ' .. problem, vim.log.levels.ERROR)
      elseif type(result) == 'table' then
        state.panel:end_turn(result, state.cost)
      end
      fire('AgentlsTurnEnd', { client_id = client.id, session_id = session_id, result = result, error = err })
    end)
    if not ok then
      state.turn = nil
      state.panel:error('the server is not running; start a new turn to restart it')
      return
    end
    turn.request_id = request_id
  end)
end

---Asks the server to stop the running turn; its `session/prompt` then answers `cancelled`.
---@param client vim.lsp.Client
function M.cancel(client)
  local state = M.states[client.id]
  local turn = state and state.turn
  if not turn then
    vim.notify('agentls: no turn is running; nothing to cancel', vim.log.levels.INFO)
    return
  end
  if turn.session_id == '' then
    -- The session is still being created: the turn never reached the server.
    state.turn = nil
    state.panel:note('cancelled before it started')
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
  client:request('agentls/undoTurn', { sessionId = state.session_id }, function(err, result)
    if err then
      local problem = message_of(err)
      if err.code == -32601 then
        problem = 'this agentls server has no undo (agentls/undoTurn); update agentls'
      end
      vim.notify('agentls: undo failed: ' .. problem, vim.log.levels.ERROR)
      state.panel:error('undo failed: ' .. problem)
      return
    end
    result = result or {}
    local restored = result.restored or {}
    local parts = {}
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
    local text = 'Undo: ' .. table.concat(parts, '; ')
    state.panel:note(text)
    vim.notify('agentls: ' .. text, vim.log.levels.INFO)
    fire('AgentlsUndo', { client_id = client.id, result = result })
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
  state.session_id = nil
  state.cost = nil
  state.panel:note('New session')
  M.ensure_session(client, function(session_id)
    if session_id then
      fire('AgentlsSessionNew', { client_id = client.id, session_id = session_id })
    end
  end)
end

---`session/update` notifications: each goes to the panel as it arrives.
---@param _ lsp.ResponseError?
---@param params table
---@param ctx lsp.HandlerContext
function M.on_update(_, params, ctx)
  local state = M.states[ctx.client_id]
  if not state or type(params) ~= 'table' or params.sessionId ~= state.session_id then
    -- A session this editor replaced (:AgentNew) may still be winding down.
    return
  end
  local update = params.update or {}
  local kind = update.sessionUpdate
  local panel = state.panel
  if kind == 'agent_message_chunk' or kind == 'agent_thought_chunk' then
    local content = update.content or {}
    if content.type == 'text' and type(content.text) == 'string' then
      if kind == 'agent_message_chunk' then
        panel:message_chunk(content.text)
      else
        panel:thought_chunk(content.text)
      end
    end
  elseif kind == 'tool_call' then
    panel:tool_call(update)
  elseif kind == 'tool_call_update' then
    panel:tool_update(update)
  elseif kind == 'usage_update' then
    state.cost = update.cost
  elseif kind == 'retry' then
    panel:retry(update)
  end
end

---@param client_id integer
---@param session_id string?
---@param tool_call_id string?
---@param waiting boolean
function M.permission_pending(client_id, session_id, tool_call_id, waiting)
  local state = M.states[client_id]
  if state and tool_call_id and session_id == state.session_id then
    state.panel:tool_awaiting(tool_call_id, waiting)
  end
end

---@param client_id integer
---@param code integer
---@param signal integer
function M.on_exit(client_id, code, signal)
  local state = M.states[client_id]
  if not state then
    return
  end
  M.states[client_id] = nil
  orphan = state.panel
  if state.turn then
    fire('AgentlsTurnEnd', { client_id = client_id, error = { message = 'server exited' } })
  end
  if code ~= 0 or signal ~= 0 or state.turn then
    state.panel:error(
      ('the server exited (code %d, signal %d); the next :AgentAsk starts it again'):format(code, signal)
    )
  end
end

return M
