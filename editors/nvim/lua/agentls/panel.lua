---@brief The panel: a scratch markdown buffer the agent's answer streams into.
---
---Every write goes to the end of the buffer at a remembered (row, col), so appending a chunk
---costs O(chunk) however long the answer already is: nothing is ever re-rendered. Tool
---calls get one line each, found again through an extmark and rewritten in place. The
---turn's runs of answer and thinking text are tracked with extmarks too, so a `retry` can
---take back the failed attempt's text at a cost in proportion to that text.

local api = vim.api

local M = {}

---@type table<integer, agentls.Panel> panels by buffer, for the fold expression
local by_buf = {}

local ns = api.nvim_create_namespace('agentls.panel')

---How each ACP tool status is shown, and the highlight of its label.
M.STATUS = {
  pending = { icon = '○', label = 'pending', hl = 'Comment' },
  awaiting = { icon = '?', label = 'awaiting permission', hl = 'DiagnosticWarn' },
  in_progress = { icon = '◐', label = 'running', hl = 'DiagnosticInfo' },
  completed = { icon = '●', label = 'done', hl = 'DiagnosticOk' },
  failed = { icon = '✗', label = 'failed', hl = 'DiagnosticError' },
}

---@class agentls.ToolLine
---@field mark integer extmark at the start of the tool's line
---@field hl_mark integer? extmark highlighting the status label
---@field title string
---@field status string
---@field detail string? first line of a failed call's error
---@field before_prompt string? the status to go back to when a permission prompt closes

---A block of the current turn: a run of answer (`text`) or thinking (`thought`) text, or a
---tool line. Positions are extmarks, so they stay right whatever is deleted before them.
---@class agentls.Block
---@field kind 'text'|'thought'|'tool'
---@field head integer extmark where the block's own lines begin (after its separator)
---@field from integer? extmark before the separator (blank line) the run began with
---@field start integer? extmark where the run's text begins
---@field stop integer? extmark where the run's text ends, once something else was written
---@field chars integer? code points of text in the run (as the server counts them)
---@field mode_before string? `mode` before the run began
---@field fold integer[]? the thinking fold of a `thought` run
---@field reopen agentls.Block? the text run this run interrupted, open again if it goes

---@class agentls.Panel
---@field buf integer
---@field win integer? the panel's window, if it has been shown
---@field row integer 0-based row where the next chunk goes
---@field col integer 0-based byte column where the next chunk goes
---@field mode 'text'|'thought'|'tool'|'note'|nil what the last write was
---@field thoughts integer[][] 0-based inclusive {first, last} rows of each thinking fold
---@field tools table<string, agentls.ToolLine>
---@field blocks agentls.Block[] the current turn's runs and tool lines, in buffer order
---@field run agentls.Block? the run text is being appended to, if any
---@field opts agentls.PanelOptions
local Panel = {}
Panel.__index = Panel

---@param opts agentls.PanelOptions?
---@param name string? buffer name
---@return agentls.Panel
function M.new(opts, name)
  local buf = api.nvim_create_buf(false, true)
  local bo = vim.bo[buf]
  bo.buftype = 'nofile'
  bo.bufhidden = 'hide'
  bo.swapfile = false
  -- The panel is append-only output: undo history would only cost memory.
  bo.undolevels = -1
  bo.filetype = 'markdown'
  bo.modifiable = false
  if name then
    pcall(api.nvim_buf_set_name, buf, name)
  end
  local self = setmetatable({
    buf = buf,
    row = 0,
    col = 0,
    thoughts = {},
    tools = {},
    blocks = {},
    opts = vim.tbl_extend('force', { position = 'right', size = 80, follow = true }, opts or {}),
  }, Panel)
  by_buf[buf] = self
  api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    once = true,
    callback = function()
      by_buf[buf] = nil
    end,
  })
  return self
end

---@return boolean
function Panel:valid()
  return api.nvim_buf_is_valid(self.buf)
end

---@return boolean
function Panel:visible()
  return self.win ~= nil and api.nvim_win_is_valid(self.win) and api.nvim_win_get_buf(self.win) == self.buf
end

---Opens the panel in a split (keeping the cursor where it was) unless it is visible.
function Panel:show()
  if self:visible() or not self:valid() then
    return
  end
  local o = self.opts
  local split = ({ right = 'right', left = 'left', top = 'above', bottom = 'below' })[o.position] or 'right'
  local vertical = split == 'right' or split == 'left'
  self.win = api.nvim_open_win(self.buf, false, {
    split = split,
    win = -1,
    width = vertical and o.size or nil,
    height = (not vertical) and o.size or nil,
  })
  local wo = vim.wo[self.win]
  wo.wrap = true
  wo.linebreak = true
  wo.number = false
  wo.relativenumber = false
  wo.signcolumn = 'no'
  wo.foldmethod = 'expr'
  wo.foldexpr = "v:lua.require'agentls.panel'.foldexpr(v:lnum)"
  wo.foldlevel = 0
  wo.foldenable = true
  api.nvim_win_set_cursor(self.win, { self.row + 1, self.col })
end

function Panel:hide()
  if self:visible() and #api.nvim_list_wins() > 1 then
    api.nvim_win_close(self.win, false)
  end
  self.win = nil
end

function Panel:toggle()
  if self:visible() then
    self:hide()
  else
    self:show()
  end
end

---Whether the user is reading the end of the panel, so new text should scroll into view.
---@return boolean
function Panel:_following()
  if not self.opts.follow or not self:visible() then
    return false
  end
  return api.nvim_win_get_cursor(self.win)[1] >= self.row + 1
end

---Appends `text` at the end. The only place that writes new text: O(#text).
---@param text string
function Panel:append(text)
  if text == '' or not self:valid() then
    return
  end
  local follow = self:_following()
  local lines = vim.split(text, '\n', { plain = true })
  local bo = vim.bo[self.buf]
  bo.modifiable = true
  api.nvim_buf_set_text(self.buf, self.row, self.col, self.row, self.col, lines)
  bo.modifiable = false
  if #lines == 1 then
    self.col = self.col + #lines[1]
  else
    self.row = self.row + #lines - 1
    self.col = #lines[#lines]
  end
  if follow then
    api.nvim_win_set_cursor(self.win, { self.row + 1, self.col })
  end
end

---Makes the next write start a line of its own.
function Panel:newline()
  if self.col > 0 then
    self:append('\n')
  end
end

---Makes the next write start after an empty line (markdown paragraph break).
function Panel:blank_line()
  if self.row == 0 and self.col == 0 then
    return
  end
  self:newline()
  -- The first byte of the line before says whether it is empty, however long it is.
  local prev = api.nvim_buf_get_text(self.buf, self.row - 1, 0, self.row - 1, 1, {})[1]
  if prev ~= '' then
    self:append('\n')
  end
end

function Panel:_close_thought()
  if self.mode == 'thought' then
    local fold = self.thoughts[#self.thoughts]
    -- The fold ends on the last line that has thought text in it.
    fold[2] = self.col > 0 and self.row or self.row - 1
    self:_leave_run()
    self:newline()
    self.mode = 'note'
  end
end

---@param row integer?
---@param col integer?
---@return integer extmark id, at (row, col) or the end; text inserted there goes after it
function Panel:_mark(row, col)
  return api.nvim_buf_set_extmark(self.buf, ns, row or self.row, col or self.col, { right_gravity = false })
end

---@param mark integer
---@return integer row, integer col
function Panel:_pos(mark)
  local pos = api.nvim_buf_get_extmark_by_id(self.buf, ns, mark, {})
  return pos[1], pos[2]
end

---Ends the open run (if any): its text ends here.
function Panel:_leave_run()
  if self.run then
    self.run.stop = self:_mark()
    self.run = nil
  end
end

---@param block agentls.Block
function Panel:_forget(block)
  for _, key in ipairs({ 'from', 'head', 'start', 'stop' }) do
    if block[key] and not (block.kind == 'tool' and key == 'head') then
      api.nvim_buf_del_extmark(self.buf, ns, block[key])
    end
  end
end

---Starts a turn: the user's prompt, and what context went with it.
---@param prompt string
---@param context string? e.g. "selection of src/app.py, lines 3-5"
function Panel:begin_turn(prompt, context)
  self:_close_thought()
  self:_leave_run()
  for _, block in ipairs(self.blocks) do
    self:_forget(block)
  end
  self.blocks = {}
  self:blank_line()
  self:append('## You\n\n' .. prompt .. '\n')
  if context then
    self:append('\n_' .. context .. '_\n')
  end
  self:append('\n## Agent\n\n')
  self.mode = nil
end

---Code points in `text`, as the server counts characters (Python `len`): O(#text).
---@param text string
---@return integer
local function code_points(text)
  local _, n = text:gsub('[^\128-\191]', '')
  return n
end

---@param text string
function Panel:message_chunk(text)
  if text == '' or not self:valid() then
    return
  end
  if self.mode ~= 'text' or not self.run then
    self:_close_thought()
    self:_leave_run()
    local mode_before = self.mode
    local from = self:_mark()
    if mode_before ~= nil then
      self:blank_line()
    end
    local start = self:_mark()
    self.run = { kind = 'text', from = from, head = start, start = start, chars = 0, mode_before = mode_before }
    self.blocks[#self.blocks + 1] = self.run
    self.mode = 'text'
  end
  self.run.chars = self.run.chars + code_points(text)
  self:append(text)
end

---Thinking goes in a blockquote folded under a header line; see `foldexpr`.
---@param text string
function Panel:thought_chunk(text)
  if text == '' or not self:valid() then
    return
  end
  if self.mode ~= 'thought' or not self.run then
    local mode_before, interrupted = self.mode, self.run
    self:_leave_run()
    local from = self:_mark()
    self:blank_line()
    local head = self:_mark()
    self:append('> _Thinking_\n> ')
    local fold = { self.row - 1, math.huge }
    self.thoughts[#self.thoughts + 1] = fold
    self.run = {
      kind = 'thought',
      from = from,
      head = head,
      start = self:_mark(),
      chars = 0,
      mode_before = mode_before,
      fold = fold,
      reopen = interrupted,
    }
    self.blocks[#self.blocks + 1] = self.run
    self.mode = 'thought'
  end
  self.run.chars = self.run.chars + code_points(text)
  self:append((text:gsub('\n', '\n> ')))
end

---@param tool agentls.ToolLine
---@return string line, integer label_start, integer label_end
local function tool_text(tool)
  local status = M.STATUS[tool.status] or M.STATUS.pending
  local head = ('- %s %s — '):format(status.icon, tool.title)
  local line = head .. status.label
  if tool.status == 'failed' and tool.detail and tool.detail ~= '' then
    line = line .. ': ' .. tool.detail
  end
  return line, #head, #head + #status.label
end

---@param tool agentls.ToolLine
---@param row integer
---@return integer length of the line now
function Panel:_render_tool(tool, row)
  local line, label_start, label_end = tool_text(tool)
  local old = api.nvim_buf_get_lines(self.buf, row, row + 1, false)[1] or ''
  local bo = vim.bo[self.buf]
  bo.modifiable = true
  api.nvim_buf_set_text(self.buf, row, 0, row, #old, { line })
  bo.modifiable = false
  local status = M.STATUS[tool.status] or M.STATUS.pending
  tool.hl_mark = api.nvim_buf_set_extmark(self.buf, ns, row, label_start, {
    id = tool.hl_mark,
    end_col = label_end,
    hl_group = status.hl,
  })
  return #line
end

---First line of a tool result's text, for a failed call's reason.
---@param content table?
---@return string?
local function first_text(content)
  for _, item in ipairs(content or {}) do
    local inner = item.content
    if item.type == 'content' and type(inner) == 'table' and type(inner.text) == 'string' then
      local line = vim.trim(vim.split(inner.text, '\n', { plain = true })[1] or '')
      return #line > 120 and (line:sub(1, 117) .. '...') or line
    end
  end
end

---A `tool_call` update: one new line for the call.
---@param update table
function Panel:tool_call(update)
  local id = update.toolCallId
  if not self:valid() then
    return
  end
  if self.tools[id] then
    return self:tool_update(update)
  end
  self:_close_thought()
  self:_leave_run()
  if self.mode == 'text' then
    self:blank_line()
  else
    self:newline()
  end
  local row = self.row
  local tool = {
    title = update.title or update.kind or 'tool',
    status = update.status or 'pending',
    mark = api.nvim_buf_set_extmark(self.buf, ns, row, 0, { right_gravity = false }),
  }
  self.tools[id] = tool
  self.blocks[#self.blocks + 1] = { kind = 'tool', head = tool.mark }
  self.col = self:_render_tool(tool, row)
  self:append('\n')
  self.mode = 'tool'
end

---A `tool_call_update`: rewrites the call's line in place; nothing else moves.
---@param update table
function Panel:tool_update(update)
  local tool = self.tools[update.toolCallId]
  if not tool then
    return self:tool_call(update)
  end
  tool.title = update.title or tool.title
  tool.status = update.status or tool.status
  if update.status == 'failed' then
    tool.detail = first_text(update.content)
  elseif update.status then
    tool.detail = nil
  end
  local row = api.nvim_buf_get_extmark_by_id(self.buf, ns, tool.mark, {})[1]
  if row then
    self:_render_tool(tool, row)
  end
end

---Shows that a permission prompt is open for a tool call (or no longer is).
---@param tool_call_id string
---@param waiting boolean
function Panel:tool_awaiting(tool_call_id, waiting)
  local tool = self.tools[tool_call_id]
  if not tool then
    return
  end
  if waiting then
    tool.before_prompt = tool.status
    tool.status = 'awaiting'
  elseif tool.status == 'awaiting' then
    tool.status = tool.before_prompt or 'pending'
  end
  local row = api.nvim_buf_get_extmark_by_id(self.buf, ns, tool.mark, {})[1]
  if row then
    self:_render_tool(tool, row)
  end
end

---Deletes a range of the buffer and keeps the remembered end right: O(deleted text).
---@param r1 integer
---@param c1 integer
---@param r2 integer
---@param c2 integer
function Panel:_delete(r1, c1, r2, c2)
  if r1 == r2 and c1 == c2 then
    return
  end
  local bo = vim.bo[self.buf]
  bo.modifiable = true
  api.nvim_buf_set_text(self.buf, r1, c1, r2, c2, { '' })
  bo.modifiable = false
  if r2 == self.row then
    self.col = c1 + (self.col - c2)
  end
  self.row = self.row - (r2 - r1)
end

local function is_continuation(byte)
  return byte >= 0x80 and byte < 0xC0
end

---The position `n` code points of a run's text before (row, col), which is in the run.
---Reads only the text it steps over (at most 4 bytes a code point) and, for each line
---break, the length of the line before it. A thinking line starts with `> `, which is
---not thought text, and its line break is one character of it.
---@param run agentls.Block
---@param row integer
---@param col integer
---@param n integer at most the run's characters before (row, col)
---@return integer row, integer col
function Panel:_back(run, row, col, n)
  local start_row, start_col = self:_pos(run.start)
  local indent = run.kind == 'thought' and 2 or 0
  while n > 0 do
    local floor = row == start_row and start_col or indent
    if col > floor then
      local from = math.max(floor, col - 4 * n)
      local bytes = api.nvim_buf_get_text(self.buf, row, from, row, col, {})[1]
      local i = #bytes
      while i >= 1 and n > 0 do
        while i > 1 and is_continuation(bytes:byte(i)) do
          i = i - 1
        end
        i = i - 1
        n = n - 1
      end
      col = from + i
    elseif row > start_row then
      row = row - 1
      col = api.nvim_buf_get_offset(self.buf, row + 1) - api.nvim_buf_get_offset(self.buf, row) - 1
      n = n - 1
    else
      break
    end
  end
  return row, col
end

---Where a run's text ends: its stop mark, or the end of the buffer while it is open.
---@param run agentls.Block
---@return integer row, integer col
function Panel:_run_end(run)
  if run.stop then
    return self:_pos(run.stop)
  end
  return self.row, self.col
end

---Removes the last `n` characters of `kind` text of the current turn, newest run first.
---A run left empty goes with its header and the blank line it began with.
---@param kind 'text'|'thought'
---@param n integer
function Panel:_take_back(kind, n)
  local i = #self.blocks
  while n > 0 and i >= 1 do
    local run = self.blocks[i]
    if run.kind == kind then
      local end_row, end_col = self:_run_end(run)
      if n < run.chars then
        local row, col = self:_back(run, end_row, end_col, n)
        self:_delete(row, col, end_row, end_col)
        run.chars = run.chars - n
        n = 0
      else
        n = n - run.chars
        local next_block = self.blocks[i + 1]
        if next_block then
          -- Keep the separator the next block needs after what now precedes it: a tool
          -- line follows text after a blank line, anything else after a newline.
          local cut = (next_block.kind == 'tool' and run.mode_before ~= 'text') and run.from or run.head
          local r1, c1 = self:_pos(cut)
          local r2, c2 = self:_pos(next_block.head)
          self:_delete(r1, c1, r2, c2)
        else
          local r1, c1 = self:_pos(run.from)
          self:_delete(r1, c1, self.row, self.col)
          self.mode = run.mode_before
          self.run = nil
          local before = self.blocks[i - 1]
          if self.mode == 'text' then
            if before and before == run.reopen and before.stop then
              -- The text this thinking interrupted ends here again: it goes on.
              api.nvim_buf_del_extmark(self.buf, ns, before.stop)
              before.stop = nil
              self.run = before
            else
              self.mode = 'note'
            end
          end
        end
        if run.fold then
          for f = #self.thoughts, 1, -1 do
            if self.thoughts[f] == run.fold then
              table.remove(self.thoughts, f)
              break
            end
          end
        end
        self:_forget(run)
        table.remove(self.blocks, i)
      end
    end
    i = i - 1
  end
end

---Puts the thinking folds of the current turn back on their rows after a deletion.
function Panel:_refold()
  for _, block in ipairs(self.blocks) do
    if block.fold then
      block.fold[1] = self:_pos(block.head)
      if block == self.run then
        block.fold[2] = math.huge
      else
        local row, col = self:_pos(block.stop)
        block.fold[2] = col > 0 and row or row - 1
      end
    end
  end
end

---`retry`: a model request failed and is tried again. The text its failed attempt streamed
---(the last `superseded[kind]` characters of each kind) is taken back, since the retry
---streams its own reply, and a note says why and when. Withdrawn tool calls stay, marked
---failed by their own final `tool_call_update`.
---@param update table
function Panel:retry(update)
  if not self:valid() then
    return
  end
  local follow = self:_following()
  local superseded = type(update.superseded) == 'table' and update.superseded or {}
  local text = math.floor(tonumber(superseded.agent_message_chunk) or 0)
  local thought = math.floor(tonumber(superseded.agent_thought_chunk) or 0)
  if text > 0 or thought > 0 then
    self:_take_back('text', text)
    self:_take_back('thought', thought)
    self:_refold()
  end
  if follow then
    api.nvim_win_set_cursor(self.win, { self.row + 1, self.col })
  end
  local reason = type(update.reason) == 'string' and update.reason or 'the model request failed'
  self:note(
    ('%s — retrying in %.1f s (attempt %s of %s)'):format(
      reason:gsub('\n', ' '),
      (tonumber(update.delayMs) or 0) / 1000,
      tostring(update.attempt or '?'),
      tostring(update.maxAttempts or '?')
    )
  )
end

---@param text string shown on a line of its own, in italics
function Panel:note(text)
  self:_close_thought()
  self:_leave_run()
  self:blank_line()
  self:append('_' .. text .. '_\n')
  self.mode = 'note'
end

---@param n number?
---@return string
local function count(n)
  return tostring(math.floor(tonumber(n) or 0))
end

---The end of a turn: its stop reason and token usage.
---@param result {stopReason: string, usage: table?}
---@param cost table? the session's `usage_update.cost`
function Panel:end_turn(result, cost)
  local usage = result.usage or {}
  local text = ('%s · tokens: %s in, %s out, %s total'):format(
    result.stopReason or '?',
    count(usage.inputTokens),
    count(usage.outputTokens),
    count(usage.totalTokens)
  )
  if type(cost) == 'table' and tonumber(cost.amount) then
    text = text .. (' · $%.4f this session'):format(cost.amount)
  end
  self:note(text)
end

---@param message string
function Panel:error(message)
  self:note('Error: ' .. message:gsub('\n', ' '))
end

---All of the panel's text (for tests and for copying).
---@return string
function Panel:text()
  return table.concat(api.nvim_buf_get_lines(self.buf, 0, -1, false), '\n')
end

---Fold level of line `lnum` of the panel in the current window: thinking is folded.
---Binary search over the fold ranges, so a long answer stays cheap to fold.
---@param lnum integer 1-based
---@return string
function M.foldexpr(lnum)
  local panel = by_buf[api.nvim_get_current_buf()]
  if not panel then
    return '0'
  end
  local row = lnum - 1
  local folds = panel.thoughts
  local lo, hi = 1, #folds
  while lo <= hi do
    local mid = math.floor((lo + hi) / 2)
    local fold = folds[mid]
    if row < fold[1] then
      hi = mid - 1
    elseif row > fold[2] then
      lo = mid + 1
    else
      return row == fold[1] and '>1' or '1'
    end
  end
  return '0'
end

---@param buf integer
---@return agentls.Panel?
function M.for_buf(buf)
  return by_buf[buf]
end

M.Panel = Panel
M.namespace = ns

return M
