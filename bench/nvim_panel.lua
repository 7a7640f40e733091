-- The Neovim panel (editors/nvim/lua/agentls/panel.lua) in headless Neovim: appends a
-- ~1 MB answer in small chunks to a visible, following panel and prints JSON with the
-- cost per chunk, by tenth of the answer (flat = O(chunk), not O(answer)).
-- Usage: nvim --headless -u NONE -i NONE --cmd 'set rtp^=editors/nvim' -l bench/nvim_panel.lua
local panel = require('agentls.panel').new({ follow = true }, 'agentls-bench')
panel:show()
panel:begin_turn('Explain', nil)
local words = { 'stream', 'render', '**bold**', '`code`', 'panel', 'the', 'of' }
local parts, size, seed = {}, 0, 42
while size < 1024 * 1024 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  local w = words[seed % #words + 1]
  local sep = (seed % 97 == 0) and '\n\n' or ((seed % 13 == 0) and '\n' or ' ')
  parts[#parts + 1] = w .. sep
  size = size + #w + #sep
end
local text = table.concat(parts)
local chunks, i = {}, 1
seed = 7
while i <= #text do
  seed = (seed * 48271) % 2147483647
  local n = 3 + seed % 40
  chunks[#chunks + 1] = text:sub(i, i + n - 1)
  i = i + n
end
local times = {}
local hr = vim.uv.hrtime
for k, c in ipairs(chunks) do
  local t = hr()
  panel:message_chunk(c)
  times[k] = (hr() - t) / 1e3 -- microseconds
end
local tenth = math.floor(#times / 10)
local by_tenth = {}
for q = 0, 9 do
  local sum = 0
  for k = q * tenth + 1, (q + 1) * tenth do
    sum = sum + times[k]
  end
  by_tenth[#by_tenth + 1] = sum / tenth
end
local sorted = vim.deepcopy(times)
table.sort(sorted)
io.stdout:write(vim.json.encode({
  chars = #text,
  chunks = #chunks,
  lines = vim.api.nvim_buf_line_count(panel.buf),
  p50_us = sorted[math.floor(#sorted * 0.5)],
  p99_us = sorted[math.floor(#sorted * 0.99)],
  mean_us_by_tenth = by_tenth,
}) .. '\n')
vim.cmd('qa!')
