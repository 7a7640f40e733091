-- MCP servers from setup({ mcp_servers = … }): sent with the session, their tool called by
-- the model and shown in the panel like any tool; :AgentMcp and :checkhealth list them.
local H = require('agentls_test.harness')

H.run(function(data)
  local script = assert(os.getenv('AGENTLS_TEST_MCP_SERVER'))
  H.setup({
    mcp_servers = {
      tools = {
        command = H.env.python,
        args = { script, '--markers', assert(os.getenv('AGENTLS_TEST_MARKERS')) },
      },
    },
  })
  vim.cmd('AgentAsk Shout quietly')
  data.result = H.turn_end(1).result
  data.panel = H.panel_text()
  vim.cmd('AgentMcp')
  data.mcp = H.event('AgentlsMcpShown').lines
  vim.cmd('checkhealth agentls')
  data.report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
end)
