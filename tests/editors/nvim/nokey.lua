-- Without an API key the turn fails with a message that says what to do (chosen by the
-- error's data.type); :checkhealth says how to set the key.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  vim.cmd('AgentAsk Hello?')
  local ended = H.turn_end(1)
  data.error = ended.error
  data.panel = H.panel_text()
  vim.cmd('checkhealth agentls')
  data.report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
end)
