local h = require('helpers')
local panel_mod = require('agentls.panel')
local folds = require('agentls.panel.folds')
local api = vim.api

---Every fold of the transcript, as 0-based {first, last} rows, as the panel window has them.
local function fold_ranges(p)
  local ranges = {}
  api.nvim_win_call(p:win(), function()
    vim.cmd('normal! zx')
    local lnum, last = 1, api.nvim_buf_line_count(p.buf)
    while lnum <= last do
      local closed = vim.fn.foldclosedend(lnum)
      if closed ~= -1 then
        ranges[#ranges + 1] = { lnum - 1, closed - 1 }
        lnum = closed + 1
      else
        lnum = lnum + 1
      end
    end
  end)
  return ranges
end

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
    'a retry takes back exactly its characters of text, across lines and multibyte ones',
    function()
      local p = new()
      p:begin_turn('q')
      p:message_chunk('kept é')
      -- 12 code points, 20 bytes: counted in code points, as the server does.
      p:message_chunk('€😀x\n\nline\n😀y')
      p:retry({
        sessionUpdate = 'retry',
        attempt = 2,
        maxAttempts = 5,
        delayMs = 2000,
        reason = 'overloaded_error: Overloaded',
        superseded = { agent_message_chunk = 12, agent_thought_chunk = 0 },
        toolCallIds = {},
      })
      check_end(p)
      h.eq(
        h.text(p.buf),
        '## You\n\nq\n\n## Agent\n\nkept é\n\n'
          .. '_overloaded_error: Overloaded — retrying in 2.0 s (attempt 2 of 5)_\n'
      )
      p:message_chunk('€😀x\n\nline\n😀y')
      check_end(p)
      h.ok(vim.endswith(h.text(p.buf), '(attempt 2 of 5)_\n\n€😀x\n\nline\n😀y'), h.text(p.buf))
    end,
  },
  {
    'a retry takes back text and thinking around tool lines, which stay and keep their marks',
    function()
      local p = new()
      p:begin_turn('q')
      p:tool_call({ toolCallId = 'old', title = 'Read a', status = 'completed' })
      p:thought_chunk('plan\nmore')
      p:message_chunk('Let me look.')
      p:tool_call({ toolCallId = 'w', title = 'Read b', status = 'pending' })
      p:message_chunk('after the tool é\nand')
      p:tool_update({ toolCallId = 'w', status = 'failed' })
      p:retry({
        attempt = 2,
        maxAttempts = 3,
        delayMs = 50,
        reason = 'api_error: Internal server error',
        superseded = { agent_message_chunk = 12 + 20, agent_thought_chunk = 9 },
        toolCallIds = { 'w' },
      })
      check_end(p)
      h.eq(
        h.text(p.buf),
        '## You\n\nq\n\n## Agent\n\n- ● Read a — done\n- ✗ Read b — failed\n\n'
          .. '_api_error: Internal server error — retrying in 0.1 s (attempt 2 of 3)_\n'
      )
      h.eq(#fold_ranges(p), 0, 'the withdrawn thinking has no fold left')
      -- The tool lines are still found through their extmarks.
      p:tool_update({ toolCallId = 'old', title = 'Read A' })
      p:tool_update({ toolCallId = 'w', title = 'Read B' })
      h.ok(h.text(p.buf):find('- ● Read A — done\n- ✗ Read B — failed\n', 1, true), h.text(p.buf))
      -- The retry streams its own reply, folded as before.
      p:thought_chunk('plan\nmore')
      p:message_chunk('Let me look.')
      p:tool_call({ toolCallId = 'x', title = 'Read c', status = 'completed' })
      check_end(p)
      h.ok(
        vim.endswith(
          h.text(p.buf),
          '(attempt 2 of 3)_\n\n> _Thinking_\n> plan\n> more\n\nLet me look.\n\n- ● Read c — done\n'
        ),
        h.text(p.buf)
      )
      local lines = api.nvim_buf_get_lines(p.buf, 0, -1, false)
      local header = assert(vim.iter(ipairs(lines)):find(function(_, l)
        return l == '> _Thinking_'
      end))
      h.eq(fold_ranges(p), { { header - 1, header + 1 } })
    end,
  },
  {
    'a retry takes back part of the thinking, across its quoted lines; folds stay right',
    function()
      local p = new()
      p:begin_turn('q')
      p:thought_chunk('first\nthought')
      p:message_chunk('answer')
      p:tool_call({ toolCallId = 'a', title = 'T', status = 'completed' })
      p:thought_chunk('ab\nc😀\n')
      -- Take back 'b\nc😀\n' (5), leaving 'a' on the header's next line.
      p:retry({ attempt = 2, maxAttempts = 5, delayMs = 0, reason = 'r', superseded = { agent_thought_chunk = 5 } })
      check_end(p)
      local note = '_r — retrying in 0.0 s (attempt 2 of 5)_\n'
      h.ok(vim.endswith(h.text(p.buf), '- ● T — done\n\n> _Thinking_\n> a\n\n' .. note), h.text(p.buf))
      local lines = api.nvim_buf_get_lines(p.buf, 0, -1, false)
      local second = #lines - 5
      h.eq(lines[second + 1], '> _Thinking_')
      h.eq(fold_ranges(p)[2], { second, second + 1 })
      h.eq(fold_ranges(p)[1][2] - fold_ranges(p)[1][1], 2, 'the first thought keeps its fold')
      api.nvim_win_call(p:win(), function()
        h.eq(folds.expr(second + 1), '>1')
        h.eq(folds.expr(second + 2), '=')
        h.eq(folds.expr(second + 3), '0')
      end)
    end,
  },
  {
    'text that thinking interrupted goes on when the thinking is taken back',
    function()
      local p = new()
      p:begin_turn('q')
      p:message_chunk('Hello ')
      p:thought_chunk('hmm')
      p:_take_back('thought', 3)
      check_end(p)
      p:message_chunk('world')
      h.ok(vim.endswith(h.text(p.buf), '## Agent\n\nHello world'), h.text(p.buf))
      h.eq(#fold_ranges(p), 0)
    end,
  },
  {
    'repeated retries each take back only their own attempt',
    function()
      local p = new()
      p:begin_turn('q')
      p:message_chunk('abc')
      p:retry({ attempt = 2, maxAttempts = 3, delayMs = 0, reason = 'r', superseded = { agent_message_chunk = 3 } })
      p:message_chunk('abcdef')
      p:retry({ attempt = 3, maxAttempts = 3, delayMs = 0, reason = 'r', superseded = { agent_message_chunk = 6 } })
      p:message_chunk('abcdefgh')
      p:end_turn({ stopReason = 'end_turn', usage = {} })
      check_end(p)
      local text = h.text(p.buf)
      h.ok(vim.endswith(text, '(attempt 3 of 3)_\n\nabcdefgh\n\n_end_turn · tokens: 0 in, 0 out, 0 total_\n'), text)
      h.eq(select(2, text:gsub('abc', '')), 1, 'the answer once')
      h.eq(select(2, text:gsub('retrying in', '')), 2, 'two notes')
    end,
  },
  {
    'taking text back reads only that text, never the whole buffer',
    function()
      local p = new()
      p:begin_turn('q')
      for i = 1, 300 do
        p:message_chunk(('line %d with some more words to make it longer\n'):format(i))
      end
      p:tool_call({ toolCallId = 't', title = 'T', status = 'pending' })
      -- The failed attempt begins at the end of a 5000-byte line, which is not read again.
      p:message_chunk(('y'):rep(10) .. '\n' .. ('x'):rep(5000))
      local failed = '€\nz😀\n' .. ('w'):rep(20)
      p:message_chunk(failed)
      local get_lines, set_lines, get_text = api.nvim_buf_get_lines, api.nvim_buf_set_lines, api.nvim_buf_get_text
      local whole, read = 0, 0
      api.nvim_buf_get_lines = function(buf, s, e, strict)
        if e == -1 or e - s > 2 then
          whole = whole + 1
        end
        local lines = get_lines(buf, s, e, strict)
        for _, l in ipairs(lines) do
          read = read + #l
        end
        return lines
      end
      api.nvim_buf_set_lines = function(...)
        whole = whole + 1
        return set_lines(...)
      end
      api.nvim_buf_get_text = function(...)
        local lines = get_text(...)
        for _, l in ipairs(lines) do
          read = read + #l
        end
        return lines
      end
      local ok, err = pcall(function()
        p:retry({ attempt = 2, maxAttempts = 5, delayMs = 0, reason = 'r', superseded = { agent_message_chunk = 25 } })
      end)
      api.nvim_buf_get_lines, api.nvim_buf_set_lines, api.nvim_buf_get_text = get_lines, set_lines, get_text
      assert(ok, err)
      h.eq(whole, 0, 'whole-buffer reads or writes')
      h.ok(read <= 4 * 25 + 40, ('read %d bytes to take back 25 characters'):format(read))
      check_end(p)
      local kept = 'y\n' .. ('x'):rep(5000) .. '\n\n_r — retrying in 0.0 s (attempt 2 of 5)_\n'
      h.ok(vim.endswith(h.text(p.buf), kept), 'kept the rest')
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
      api.nvim_win_call(p:win(), function()
        h.eq(folds.expr(header), '>1')
        h.eq(folds.expr(header + 2), '=')
        h.eq(folds.expr(header + 3), '0')
        h.eq(folds.expr(header + 4), '0')
        h.eq(folds.expr(1), '0')
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
      h.eq(api.nvim_win_get_cursor(p:win()), { 3, 0 })
      api.nvim_win_set_cursor(p:win(), { 1, 0 })
      p:append('\nd')
      h.eq(api.nvim_win_get_cursor(p:win()), { 1, 0 }, 'a reader scrolled up is left alone')
    end,
  },
}
