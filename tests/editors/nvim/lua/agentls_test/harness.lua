-- Shared by the end-to-end scripts that tests/editors/test_nvim.py runs in a real headless
-- Neovim. pytest passes what it knows through the environment; the script reports back
-- through a JSON file, so a failure says which step failed and what the panel showed.

local H = {}

H.result = { ok = false, steps = {}, data = {} }
H.env = {
  result = assert(os.getenv('AGENTLS_TEST_RESULT'), 'AGENTLS_TEST_RESULT is not set'),
  cmd = vim.json.decode((assert(os.getenv('AGENTLS_TEST_CMD'), 'AGENTLS_TEST_CMD is not set'))),
  sim = assert(os.getenv('ANTHROPIC_BASE_URL'), 'ANTHROPIC_BASE_URL is not set'),
  python = assert(os.getenv('AGENTLS_TEST_PYTHON'), 'AGENTLS_TEST_PYTHON is not set'),
  options = vim.json.decode(os.getenv('AGENTLS_TEST_OPTIONS') or '{}'),
}

---@param what string
function H.step(what)
  table.insert(H.result.steps, what)
end

---Waits for `cond` (polling every 10 ms while the event loop runs) or fails naming `what`.
---@param ms integer
---@param cond fun(): any
---@param what string
function H.wait(ms, cond, what)
  H.step('wait: ' .. what)
  if not vim.wait(ms, cond, 10) then
    error(('timed out after %d ms waiting for %s'):format(ms, what), 2)
  end
end

---@param cond any
---@param message string
function H.check(cond, message)
  if not cond then
    error('check failed: ' .. message, 2)
  end
end

---Loads the plugin as a user's config would, with the server command from pytest.
---@param opts table? extra setup() options
function H.setup(opts)
  vim.cmd.runtime('plugin/agentls.lua')
  local options = vim.tbl_extend('force', { cmd = H.env.cmd }, H.env.options, opts or {})
  require('agentls').setup(options)
  H.observe()
end

---Records turn ends and $/progress messages in H.turns and H.progress.
function H.observe()
  H.events = {}
  vim.api.nvim_create_autocmd('User', {
    pattern = 'Agentls*',
    callback = function(args)
      table.insert(H.events, { event = args.match, data = args.data })
    end,
  })
  H.turns = {}
  vim.api.nvim_create_autocmd('User', {
    pattern = 'AgentlsTurnEnd',
    callback = function(args)
      table.insert(H.turns, args.data)
    end,
  })
  H.progress = {}
  vim.api.nvim_create_autocmd('LspProgress', {
    callback = function(args)
      local params = args.data.params
      table.insert(H.progress, { token = params.token, kind = params.value.kind, message = params.value.message })
    end,
  })
end

---The running agentls client (the newest, after a restart).
---@return vim.lsp.Client?
function H.client()
  local clients = vim.tbl_filter(function(c)
    return not c:is_stopped()
  end, vim.lsp.get_clients({ name = 'agentls' }))
  return clients[#clients]
end

---@return agentls.Panel?
function H.panel()
  local client = H.client()
  local state = client and require('agentls.session').states[client.id]
  if not state then
    -- Between a server's exit and its restart the panel stays, with its workspace.
    local _, any = next(require('agentls.session').by_root or {})
    state = any
  end
  return state and state.panel
end

---The window showing the panel's transcript in the current tabpage, if any.
---@return integer?
function H.panel_win()
  local panel = H.panel()
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if panel and vim.api.nvim_win_get_buf(win) == panel.buf then
      return win
    end
  end
end

---@return string
function H.panel_text()
  local panel = H.panel()
  return panel and panel:text() or ''
end

---Waits for the n-th turn to end and returns what its AgentlsTurnEnd event carried.
---@param n integer
---@param ms integer?
---@return table
function H.turn_end(n, ms)
  H.wait(ms or 20000, function()
    return #H.turns >= n
  end, ('turn %d to end'):format(n))
  return H.turns[n]
end

---The simulator's control API (server/agentls/sim/app.py), over HTTP from Python, which
---the test environment is sure to have. Asynchronous, so LSP messages keep flowing.
---@param method 'GET'|'POST'
---@param path string
---@param ms integer?
---@return string body
function H.sim(method, path, ms)
  local code = table.concat({
    'import sys, urllib.request',
    'req = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=b"" if sys.argv[2] == "POST" else None)',
    'sys.stdout.write(urllib.request.urlopen(req, timeout=30).read().decode())',
  }, '\n')
  local done
  vim.system({ H.env.python, '-c', code, H.env.sim .. path, method }, { text = true }, function(out)
    done = out
  end)
  H.wait(ms or 15000, function()
    return done ~= nil
  end, method .. ' ' .. path)
  if done.code ~= 0 then
    error(('simulator %s %s failed: %s'):format(method, path, done.stderr), 2)
  end
  return done.stdout
end

---Waits for the n-th `User` event named `name` (AgentlsSessionResumed, …) and returns its data.
---@param name string
---@param n integer?
---@param ms integer?
---@return table
function H.event(name, n, ms)
  local found
  H.wait(ms or 20000, function()
    local seen = 0
    for _, e in ipairs(H.events) do
      if e.event == name then
        seen = seen + 1
        if seen == (n or 1) then
          found = e.data
          return true
        end
      end
    end
  end, ('event %s #%d'):format(name, n or 1))
  return found
end

---@param name string
function H.wait_held(name)
  H.sim('GET', '/_sim/held/' .. name .. '?timeout=10')
end

---@param name string
function H.release(name)
  H.sim('POST', '/_sim/release/' .. name)
end

---@param path string
---@return integer buf
function H.open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  return vim.api.nvim_get_current_buf()
end

---@param buf integer
---@return string
function H.buf_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

---The text Neovim has drawn on the screen at 1-based `row`, columns `first`..`last`.
---@param row integer
---@param first integer?
---@param last integer?
---@return string
function H.screen_row(row, first, last)
  local cells = {}
  for col = first or 1, last or vim.o.columns do
    cells[#cells + 1] = vim.fn.screenstring(row, col)
  end
  return (table.concat(cells):gsub('%s+$', ''))
end

---What window `win` shows on the screen (as last drawn), one string per screen line.
---@param win integer
---@return string[]
function H.screen_of(win)
  local pos = vim.fn.win_screenpos(win)
  local lines = {}
  for r = pos[1], pos[1] + vim.api.nvim_win_get_height(win) - 1 do
    lines[#lines + 1] = H.screen_row(r, pos[2], pos[2] + vim.api.nvim_win_get_width(win) - 1)
  end
  return lines
end

---The status line of window `win`, as last drawn.
---@param win integer
---@return string
function H.statusline_of(win)
  local pos = vim.fn.win_screenpos(win)
  return H.screen_row(pos[1] + vim.api.nvim_win_get_height(win), pos[2], pos[2] + vim.api.nvim_win_get_width(win) - 1)
end

---Kills the agentls server (SIGKILL), as a crash would, and waits until Neovim sees it.
function H.kill_server()
  local client = assert(H.client(), 'no agentls client to kill')
  local pids = vim.api.nvim_get_proc_children(vim.fn.getpid())
  H.check(#pids > 0, 'the server is a child process of Neovim')
  for _, pid in ipairs(pids) do
    vim.uv.kill(pid, 'sigkill')
  end
  H.wait(10000, function()
    return client:is_stopped()
  end, 'Neovim to see the server exit')
end

---Types `keys` as the user would (mappings applied), and lets Neovim handle them.
---@param keys string with <CR>-style key names
function H.feed(keys)
  vim.api.nvim_feedkeys(vim.keycode(keys), 'xt', false)
end

---The state of the agentls client (session, settings, queue).
---@return agentls.State?
function H.state()
  local client = H.client()
  return client and require('agentls.session').states[client.id]
end

local function write_result()
  local f = assert(io.open(H.env.result, 'w'))
  f:write(vim.json.encode(H.result))
  f:close()
end

---Runs the test body, records the outcome and exits (non-zero on failure).
---@param body fun(data: table)
function H.run(body)
  local ok, err = xpcall(body, debug.traceback, H.result.data)
  H.result.ok = ok
  H.result.error = (not ok) and tostring(err) or nil
  H.result.panel = H.panel_text()
  write_result()
  -- Stop the server the way quitting Neovim does, so its exit shows in the log.
  for _, client in ipairs(vim.lsp.get_clients()) do
    client:stop()
  end
  vim.wait(3000, function()
    return #vim.lsp.get_clients() == 0
  end, 10)
  vim.cmd((ok and 'qall!') or 'cquit! 1')
end

return H
