---@brief Tool calls in the transcript: one line per call, rewritten in place as its status
---changes, with the call's output under it (command output, search hits, the edit's diff)
---in a fold that `zo` or `<CR>` opens.

local api = vim.api
local folds = require('agentls.panel.folds')

local M = {}

local ns = api.nvim_create_namespace('agentls.panel')
local hl_ns = api.nvim_create_namespace('agentls.tool_output')

---How each ACP tool status is shown, and the highlight of its label.
M.STATUS = {
  pending = { icon = '○', label = 'pending', hl = 'Comment' },
  awaiting = { icon = '?', label = 'awaiting permission', hl = 'DiagnosticWarn' },
  in_progress = { icon = '◐', label = 'running', hl = 'DiagnosticInfo' },
  completed = { icon = '●', label = 'done', hl = 'DiagnosticOk' },
  failed = { icon = '✗', label = 'failed', hl = 'DiagnosticError' },
}

---Output lines are indented under the tool's list item, so markdown keeps them in it.
M.INDENT = '  '

---@class agentls.ToolLine
---@field id string
---@field mark integer extmark at the start of the tool's line
---@field hl_mark integer? extmark highlighting the status label
---@field title string
---@field kind string?
---@field status string
---@field detail string? first line of a failed call's error
---@field before_prompt string? the status to go back to when a permission prompt closes
---@field out_lines integer lines of output under the tool line
---@field locations table[] ACP locations `{path, line?}`
---@field diff_path string? the file of the diff shown, for `<CR>` on its lines

---@class agentls.Panel
local Panel = {}

---@param tool agentls.ToolLine
---@return string text after the leading `- `, integer label_start, integer label_end (in the line)
local function tool_text(tool)
  local status = M.STATUS[tool.status] or M.STATUS.pending
  local head = ('%s %s — '):format(status.icon, tool.title)
  local text = head .. status.label
  if tool.status == 'failed' and tool.detail and tool.detail ~= '' then
    text = text .. ': ' .. tool.detail
  end
  return text, 2 + #head, 2 + #head + #status.label
end

---Rewrites the tool's line after its `- `: the extmark at its start stays put.
---@param tool agentls.ToolLine
---@param row integer
---@return integer length of the line now
function Panel:_render_tool(tool, row)
  local text, label_start, label_end = tool_text(tool)
  local old = api.nvim_buf_get_lines(self.buf, row, row + 1, false)[1] or ''
  self:_splice(row, 2, row, #old, { text })
  local status = M.STATUS[tool.status] or M.STATUS.pending
  tool.hl_mark = api.nvim_buf_set_extmark(self.buf, ns, row, label_start, {
    id = tool.hl_mark,
    end_col = label_end,
    hl_group = status.hl,
  })
  return 2 + #text
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

---At most `limit` lines: the head and the tail, with what was cut said in between.
---@param lines string[]
---@param limit integer
---@return string[]
local function bounded(lines, limit)
  if #lines <= limit then
    return lines
  end
  local head = math.floor(limit / 4)
  local tail = limit - head
  local out = vim.list_slice(lines, 1, head)
  out[#out + 1] = ('[… %d lines not shown …]'):format(#lines - head - tail)
  vim.list_extend(out, lines, #lines - tail + 1, #lines)
  return out
end

---A fence longer than any run of backticks in `lines`.
---@param lines string[]
---@return string
local function fence_for(lines)
  local longest = 2
  for _, line in ipairs(lines) do
    for run in line:gmatch('`+') do
      longest = math.max(longest, #run)
    end
  end
  return ('`'):rep(longest + 1)
end

---The output lines of a tool call's content: text as it is, diffs as a unified diff.
---@param content table[]
---@param limit integer
---@return string[] lines, string? diff_path
function M.output_lines(content, limit)
  local body, lang, diff_path = {}, 'text', nil
  for _, item in ipairs(content or {}) do
    if item.type == 'content' and type(item.content) == 'table' and type(item.content.text) == 'string' then
      local text = item.content.text:gsub('\n$', '')
      if text ~= '' then
        vim.list_extend(body, vim.split(text, '\n', { plain = true }))
      end
    elseif item.type == 'diff' and type(item.newText) == 'string' then
      local old = type(item.oldText) == 'string' and item.oldText or ''
      local diff = vim.diff(old, item.newText, { result_type = 'unified', ctxlen = 1 })
      ---@cast diff string
      lang, diff_path = 'diff', item.path
      body = vim.split(diff:gsub('\n$', ''), '\n', { plain = true })
    end
  end
  if #body == 0 then
    return {}, nil
  end
  body = bounded(body, limit)
  local fence = fence_for(body)
  local lines = { M.INDENT .. fence .. lang }
  for _, line in ipairs(body) do
    lines[#lines + 1] = M.INDENT .. line:gsub('\r', '')
  end
  lines[#lines + 1] = M.INDENT .. fence
  return lines, diff_path
end

---Replaces the output under the tool's line with `lines` (costs the output's size); it
---folds under the line (folds.lua).
---@param tool agentls.ToolLine
---@param lines string[]
function Panel:_set_output(tool, lines)
  local row = self:_pos(tool.mark)
  local line = api.nvim_buf_get_lines(self.buf, row, row + 1, false)[1] or ''
  local n = tool.out_lines or 0
  local r2, c2 = row, #line
  if n > 0 then
    r2 = row + n
    c2 = #(api.nvim_buf_get_lines(self.buf, r2, r2 + 1, false)[1] or '')
    api.nvim_buf_clear_namespace(self.buf, hl_ns, row + 1, r2 + 1)
  end
  local new = { '' }
  vim.list_extend(new, lines)
  self:_splice(row, #line, r2, c2, #lines > 0 and new or { '' })
  tool.out_lines = #lines
  if tool.diff_path then
    for i, text in ipairs(lines) do
      local sign = text:sub(#M.INDENT + 1, #M.INDENT + 1)
      local hl = (sign == '+' and 'Added') or (sign == '-' and 'Removed') or (text:find('^%s*@@') and 'Special')
      if hl and i > 1 and i < #lines then
        api.nvim_buf_set_extmark(self.buf, hl_ns, row + i, 0, { end_row = row + i + 1, hl_group = hl, hl_eol = true })
      end
    end
  end
end

---Shows the output the update carries, if any.
---@param tool agentls.ToolLine
---@param update table
function Panel:_tool_output(tool, update)
  if type(update.locations) == 'table' then
    tool.locations = update.locations
  end
  if type(update.content) == 'table' and #update.content > 0 then
    local lines, diff_path = M.output_lines(update.content, self.opts.tool_output or 40)
    tool.diff_path = diff_path
    self:_set_output(tool, lines)
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
  self:_agent()
  self:_close_thought()
  self:_leave_run()
  self:_separate('tool')
  local row = self.row
  local tool = {
    id = id,
    title = update.title or update.kind or 'tool',
    kind = update.kind,
    status = update.status or 'pending',
    out_lines = 0,
    locations = {},
  }
  self:append('- ')
  tool.mark = api.nvim_buf_set_extmark(self.buf, ns, row, 0, { right_gravity = false })
  self.tools[id] = tool
  self.tool_by_mark = self.tool_by_mark or {}
  self.tool_by_mark[tool.mark] = tool
  self.blocks[#self.blocks + 1] = { kind = 'tool', head = tool.mark }
  self.col = self:_render_tool(tool, row)
  self:append('\n')
  self.mode = 'tool'
  if update.status == 'failed' then
    tool.detail = first_text(update.content)
    self:_render_tool(tool, row)
  end
  self:_tool_output(tool, update)
end

---A `tool_call_update`: rewrites the call's line in place, and its output under it.
---@param update table
function Panel:tool_update(update)
  local tool = self.tools[update.toolCallId]
  if not tool then
    return self:tool_call(update)
  end
  tool.title = update.title or tool.title
  tool.kind = update.kind or tool.kind
  tool.status = update.status or tool.status
  if update.status == 'failed' then
    tool.detail = first_text(update.content)
  elseif update.status then
    tool.detail = nil
  end
  local row = api.nvim_buf_get_extmark_by_id(self.buf, ns, tool.mark, {})[1]
  if row then
    self:_render_tool(tool, row)
    self:_tool_output(tool, update)
  end
end

---Shows that a permission prompt is open for a tool call (or no longer is); with the
---tool call's content (a diff to approve), shows it under the line.
---@param tool_call_id string
---@param waiting boolean
---@param tool_call table? the request's toolCall
function Panel:tool_awaiting(tool_call_id, waiting, tool_call)
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
    if waiting and tool_call then
      self:_tool_output(tool, tool_call)
    end
  end
end

---The tool whose line or output holds `row`, if any.
---@param row integer 0-based
---@return agentls.ToolLine?, integer? tool_row
function Panel:tool_at(row)
  -- Output lines are indented: the tool's line is the first line above them that is not.
  local first = row
  while first > 0 do
    local line = api.nvim_buf_get_lines(self.buf, first, first + 1, false)[1] or ''
    if folds.is_tool_line(line) or line:sub(1, #M.INDENT) ~= M.INDENT then
      break
    end
    first = first - 1
  end
  local marks = api.nvim_buf_get_extmarks(self.buf, ns, { first, 0 }, { first, 0 }, {})
  for _, mark in ipairs(marks) do
    local tool = (self.tool_by_mark or {})[mark[1]]
    if tool then
      return tool, mark[2]
    end
  end
end

---What `<CR>` on `row` opens: a file location (`{path, line}`), or the tool to fold.
---Locations are a search hit (`path:line: text`), a line of an edit's diff, or the tool's
---own location.
---@param row integer 0-based
---@return {path: string?, line: integer?, tool: agentls.ToolLine?}?
function Panel:target_at(row)
  local text = api.nvim_buf_get_lines(self.buf, row, row + 1, false)[1] or ''
  local tool, tool_row = self:tool_at(row)
  if tool and tool.diff_path and tool_row and row > tool_row then
    -- A diff line: its line in the new file, counted from the hunk header above it.
    local line
    for r = row, tool_row + 1, -1 do
      local l = api.nvim_buf_get_lines(self.buf, r, r + 1, false)[1] or ''
      local start = l:match('^%s*@@ %-%d+,?%d* %+(%d+)')
      if start then
        line = tonumber(start)
        for between = r + 1, row - 1 do
          local b = api.nvim_buf_get_lines(self.buf, between, between + 1, false)[1] or ''
          if not b:match('^%s*%-') then
            line = line + 1
          end
        end
        break
      end
    end
    return { path = tool.diff_path, line = line or 1 }
  end
  local path, lnum = text:match('^%s*([^%s:][^:]*):(%d+)')
  if path and tool_row and row > tool_row then
    return { path = path, line = tonumber(lnum) }
  end
  if tool and row == tool_row then
    if tool.out_lines > 0 then
      return { tool = tool }
    end
    local loc = tool.locations[1]
    if loc and loc.path then
      return { path = loc.path, line = tonumber(loc.line) }
    end
  end
end

---The Panel methods this module adds (panel/init.lua copies them onto the class).
M.methods = Panel

return M
