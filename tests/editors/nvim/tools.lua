-- Each tool call gets one panel line, rewritten in place as its status changes.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  local Panel = require('agentls.panel').Panel
  local render = Panel._render_tool
  data.renders = {}
  Panel._render_tool = function(self, tool, row)
    local length = render(self, tool, row)
    local line = vim.api.nvim_buf_get_lines(self.buf, row, row + 1, false)[1]
    table.insert(data.renders, { row = row, line = line, status = tool.status, title = tool.title })
    return length
  end
  vim.cmd('AgentAsk What is in src?')
  data.result = H.turn_end(1).result
  data.lines = vim.api.nvim_buf_get_lines(H.panel().buf, 0, -1, false)
  -- The output of the first call is folded under its line.
  local row
  for i, line in ipairs(data.lines) do
    if line:find('Read src/app.py', 1, true) then
      row = i
      break
    end
  end
  vim.api.nvim_win_call(H.panel_win(), function()
    data.folded = vim.fn.foldclosed(row + 1)
  end)
end)
