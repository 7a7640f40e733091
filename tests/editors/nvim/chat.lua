-- The chat, as a user drives it: a two-line prompt with @file and #buffer context typed in
-- the compose area and sent with <C-s>; <Up> in the empty compose area recalls it; /model
-- switches the model (the next request uses it); a prompt sent while a turn runs is queued
-- and shown; :AgentSessions picks the first session back and replays its turns apart.
local H = require('agentls_test.harness')

---@return agentls.Compose
local function compose()
  return assert(H.panel()).compose
end

local function compose_win()
  return vim.fn.bufwinid(compose().buf)
end

H.run(function(data)
  H.setup()
  H.open('src/util.py')
  vim.cmd('AgentAsk Hello')
  H.turn_end(1)
  data.first_session = H.state().session_id

  -- A two-line prompt with context, typed and sent with <C-s> in insert mode.
  vim.api.nvim_set_current_win(compose_win())
  H.feed('iExplain @src/app.py<CR>and #buffer please<C-s>')
  H.turn_end(2)
  data.compose_after_send = compose():text()
  data.panel_after_context = H.panel_text()

  -- <Up> in the empty compose area recalls it.
  vim.api.nvim_set_current_win(compose_win())
  H.feed('<Esc>gg')
  H.feed('<Up>')
  data.recalled = compose():text()
  compose():set_text('')

  -- /model switches the model through session/set_config_option.
  compose():set_text('/model claude-opus-5')
  H.feed('<Esc><CR>')
  H.wait(5000, function()
    return require('agentls.settings').current(H.state(), 'model') == 'claude-opus-5'
  end, 'the model switch')
  compose():set_text('Which model?')
  H.feed('<Esc><CR>')
  H.wait_held('third')
  -- Sent while the turn runs: queued, and the panel says so.
  compose():set_text('And then?')
  H.feed('<Esc><CR>')
  data.queued = vim.deepcopy(compose().queued)
  data.winbar = vim.api.nvim_eval_statusline(vim.wo[compose_win()].winbar, { winid = compose_win() }).str
  H.release('third')
  H.turn_end(4)

  -- :AgentSessions: the first session is listed and loaded; its turns replay apart.
  vim.cmd('AgentNew')
  local listed
  vim.ui.select = function(items, opts, on_choice)
    listed = vim.tbl_map(opts.format_item, items)
    for _, item in ipairs(items) do
      if item.sessionId == data.first_session then
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  vim.cmd('AgentSessions')
  H.wait(10000, function()
    return H.state().session_id == data.first_session and H.panel_text():find('Hello back', 1, true) ~= nil
  end, 'the first session to load')
  data.listed = listed
  data.replayed = H.panel_text()
end)
