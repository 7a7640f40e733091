-- :AgentRestart starts the server again and resumes the session: the panel says so and the
-- next prompt continues the conversation. A server that dies (SIGKILL) is restarted and
-- resumed the same way, on its own.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  vim.cmd('AgentAsk Remember the number 42')
  H.turn_end(1)
  local first = H.client()
  data.session = H.state().session_id
  vim.cmd('AgentRestart')
  H.event('AgentlsSessionResumed', 1)
  data.restarted = H.client().id ~= first.id and first:is_stopped()
  data.resumed_session = H.state().session_id
  data.panel_after_restart = H.panel_text()
  vim.cmd('AgentAsk What was the number?')
  H.turn_end(2)
  H.kill_server()
  H.event('AgentlsSessionResumed', 2)
  data.panel_after_kill = H.panel_text()
  vim.cmd('AgentAsk And now?')
  H.turn_end(3)
  data.final_session = H.turns[3].session_id
  data.clients = #vim.lsp.get_clients({ name = 'agentls' })
end)
