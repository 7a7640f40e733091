---@brief The panel: a scratch markdown buffer the agent's answer streams into.
---
---Every write goes to the end of the buffer at a remembered (row, col), so appending a chunk
---costs O(chunk) however long the answer already is: nothing is ever re-rendered. Tool
---calls get one line each, found again through an extmark and rewritten in place.

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

---@class agentls.Panel
---@field buf integer
---@field win integer? the panel's window, if it has been shown
---@field row integer 0-based row where the next chunk goes
---@field col integer 0-based byte column where the next chunk goes
---@field mode 'text'|'thought'|'tool'|'note'|nil what the last write was
---@field thoughts integer[][] 0-based inclusive {first, last} rows of each thinking fold
---@field tools table<string, agentls.ToolLine>
---@field segment integer extmark where text that a retry may supersede begins
---@field segment_mode string? `mode` when the segment began
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
    opts = vim.tbl_extend('force', { position = 'right', size = 80, follow = true }, opts or {}),
  }, Panel)
  self.segment = api.nvim_buf_set_extmark(buf, ns, 0, 0, { right_gravity = false })
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
  local split = ({ right = 'right', left = 'left', top = 'above', bottom = 'below' })[o.position]
    or 'right'
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
  local prev = api.nvim_buf_get_lines(self.buf, self.row - 1, self.row, false)[1]
  if prev ~= '' then
    self:append('\n')
  end
end

function Panel:_close_thought()
  if self.mode == 'thought' then
    local fold = self.thoughts[#self.thoughts]
    -- The fold ends on the last line that has thought text in it.
    fold[2] = self.col > 0 and self.row or self.row - 1
    self:newline()
    self.mode = 'note'
  end
end

---Moves the supersede point to the current end: text before it is final.
function Panel:_mark_segment()
  self.segment_mode = self.mode
  api.nvim_buf_set_extmark(self.buf, ns, self.row, self.col, { id = self.segment, right_gravity = false })
end

---Starts a turn: the user's prompt, and what context went with it.
---@param prompt string
---@param context string? e.g. "selection of src/app.py, lines 3-5"
function Panel:begin_turn(prompt, context)
  self:_close_thought()
  self:blank_line()
  self:append('## You\n\n' .. prompt .. '\n')
  if context then
    self:append('\n_' .. context .. '_\n')
  end
  self:append('\n## Agent\n\n')
  self.mode = nil
  self:_mark_segment()
end

---@param text string
function Panel:message_chunk(text)
  self:_close_thought()
  if self.mode ~= 'text' and self.mode ~= nil then
    self:blank_line()
  end
  self.mode = 'text'
  self:append(text)
end

---Thinking goes in a blockquote folded under a header line; see `foldexpr`.
---@param text string
function Panel:thought_chunk(text)
  if self.mode ~= 'thought' then
    self:blank_line()
    self:append('> _Thinking_\n> ')
    self.thoughts[#self.thoughts + 1] = { self.row - 1, math.huge }
    self.mode = 'thought'
  end
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
  if self.tools[id] then
    return self:tool_update(update)
  end
  self:_close_thought()
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
  self.col = self:_render_tool(tool, row)
  self:append('\n')
  self.mode = 'tool'
  -- A retry re-streams only what came after the last tool call (docs/protocol.md, Retries).
  self:_mark_segment()
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

---`agent_message_superseded`: drops the text of a failed attempt, which is streamed again.
function Panel:superseded()
  local pos = api.nvim_buf_get_extmark_by_id(self.buf, ns, self.segment, {})
  local row, col = pos[1], pos[2]
  if not row or (row == self.row and col == self.col) then
    return
  end
  local bo = vim.bo[self.buf]
  bo.modifiable = true
  api.nvim_buf_set_text(self.buf, row, col, self.row, self.col, { '' })
  bo.modifiable = false
  self.row, self.col = row, col
  while #self.thoughts > 0 and self.thoughts[#self.thoughts][1] >= row do
    table.remove(self.thoughts)
  end
  self.mode = self.segment_mode
end

---@param text string shown on a line of its own, in italics
function Panel:note(text)
  self:_close_thought()
  self:blank_line()
  self:append('_' .. text .. '_\n')
  self.mode = 'note'
  self:_mark_segment()
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
