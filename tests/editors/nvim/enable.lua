-- The vim.lsp.enable("agentls") way: lsp/agentls.lua plus the user's vim.lsp.config, no
-- setup(). Neovim starts and attaches the client; the commands use that client.
local H = require('agentls_test.harness')

H.run(function(data)
  vim.cmd.runtime('plugin/agentls.lua')
  H.observe()
  vim.lsp.config('agentls', { cmd = H.env.cmd, init_options = { model = 'claude-from-enable' } })
  -- -u NONE leaves filetype detection off; vim.lsp.enable() attaches on FileType.
  vim.cmd('filetype on')
  vim.lsp.enable('agentls')
  local buf = H.open('src/app.py')
  H.wait(10000, function()
    local client = H.client()
    return client and client.initialized and vim.lsp.buf_is_attached(buf, client.id)
  end, 'Neovim to start and attach agentls')
  data.clients_before = #vim.lsp.get_clients({ name = 'agentls' })
  vim.cmd('AgentAsk Hello')
  data.result = H.turn_end(1).result
  data.clients_after = #vim.lsp.get_clients({ name = 'agentls' })
  data.root = H.client().root_dir
end)
