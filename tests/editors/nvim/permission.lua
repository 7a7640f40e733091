-- session/request_permission is answered through vim.ui.select (answered asynchronously,
-- as a picker plugin would); the choice comes from AGENTLS_TEST_CHOICE.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  local choice = assert(os.getenv('AGENTLS_TEST_CHOICE'))
  data.asked = {}
  vim.ui.select = function(items, opts, on_choice)
    local names = vim.tbl_map(opts.format_item, items)
    table.insert(data.asked, {
      prompt = opts.prompt,
      kind = opts.kind,
      names = names,
      ids = vim.tbl_map(function(item)
        return item.optionId
      end, items),
      panel = H.panel_text(),
      diff = (function()
        for _, win in ipairs(vim.api.nvim_list_wins()) do
          local buf = vim.api.nvim_win_get_buf(win)
          if vim.api.nvim_win_get_config(win).relative ~= '' and vim.bo[buf].filetype == 'diff' then
            return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
          end
        end
        return vim.NIL
      end)(),
    })
    vim.defer_fn(function()
      for _, item in ipairs(items) do
        if item.optionId == choice then
          return on_choice(item)
        end
      end
      on_choice(nil)
    end, 50)
  end
  local buf = H.open('src/util.py')
  data.before = H.buf_text(buf)
  vim.cmd('AgentAsk Add a comment to add')
  data.result = H.turn_end(1).result
  data.after = H.buf_text(buf)
  data.panel = H.panel_text()
  data.floats_after = #vim.tbl_filter(function(win)
    return vim.api.nvim_win_get_config(win).relative ~= ''
  end, vim.api.nvim_list_wins())
end)
