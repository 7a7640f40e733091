-- Text streams into the panel while the model is still held mid-answer; the turn then ends
-- with its stop reason and usage; $/progress reaches the native progress machinery.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  local long = os.getenv('AGENTLS_TEST_TEXT')
  vim.cmd('AgentAsk Say something long')
  H.wait_held('mid')
  H.wait(10000, function()
    return H.panel_text():find('Streaming works', 1, true)
  end, 'the first chunk in the panel')
  data.during = H.panel_text()
  data.turns_during = #H.turns
  data.status_during = require('agentls').status()
  data.panel_visible = H.panel():visible()
  data.panel_filetype = vim.bo[H.panel().buf].filetype
  H.release('mid')
  local ended = H.turn_end(1)
  data.result = ended.result
  data.after = H.panel_text()
  data.progress = H.progress
  data.status_after = require('agentls').status()
  H.check(data.after:find(long, 1, true), 'the whole answer is in the panel')
end)
