-- An edit from the agent lands in the open buffer through workspace/applyEdit; `u` undoes it.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  local edits = require('agentls.edits')
  local apply = edits.apply
  data.apply_edits = {}
  edits.apply = function(err, params, ctx)
    local answer = apply(err, params, ctx)
    table.insert(data.apply_edits, { params = params, answer = answer })
    return answer
  end
  local buf = H.open('src/util.py')
  data.before = H.buf_text(buf)
  vim.cmd('AgentAsk Add a comment to add')
  data.result = H.turn_end(1).result
  data.panel_after_turn = H.panel_text()
  data.after = H.buf_text(buf)
  data.modified = vim.bo[buf].modified
  data.disk_after = table.concat(vim.fn.readfile('src/util.py'), '\n')
  data.buffers = vim.tbl_map(vim.api.nvim_buf_get_name, vim.api.nvim_list_bufs())
  H.check(data.after ~= data.before, 'the edit changed the buffer')
  vim.api.nvim_set_current_buf(buf)
  vim.cmd('normal! u')
  data.undone = H.buf_text(buf)
end)
