-- :AgentCancel mid-stream ends the turn as `cancelled`, promptly; the next prompt works.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  vim.cmd('AgentAsk Talk for a while')
  H.wait_held('h')
  H.wait(10000, function()
    return H.panel_text():find('Streaming works', 1, true)
  end, 'some text before cancelling')
  local started = vim.uv.hrtime()
  vim.cmd('AgentCancel')
  local ended = H.turn_end(1)
  data.cancel_ms = (vim.uv.hrtime() - started) / 1e6
  data.first = ended.result
  data.first_error = ended.error
  data.panel_after_cancel = H.panel_text()
  vim.cmd('AgentAsk And now?')
  data.second = H.turn_end(2).result
  data.panel = H.panel_text()
  -- Nothing is running now: cancelling again says so instead of sending anything.
  vim.cmd('AgentCancel')
end)
