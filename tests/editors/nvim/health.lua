-- :checkhealth agentls starts the server and reports its version and whether a key is set.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  vim.cmd('checkhealth agentls')
  data.report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
end)
