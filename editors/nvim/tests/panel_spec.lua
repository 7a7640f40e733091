local h = require('helpers')
local panel_mod = require('agentls.panel')
local api = vim.api

local function new()
  local p = panel_mod.new({ follow = true })
  p:show()
  return p
end

---The remembered end must always be the buffer's real end.
local function check_end(p)
  local count = api.nvim_buf_line_count(p.buf)
  local last = api.nvim_buf_get_lines(p.buf, -2, -1, false)[1]
  h.eq({ p.row, p.col }, { count - 1, #last }, 'panel end is the buffer end')
end

return {
  {
    'chunks append at the end, across and within lines',
    function()
      local p = new()
      for _, chunk in ipairs({ 'Hel', 'lo\nwor', 'ld', '\n', '\n\nend', 'é€😀' }) do
        p:append(chunk)
        check_end(p)
      end
      h.eq(h.text(p.buf), 'Hello\nworld\n\n\nendé€😀')
      h.eq(vim.bo[p.buf].filetype, 'markdown')
      h.eq(vim.bo[p.buf].modifiable, false, 'the user cannot type into the panel')
    end,
  },
  {
    'appending never reads or rewrites the whole buffer',
    function()
      local p = new()
      p:begin_turn('q')
      for i = 1, 200 do
        p:message_chunk(('line %d\n'):format(i))
      end
      local get_lines, set_lines = api.nvim_buf_get_lines, api.nvim_buf_set_lines
      local whole = 0
      api.nvim_buf_get_lines = function(buf, s, e, strict)
        if e == -1 or e - s > 2 then
          whole = whole + 1
        end
        return get_lines(buf, s, e, strict)
      end
      api.nvim_buf_set_lines = function(...)
        whole = whole + 1
        return set_lines(...)
      end
      local ok, err = pcall(function()
        for i = 1, 50 do
          p:message_chunk('more ' .. i .. '\n')
          p:tool_call({ toolCallId = 't' .. i, title = 'Read x', status = 'pending' })
          p:tool_update({ toolCallId = 't' .. i, status = 'completed' })
          p:thought_chunk('hmm\n')
        end
        p:end_turn({ stopReason = 'end_turn', usage = {} })
      end)
      api.nvim_buf_get_lines, api.nvim_buf_set_lines = get_lines, set_lines
      assert(ok, err)
      h.eq(whole, 0, 'whole-buffer reads or writes while streaming')
      check_end(p)
    end,
  },
  {
    'a tool line is rewritten in place while text keeps coming',
    function()
      local p = new()
      p:begin_turn('Look at it')
      p:message_chunk('Reading.')
      p:tool_call({ toolCallId = 'a', title = 'str_replace_based_edit_tool', status = 'pending' })
      local row = p.row - 1
      h.eq(api.nvim_buf_get_lines(p.buf, row, row + 1, false)[1], '- ○ str_replace_based_edit_tool — pending')
      p:message_chunk('More text\nand more')
      p:tool_update({ toolCallId = 'a', title = 'Read src/app.py' })
      p:tool_update({ toolCallId = 'a', status = 'in_progress' })
      h.eq(api.nvim_buf_get_lines(p.buf, row, row + 1, false)[1], '- ◐ Read src/app.py — running')
      p:tool_update({
        toolCallId = 'a',
        status = 'failed',
        content = { { type = 'content', content = { type = 'text', text = 'no such file\nmore detail' } } },
      })
      h.eq(api.nvim_buf_get_lines(p.buf, row, row + 1, false)[1], '- ✗ Read src/app.py — failed: no such file')
      check_end(p)
      h.ok(h.text(p.buf):find('Reading.\n\n- ✗', 1, true), 'a blank line separates text from the tool line')
      h.ok(vim.endswith(h.text(p.buf), '\n\nMore text\nand more'), 'text after the tool line is intact')
      p:tool_awaiting('a', true)
      h.eq(api.nvim_buf_get_lines(p.buf, row, row + 1, false)[1], '- ? Read src/app.py — awaiting permission')
      p:tool_awaiting('a', false)
      h.eq(api.nvim_buf_get_lines(p.buf, row, row + 1, false)[1], '- ✗ Read src/app.py — failed: no such file')
    end,
  },
  {
    'superseded text since the last tool call is dropped',
    function()
      local p = new()
      p:begin_turn('q')
      p:message_chunk('kept')
      p:tool_call({ toolCallId = 'a', title = 'T', status = 'completed' })
      p:message_chunk('failed attempt\nspanning lines')
      p:superseded()
      check_end(p)
      p:message_chunk('second attempt')
      h.ok(vim.endswith(h.text(p.buf), '- ● T — done\n\nsecond attempt'), h.text(p.buf))
      h.ok(not h.text(p.buf):find('failed attempt', 1, true), 'the failed attempt is gone')
      -- With nothing since the last tool call, superseded changes nothing.
      local before = h.text(p.buf)
      p:tool_call({ toolCallId = 'b', title = 'U', status = 'pending' })
      p:superseded()
      h.eq(h.text(p.buf), before .. '\n\n- ○ U — pending\n')
    end,
  },
  {
    'thinking is a folded blockquote; the answer is not folded',
    function()
      local p = new()
      p:begin_turn('q')
      p:thought_chunk('first thought\nsecond')
      p:thought_chunk(' line')
      p:message_chunk('The answer.')
      local lines = api.nvim_buf_get_lines(p.buf, 0, -1, false)
      local header = assert(vim.iter(ipairs(lines)):find(function(_, l)
        return l == '> _Thinking_'
      end))
      h.eq(lines[header + 1], '> first thought')
      h.eq(lines[header + 2], '> second line')
      h.eq(lines[header + 3], '')
      h.eq(lines[header + 4], 'The answer.')
      api.nvim_win_call(p.win, function()
        h.eq(panel_mod.foldexpr(header), '>1')
        h.eq(panel_mod.foldexpr(header + 2), '1')
        h.eq(panel_mod.foldexpr(header + 3), '0')
        h.eq(panel_mod.foldexpr(header + 4), '0')
        h.eq(panel_mod.foldexpr(1), '0')
        h.eq(vim.fn.foldclosed(header + 1), header, 'the thought is folded')
        h.eq(vim.fn.foldclosed(header + 4), -1, 'the answer is not folded')
      end)
    end,
  },
  {
    'the end of a turn shows the stop reason and token usage',
    function()
      local p = new()
      p:begin_turn('q', 'from src/a.py')
      p:message_chunk('done')
      p:end_turn({
        stopReason = 'max_tokens',
        usage = { inputTokens = 1200, outputTokens = 340, totalTokens = 2640 },
      }, { amount = 0.0123, currency = 'USD' })
      h.eq(
        h.text(p.buf),
        '## You\n\nq\n\n_from src/a.py_\n\n## Agent\n\ndone\n\n'
          .. '_max_tokens · tokens: 1200 in, 340 out, 2640 total · $0.0123 this session_\n'
      )
    end,
  },
  {
    'the cursor follows new text only while it is at the end',
    function()
      local p = new()
      p:append('a\nb\nc')
      h.eq(api.nvim_win_get_cursor(p.win), { 3, 0 })
      api.nvim_win_set_cursor(p.win, { 1, 0 })
      p:append('\nd')
      h.eq(api.nvim_win_get_cursor(p.win), { 1, 0 }, 'a reader scrolled up is left alone')
    end,
  },
}
