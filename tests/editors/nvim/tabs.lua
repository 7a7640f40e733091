-- Each tabpage shows the panel where the user is: :AgentAsk in tab 2 shows (and streams
-- into) a panel window in tab 2; :AgentPanel there toggles tab 2's only; and :q in a tab's
-- last code window closes the panel with it.
local H = require('agentls_test.harness')

---@param tab integer
---@return integer? the panel's transcript window in `tab`
local function panel_win(tab)
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(tab)) do
    if vim.api.nvim_win_get_buf(win) == H.panel().buf then
      return win
    end
  end
end

H.run(function(data)
  H.setup({ panel = { size = 40 } })
  H.open('src/app.py')
  vim.cmd('AgentAsk First, in tab 1')
  H.turn_end(1)
  local tab1 = vim.api.nvim_get_current_tabpage()
  data.tab1_has_panel = panel_win(tab1) ~= nil
  vim.cmd('tabnew src/util.py')
  local tab2 = vim.api.nvim_get_current_tabpage()
  vim.cmd('AgentAsk Second, in tab 2')
  H.wait_held('second')
  data.tab2_has_panel_during = panel_win(tab2) ~= nil
  H.release('second')
  H.turn_end(2)
  local win2 = panel_win(tab2)
  data.tab2_cursor = win2 and vim.api.nvim_win_get_cursor(win2)[1]
  data.line_count = vim.api.nvim_buf_line_count(H.panel().buf)
  vim.cmd('AgentPanel')
  data.tab2_after_toggle = panel_win(tab2) ~= nil
  data.tab1_after_toggle = panel_win(tab1) ~= nil
  vim.cmd('AgentPanel')
  data.tab2_after_second_toggle = panel_win(tab2) ~= nil
  data.focus_in_compose = vim.api.nvim_get_current_buf() == H.panel().compose.buf
  -- :q in tab 2's code window: the tab goes, panel and all.
  vim.cmd('wincmd t')
  data.quit_from = vim.api.nvim_buf_get_name(0)
  data.tabs_before_quit = #vim.api.nvim_list_tabpages()
  vim.cmd('quit')
  vim.wait(100, function()
    return false
  end)
  data.tabs_after_quit = #vim.api.nvim_list_tabpages()
  data.tab1_still_has_panel = panel_win(tab1) ~= nil
  -- In the last tab, closing the code window another way leaves the panel with an empty
  -- window beside it, never alone.
  vim.cmd('wincmd t')
  vim.cmd('close')
  H.wait(2000, function()
    return #vim.tbl_filter(function(w)
      return not require('agentls.panel').is_panel_window(w)
    end, vim.api.nvim_tabpage_list_wins(0)) > 0
  end, 'a code window beside the panel')
  data.windows_after_close = #vim.api.nvim_tabpage_list_wins(0)
end)
