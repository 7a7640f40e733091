-- With the built-in vim.ui.select (inputlist), the panel is drawn before the question
-- blocks, so its tool line says "awaiting permission".
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup({ panel = { size = 40 } })
  -- A UI redraws as updates arrive.
  local session = require('agentls.session')
  local on_update = session.on_update
  session.on_update = function(...)
    on_update(...)
    vim.cmd('redraw')
  end
  data.asked = {}
  vim.fn.inputlist = function(lines)
    table.insert(data.asked, {
      lines = lines,
      screen = H.screen_of(H.panel_win()),
    })
    return 1
  end
  H.open('src/util.py')
  vim.cmd('AgentAsk Add a comment to add')
  data.result = H.turn_end(1).result
  data.panel = H.panel_text()
end)
