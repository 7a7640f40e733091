-- A new prompt scrolls the panel to it and follows the answer, even when the reader had
-- moved the cursor up; a reader who moves up during the answer is left alone.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup({ panel = { size = 40 } })
  vim.cmd('AgentAsk Write a long answer')
  H.turn_end(1)
  local win = H.panel_win()
  vim.api.nvim_win_set_cursor(win, { 1, 0 })
  vim.cmd('redraw')
  data.top_before = vim.fn.line('w0', win)
  vim.cmd('AgentAsk And another')
  H.wait_held('second')
  H.wait(10000, function()
    return H.panel_text():find('Second answer', 1, true)
  end, 'the second answer to stream')
  vim.cmd('redraw')
  local last = vim.api.nvim_buf_line_count(H.panel().buf)
  data.cursor = vim.api.nvim_win_get_cursor(win)[1]
  data.last_line = last
  data.bottom_visible = vim.fn.line('w$', win)
  data.prompt_row = vim.fn.search('^And another$', 'nw')
  H.release('second')
  H.turn_end(2)
  vim.cmd('redraw')
  data.bottom_after = vim.fn.line('w$', win)
  data.last_after = vim.api.nvim_buf_line_count(H.panel().buf)
end)
