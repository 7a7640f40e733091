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
end)
