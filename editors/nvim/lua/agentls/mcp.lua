---@brief MCP servers: the ones `setup({ mcp_servers = … })` gives every session (sent as
---ACP `mcpServers`, see config.lua), and what the server reports about them
---(`agentls/mcpServers`, `mcp_servers_update`), shown by `:AgentMcp` and
---`:checkhealth agentls`.

local M = {}

---@class agentls.McpServer
---@field name string
---@field source string? where it is defined: project (.mcp.json), editor, client
---@field transport string? stdio, http, sse
---@field status string? e.g. connected, starting, failed
---@field error string?
---@field tools (string|table)[]?

---Asks the server for the session's MCP servers.
---@param client vim.lsp.Client
---@param session_id string
---@param cb fun(servers: agentls.McpServer[]?, problem: string?)
function M.fetch(client, session_id, cb)
  client:request('agentls/mcpServers', { sessionId = session_id }, function(err, result)
    if err then
      if err.code == -32601 then
        return cb(nil, 'this agentls server does not report MCP servers (agentls/mcpServers); update agentls')
      end
      return cb(nil, require('agentls.session').message_of(err))
    end
    cb(type(result) == 'table' and result.servers or {})
  end)
end

---@param tools (string|table)[]?
---@return string[]
local function tool_names(tools)
  return vim.tbl_map(function(t)
    return type(t) == 'table' and (t.title or t.name) or tostring(t)
  end, tools or {})
end

---One line per server, and its error or tools under it.
---@param servers agentls.McpServer[]
---@return string[]
function M.lines(servers)
  if #servers == 0 then
    return { 'No MCP servers. Add them in .mcp.json at the workspace root, or setup({ mcp_servers = … }).' }
  end
  local lines = {}
  for _, s in ipairs(servers) do
    local tools = tool_names(s.tools)
    lines[#lines + 1] = ('%s — %s (%s, %s), %d tool%s'):format(
      s.name or '?',
      s.status or '?',
      s.transport or '?',
      s.source or '?',
      #tools,
      #tools == 1 and '' or 's'
    )
    if s.error and s.error ~= '' then
      lines[#lines + 1] = '    error: ' .. tostring(s.error):gsub('\n', ' ')
    end
    if #tools > 0 then
      lines[#lines + 1] = '    ' .. table.concat(tools, ', ')
    end
  end
  return lines
end

---`:AgentMcp`: the session's MCP servers and their status, in a float.
function M.show()
  require('agentls.client').with_client(function(client)
    local session = require('agentls.session')
    session.ensure_session(client, function(session_id)
      if not session_id then
        return
      end
      M.fetch(client, session_id, function(servers, problem)
        local state = session.state(client.id)
        if servers then
          state.mcp_servers = servers
        end
        local lines = servers and M.lines(servers) or { 'agentls: ' .. tostring(problem) }
        M.float(lines)
        session.fire('AgentlsMcpShown', { client_id = client.id, servers = servers, lines = lines })
      end)
    end)
  end)
end

---@param lines string[]
---@return integer win, integer buf
function M.float(lines)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  local width = 20
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line) + 2)
  end
  width = math.min(width, vim.o.columns - 4)
  local win = vim.api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = width,
    height = math.min(#lines, vim.o.lines - 4),
    row = 2,
    col = math.max(0, math.floor((vim.o.columns - width) / 2)),
    style = 'minimal',
    border = 'rounded',
    title = ' MCP servers ',
  })
  vim.wo[win].wrap = true
  for _, lhs in ipairs({ 'q', '<Esc>' }) do
    vim.keymap.set('n', lhs, function()
      pcall(vim.api.nvim_win_close, win, true)
    end, { buffer = buf, nowait = true })
  end
  return win, buf
end

---`:checkhealth agentls`: the MCP servers of `client`'s session, or those configured.
---@param client vim.lsp.Client?
---@param state agentls.State?
function M.health(client, state)
  local health = vim.health
  local configured = vim.tbl_keys(require('agentls.config').options.mcp_servers or {})
  table.sort(configured)
  if #configured > 0 then
    health.info('MCP servers from setup(): ' .. table.concat(configured, ', '))
  end
  if not (client and state and state.session_id) then
    health.info('MCP servers: listed once a session runs (:AgentMcp)')
    return
  end
  local servers, problem, done = nil, nil, false
  M.fetch(client, state.session_id, function(s, p)
    servers, problem, done = s, p, true
  end)
  vim.wait(3000, function()
    return done
  end, 20)
  if not servers then
    health.info('MCP servers: ' .. tostring(problem or 'no answer within 3 s'))
    return
  end
  if #servers == 0 then
    health.info('no MCP servers in this session (.mcp.json, or setup({ mcp_servers = … }))')
  end
  for _, s in ipairs(servers) do
    local line = M.lines({ s })[1]
    if s.status == 'failed' or s.status == 'error' or (s.error and s.error ~= '') then
      health.error(line .. (s.error and (': ' .. tostring(s.error)) or ''))
    elseif s.status == 'connected' or s.status == 'ready' or s.status == 'running' then
      health.ok(line)
    else
      health.info(line)
    end
  end
end

return M
