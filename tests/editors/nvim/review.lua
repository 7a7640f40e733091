-- :AgentReview: the pending hunks in quickfix, the file beside its baseline in diff mode;
-- `gr` undoes the hunk under the cursor, `ga` keeps one; the quickfix list follows.
local H = require('agentls_test.harness')

local function qf_texts()
  return vim.tbl_map(function(item)
    return item.lnum .. ': ' .. item.text
  end, vim.fn.getqflist())
end

H.run(function(data)
  H.setup()
  local buf = H.open('src/app.py')
  vim.cmd('AgentAsk Change the greeting and the call')
  data.result = H.turn_end(1).result
  data.after_turn = H.buf_text(buf)

  vim.cmd('AgentReview')
  local opened = H.event('AgentlsReviewOpened')
  data.files = #opened.files
  data.qf_title = vim.fn.getqflist({ title = 0 }).title
  data.qf_before = qf_texts()
  local file_win = vim.fn.bufwinid(buf)
  local base_buf = vim.fn.bufnr('agentls-baseline://' .. vim.fs.normalize(vim.api.nvim_buf_get_name(buf)))
  data.baseline = H.buf_text(base_buf)
  data.diff_mode = { vim.wo[file_win].diff, vim.wo[vim.fn.bufwinid(base_buf)].diff }
  data.current_is_file = vim.api.nvim_get_current_win() == file_win
  vim.cmd('redraw')
  data.screen = {}
  for row = 1, vim.o.lines do
    data.screen[row] = H.screen_row(row)
  end

  -- Undo the second hunk (the call on line 5), with the cursor on it.
  vim.api.nvim_set_current_win(file_win)
  vim.api.nvim_win_set_cursor(file_win, { 5, 0 })
  H.feed('gr')
  data.rejected = H.event('AgentlsReviewed', 1).result
  H.wait(5000, function()
    return #vim.fn.getqflist() == 1
  end, 'the quickfix list to drop the undone hunk')
  data.after_reject = H.buf_text(buf)
  data.qf_after_reject = qf_texts()

  -- Keep the first one.
  vim.api.nvim_win_set_cursor(file_win, { 2, 0 })
  H.feed('ga')
  data.accepted = H.event('AgentlsReviewed', 2).result
  H.wait(5000, function()
    return #vim.fn.getqflist() == 0
  end, 'the quickfix list to empty')
  data.after_accept = H.buf_text(buf)
  data.baseline_after_accept = H.buf_text(base_buf)
end)
