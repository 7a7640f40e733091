-- A visual selection goes to the model as a `resource` block (with its range), linewise
-- and charwise, and the buffer goes along as a `resource_link`.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  H.open('src/app.py')
  -- Lines 1-2, linewise.
  vim.cmd('normal! ggVj\27')
  vim.cmd("'<,'>AgentAsk Explain the selection")
  data.first = H.turn_end(1).result
  -- greet('world') on line 5, charwise.
  vim.cmd('normal! 5G06lv13l\27')
  vim.cmd("'<,'>AgentAsk What does this call print?")
  data.second = H.turn_end(2).result
  data.panel = H.panel_text()
end)
