-- The statusline shows the turn's activity while it runs and stops showing it when the turn
-- ends or the server dies, at the next screen update: nothing else has to redraw first.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup({ panel = { position = 'bottom', size = 10 } })
  vim.o.laststatus = 2
  vim.o.statusline = "%{v:lua.require'agentls'.status()}"
  local code_win = vim.api.nvim_get_current_win()
  H.open('src/app.py')
  vim.cmd('AgentAsk Say something long')
  H.wait_held('first')
  vim.cmd('redraw')
  data.during = H.statusline_of(code_win)
  H.release('first')
  H.turn_end(1)
  -- A plain screen update, as Neovim makes when idle: statuslines not marked for redraw
  -- keep what they showed.
  vim.cmd('redraw')
  data.after = H.statusline_of(code_win)
  data.status_after = require('agentls').status()
  vim.cmd('AgentAsk And more')
  H.wait_held('second')
  vim.cmd('redraw')
  data.during_second = H.statusline_of(code_win)
  H.kill_server()
  H.turn_end(2)
  vim.cmd('redraw')
  data.after_kill = H.statusline_of(code_win)
end)
