-- :AgentUndo restores what the last turn changed, through the editor's applyEdit.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  local buf = H.open('src/util.py')
  data.before = H.buf_text(buf)
  vim.cmd('AgentAsk Add a comment to add')
  data.result = H.turn_end(1).result
  data.after = H.buf_text(buf)
  local undone
  vim.api.nvim_create_autocmd('User', {
    pattern = 'AgentlsUndo',
    callback = function(args)
      undone = args.data.result
    end,
  })
  vim.cmd('AgentUndo')
  H.wait(10000, function()
    return undone ~= nil
  end, 'agentls/undoTurn to answer')
  data.undo = undone
  data.restored = H.buf_text(buf)
  data.panel = H.panel_text()
end)
