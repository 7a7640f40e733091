-- A file the agent creates holds exactly the model's text on disk (no final newline of
-- Neovim's own, no 0-byte file until saved), and :AgentUndo deletes it, opened or not.
local H = require('agentls_test.harness')

local function read_bytes(path)
  local f = io.open(path, 'rb')
  if not f then
    return nil
  end
  local data = f:read('*a')
  f:close()
  return data
end

H.run(function(data)
  H.setup()
  vim.cmd('AgentAsk Write some notes')
  data.result = H.turn_end(1).result
  data.disk = read_bytes('docs/notes.md')
  -- The user looks at it: Neovim's buffer now holds it too.
  local buf = H.open('docs/notes.md')
  data.buffer = H.buf_text(buf)
  data.modified = vim.bo[buf].modified
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
  data.exists_after = vim.uv.fs_stat('docs/notes.md') ~= nil
end)
