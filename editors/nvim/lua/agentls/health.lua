---@brief `:checkhealth agentls`: does the server start, which version, is a key set.

local M = {}

local health = vim.health

---The client config the plugin would start the server with.
---@return table
local function client_config()
  local cfg = vim.lsp.config and vim.lsp.config.agentls or nil
  return cfg or require('agentls.config').lsp_config()
end

---Starts the server, runs the LSP handshake and shuts it down again.
---@param cmd string[]
---@param env table<string, string>?
---@return table? initialize_result
---@return string? problem
function M.probe(cmd, env)
  local result, problem, done = nil, nil, false
  local ok, rpc = pcall(vim.lsp.rpc.start, cmd, {
    on_exit = function(code)
      if not done then
        problem = ('the server exited with code %d during the handshake'):format(code)
        done = true
      end
    end,
  }, { cwd = vim.fn.getcwd(), env = env })
  if not ok or not rpc then
    return nil, 'could not spawn ' .. table.concat(cmd, ' ') .. ': ' .. tostring(rpc)
  end
  rpc.request('initialize', {
    processId = vim.fn.getpid(),
    rootUri = vim.NIL,
    capabilities = vim.empty_dict(),
    clientInfo = { name = 'agentls-checkhealth' },
  }, function(err, res)
    if err then
      problem = 'initialize failed: ' .. tostring(err.message or vim.inspect(err))
    else
      result = res
    end
    done = true
  end)
  local finished = vim.wait(15000, function()
    return done
  end, 20)
  if not finished then
    problem = 'the server did not answer initialize within 15 s'
  end
  if result then
    rpc.request('shutdown', vim.NIL, function()
      rpc.notify('exit', vim.NIL)
    end)
    vim.wait(3000, function()
      return rpc.is_closing()
    end, 20)
  end
  if not rpc.is_closing() then
    rpc.terminate()
  end
  return result, problem
end

function M.check()
  health.start('agentls')
  if vim.fn.has('nvim-0.10') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()))
  else
    health.error('Neovim 0.10 or newer is needed (0.11 is tested)')
  end

  local cfg = client_config()
  local cmd = cfg.cmd
  if type(cmd) ~= 'table' or type(cmd[1]) ~= 'string' then
    health.error(
      'no server command configured',
      { 'set cmd in require("agentls").setup({ cmd = { "agentls", "serve" } })' }
    )
    return
  end
  if vim.fn.executable(cmd[1]) == 0 then
    health.error(('%q is not an executable on PATH'):format(cmd[1]), {
      'install the server from a checkout of the agentls repository: pipx install /path/to/agentls '
        .. '(or: uv tool install /path/to/agentls)',
      'or point setup({ cmd = { "/path/to/agentls/.venv/bin/agentls", "serve" } }) at it',
    })
    return
  end
  health.ok('server command: ' .. table.concat(cmd, ' '))

  local result, problem = M.probe(cmd, cfg.cmd_env)
  if result then
    local info = result.serverInfo or {}
    local experimental = (result.capabilities or {}).experimental or {}
    local ext = experimental.agentls or {}
    health.ok(
      ('the server starts: %s %s (protocol %s)'):format(
        info.name or '?',
        info.version or '?',
        tostring(ext.protocolVersion or '?')
      )
    )
    local methods = {}
    for _, m in ipairs(ext.methods or {}) do
      methods[m] = true
    end
    if next(methods) and not methods['agentls/undoTurn'] then
      health.info('this server version has no :AgentUndo (agentls/undoTurn)')
    end
  else
    health.error('the server does not start: ' .. tostring(problem), {
      'run the command in a terminal to see its error: ' .. table.concat(cmd, ' ') .. ' --version',
      'AGENTLS_LOG_LEVEL=DEBUG in the environment makes it log more (see :LspLog)',
    })
  end

  local env = vim.tbl_extend('force', {}, cfg.cmd_env or {})
  local function var(name)
    local v = env[name] or vim.env[name]
    return v ~= nil and v ~= ''
  end
  if var('ANTHROPIC_API_KEY') then
    health.ok('ANTHROPIC_API_KEY is set')
  elseif var('ANTHROPIC_AUTH_TOKEN') then
    health.ok('ANTHROPIC_AUTH_TOKEN is set')
  else
    health.warn('no API key: neither ANTHROPIC_API_KEY nor ANTHROPIC_AUTH_TOKEN is set', {
      'export ANTHROPIC_API_KEY=sk-ant-... in the shell that starts Neovim',
      'or pass it to the server only, e.g. from a file: setup({ cmd_env = { ANTHROPIC_API_KEY = '
        .. 'vim.fn.readfile(vim.fn.expand("~/.config/anthropic/key"))[1] } })',
      'or set it in this Neovim with :let $ANTHROPIC_API_KEY = "sk-ant-..."',
      'then :AgentRestart, so the server starts again with the key',
    })
  end
  local base = env.ANTHROPIC_BASE_URL or vim.env.ANTHROPIC_BASE_URL
  if base and base ~= '' then
    health.info('ANTHROPIC_BASE_URL = ' .. base)
  end

  local clients = vim.lsp.get_clients({ name = 'agentls' })
  if #clients == 0 then
    health.info('no agentls client is running (one starts on the first :AgentAsk)')
  end
  for _, client in ipairs(clients) do
    local state = require('agentls.session').states[client.id]
    health.info(
      ('client %d: root %s, session %s%s'):format(
        client.id,
        client.root_dir or '(none)',
        state and state.session_id or '(none yet)',
        state and state.turn and ', a turn is running' or ''
      )
    )
    require('agentls.mcp').health(client, state)
  end
  if #clients == 0 then
    require('agentls.mcp').health(nil, nil)
  end
end

return M
