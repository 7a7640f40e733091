-- The panel's keys and #diagnostics: the buffer's diagnostics go with the prompt; in the
-- transcript ]] and [[ move between turns, gy yanks the code block under the cursor, and ?
-- lists the keys.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  local buf = H.open('src/util.py')
  local ns = vim.api.nvim_create_namespace('agentls-test')
  vim.diagnostic.set(ns, buf, {
    {
      lnum = 1,
      col = 4,
      message = 'undefined name b',
      severity = vim.diagnostic.severity.ERROR,
      source = 'pyflakes',
    },
  })
  vim.cmd('AgentAsk Show me')
  H.turn_end(1)
  local compose = assert(H.panel()).compose
  compose:set_text('fix #diagnostics')
  vim.api.nvim_set_current_win(vim.fn.bufwinid(compose.buf))
  H.feed('<CR>')
  H.turn_end(2)

  local win = assert(H.panel_win())
  vim.api.nvim_set_current_win(win)
  vim.api.nvim_win_set_cursor(win, { 1, 0 })
  H.feed(']]')
  local row = vim.api.nvim_win_get_cursor(win)[1]
  data.after_next = vim.api.nvim_buf_get_lines(H.panel().buf, row - 1, row, false)[1]
  data.next_row = row
  H.feed('[[')
  data.after_prev_row = vim.api.nvim_win_get_cursor(win)[1]

  local lines = vim.api.nvim_buf_get_lines(H.panel().buf, 0, -1, false)
  for i, line in ipairs(lines) do
    if line:find("print('hi')", 1, true) then
      vim.api.nvim_win_set_cursor(win, { i, 0 })
      break
    end
  end
  H.feed('gy')
  data.yanked = vim.fn.getreg('"')

  H.feed('?')
  for _, w in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_config(w).relative ~= '' then
      data.help = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(w), 0, -1, false)
    end
  end
end)
