-- Runs the Lua unit tests: every *_spec.lua here returns a list of {name, function}.
-- Usage: nvim --headless -u NONE --cmd 'set rtp^=editors/nvim' -l editors/nvim/tests/run.lua
local dir = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':h')
package.path = dir .. '/?.lua;' .. package.path

local failures, passed = {}, 0
for _, file in ipairs(vim.fn.globpath(dir, '*_spec.lua', false, true)) do
  local specs = dofile(file)
  local module = vim.fn.fnamemodify(file, ':t:r')
  for _, spec in ipairs(specs) do
    local ok, err = xpcall(spec[2], debug.traceback)
    -- Each test starts from a clean editor: one window, one empty buffer.
    vim.cmd('silent! only! | enew!')
    if ok then
      passed = passed + 1
    else
      table.insert(failures, ('%s: %s\n%s'):format(module, spec[1], err))
    end
  end
end
for _, failure in ipairs(failures) do
  io.stdout:write('FAIL ', failure, '\n\n')
end
io.stdout:write(('%d passed, %d failed\n'):format(passed, #failures))
vim.cmd(#failures == 0 and 'qall!' or 'cquit! 1')
