---@brief The transcript: turns (`## You`, `## Agent`), runs of answer and thinking text, and
---notes, all written at the end of the buffer.
---
---Every write goes to the end at a remembered (row, col), so appending a chunk costs O(chunk)
---however long the answer already is: nothing is ever re-rendered. The turn's runs are
---tracked with extmarks, so a `retry` can take back a failed attempt's text (retract.lua) and
---tool lines can be rewritten in place (tools.lua).

local api = vim.api

local M = {}

local ns = api.nvim_create_namespace('agentls.panel')

---How far each kind of block stands from what was written before it. Columns: the kind of
---the previous write (`start`: nothing yet since the `## Agent` header). Values: `blank`
---leaves an empty line between them (a markdown paragraph break), `line` starts a line of
---its own, `none` writes right there. The one table every separator comes from, so writing
---and taking back text (retract.lua) agree.
M.LAYOUT = {
  text = { start = 'none', default = 'blank' },
  thought = { start = 'none', default = 'blank' },
  tool = { start = 'none', text = 'blank', default = 'line' },
  note = { start = 'none', default = 'blank' },
  turn = { start = 'blank', default = 'blank' },
}

---@param kind string what is about to be written
---@param prev string? what was written last (nil: the start of an answer)
---@return 'blank'|'line'|'none'
function M.gap(kind, prev)
  local rule = M.LAYOUT[kind]
  return rule[prev or 'start'] or rule.default
end

---A block of the current turn: a run of answer (`text`) or thinking (`thought`) text, or a
---tool line. Positions are extmarks, so they stay right whatever is deleted before them.
---@class agentls.Block
---@field kind 'text'|'thought'|'tool'
---@field head integer extmark where the block's own lines begin (after its separator)
---@field from integer? extmark before the separator the run began with
---@field start integer? extmark where the run's text begins
---@field stop integer? extmark where the run's text ends, once something else was written
---@field chars integer? code points of text in the run (as the server counts them)
---@field mode_before string? `mode` before the run began
---@field reopen agentls.Block? the text run this run interrupted, open again if it goes

---Code points in `text`, as the server counts characters (Python `len`): O(#text).
---@param text string
---@return integer
function M.code_points(text)
  local _, n = text:gsub('[^\128-\191]', '')
  return n
end

---@class agentls.Panel
local Panel = {}

---Replaces (r1, c1)-(r2, c2) with `lines` and keeps the remembered end right. Costs the
---size of the change: the only primitive that edits the transcript.
---@param r1 integer
---@param c1 integer
---@param r2 integer
---@param c2 integer
---@param lines string[]
function Panel:_splice(r1, c1, r2, c2, lines)
  local bo = vim.bo[self.buf]
  bo.modifiable = true
  api.nvim_buf_set_text(self.buf, r1, c1, r2, c2, lines)
  bo.modifiable = false
  -- Everything edited lies at or before the end: the end moves with the change.
  local new_r2 = r1 + #lines - 1
  local new_c2 = (#lines == 1 and c1 or 0) + #lines[#lines]
  if r2 == self.row then
    self.col = new_c2 + (self.col - c2)
  end
  self.row = self.row + (new_r2 - r2)
end

---Appends `text` at the end: O(#text). Windows reading the end follow it.
---@param text string
function Panel:append(text)
  if text == '' or not self:valid() then
    return
  end
  local follow = self:following()
  self:_splice(self.row, self.col, self.row, self.col, vim.split(text, '\n', { plain = true }))
  if #follow > 0 then
    self:scroll_to_end(follow)
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

---Writes the separator LAYOUT gives `kind` after the last write.
---@param kind string
function Panel:_separate(kind)
  local gap = M.gap(kind, self.mode)
  if gap == 'blank' then
    self:blank_line()
  elseif gap == 'line' then
    self:newline()
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

---Ends a thinking run: what follows starts a line of its own.
function Panel:_close_thought()
  if self.mode == 'thought' then
    self:_leave_run()
    self:newline()
    self.mode = 'note'
  end
end

---Forgets the current turn's blocks (their extmarks) once nothing can take them back.
function Panel:_settle()
  self:_close_thought()
  self:_leave_run()
  for _, block in ipairs(self.blocks) do
    self:_forget(block)
  end
  self.blocks = {}
end

---@param block agentls.Block
function Panel:_forget(block)
  for _, key in ipairs({ 'from', 'head', 'start', 'stop' }) do
    if block[key] and not (block.kind == 'tool' and key == 'head') then
      api.nvim_buf_del_extmark(self.buf, ns, block[key])
    end
  end
end

---The user's side of a turn: `## You`, the prompt, and what context went with it. The
---`## Agent` header follows with the first thing the agent sends (`_agent`).
---@param prompt string
---@param context string? e.g. "selection of src/app.py, lines 3-5"
function Panel:you(prompt, context)
  self:_settle()
  self:_separate('turn')
  self.turn_marks[#self.turn_marks + 1] = self:_mark()
  self:append('## You\n\n' .. prompt .. '\n')
  if context then
    self:context(context)
  end
  self.agent_pending = true
  self.mode = 'note'
end

---Adds a line of context under the prompt (an attachment, a replayed resource).
---@param context string
function Panel:context(context)
  self:append('\n_' .. context:gsub('\n', ' ') .. '_\n')
end

---Writes the `## Agent` header if this turn has none yet.
function Panel:_agent()
  if self.agent_pending then
    self.agent_pending = nil
    self:blank_line()
    self:append('## Agent\n\n')
    self.mode = nil
  end
end

---Starts a turn: the user's prompt, then the agent's header. Every window showing the
---transcript goes to the end, so the answer is seen as it streams wherever the cursor was.
---@param prompt string
---@param context string? e.g. "selection of src/app.py, lines 3-5"
function Panel:begin_turn(prompt, context)
  self:you(prompt, context)
  self:_agent()
  self:scroll_to_end()
end

---Answer text. `whole`: the chunk is a whole message of a replayed session, so it is a
---paragraph of its own rather than the continuation of the last one.
---@param text string
---@param whole boolean?
function Panel:message_chunk(text, whole)
  if text == '' or not self:valid() then
    return
  end
  self:_agent()
  if self.mode ~= 'text' or not self.run or whole then
    self:_close_thought()
    self:_leave_run()
    local mode_before = self.mode
    local from = self:_mark()
    self:_separate('text')
    local start = self:_mark()
    self.run = { kind = 'text', from = from, head = start, start = start, chars = 0, mode_before = mode_before }
    self.blocks[#self.blocks + 1] = self.run
    self.mode = 'text'
  end
  self.run.chars = self.run.chars + M.code_points(text)
  self:append(text)
end

---Thinking goes in a blockquote folded under a header line (folds.lua).
---@param text string
---@param whole boolean? a whole thinking block of a replayed session
function Panel:thought_chunk(text, whole)
  if text == '' or not self:valid() then
    return
  end
  self:_agent()
  if self.mode ~= 'thought' or not self.run or whole then
    self:_close_thought()
    local mode_before, interrupted = self.mode, self.run
    self:_leave_run()
    local from = self:_mark()
    self:_separate('thought')
    local head = self:_mark()
    self:append('> _Thinking_\n> ')
    self.run = {
      kind = 'thought',
      from = from,
      head = head,
      start = self:_mark(),
      chars = 0,
      mode_before = mode_before,
      reopen = interrupted,
    }
    self.blocks[#self.blocks + 1] = self.run
    self.mode = 'thought'
  end
  self.run.chars = self.run.chars + M.code_points(text)
  self:append((text:gsub('\n', '\n> ')))
end

---The highlight of a note's line, by level.
M.NOTE_HL = { info = 'DiagnosticInfo', warning = 'DiagnosticWarn', error = 'DiagnosticError' }

---A line of its own in italics: what happened that is not the model's text.
---@param text string
---@param level 'info'|'warning'|'error'|nil highlighted by level when given
function Panel:note(text, level)
  self:_close_thought()
  self:_leave_run()
  self:_separate('note')
  local row = self.row
  self:append('_' .. text:gsub('\n', ' ') .. '_\n')
  if level and M.NOTE_HL[level] then
    api.nvim_buf_set_extmark(self.buf, ns, row, 0, { end_row = row + 1, hl_group = M.NOTE_HL[level], priority = 90 })
  end
  self.mode = 'note'
end

---A `notice` update: shown as a note styled by its level.
---@param update {level: string?, message: string?}
function Panel:notice(update)
  local level = update.level or 'info'
  local icon = ({ warning = 'Warning: ', error = 'Error: ' })[level] or ''
  self:note(icon .. tostring(update.message or ''), level)
end

---A `compaction` update: started, completed (with what it saved) or failed.
---@param update table
function Panel:compaction(update)
  local message = type(update.message) == 'string' and update.message or nil
  if update.status == 'started' then
    self:note(message or 'Compacting the conversation…', 'info')
  elseif update.status == 'completed' then
    self:note(message or 'Compacted the conversation', 'info')
  else
    self:note('Compaction failed: ' .. (message or 'no reason given'), 'error')
  end
end

---A `plan` update: the model's checklist, rewritten whole each time, shown where it is
---first sent in the turn.
---@param entries table[]
function Panel:plan(entries)
  local lines, done = {}, 0
  for _, entry in ipairs(entries or {}) do
    local status = entry.status
    done = done + (status == 'completed' and 1 or 0)
    local box = status == 'completed' and '[x]' or '[ ]'
    local suffix = status == 'in_progress' and ' ◐' or ''
    lines[#lines + 1] = ('- %s %s%s'):format(box, tostring(entry.content or ''):gsub('\n', ' '), suffix)
  end
  table.insert(lines, 1, ('**Plan** (%d of %d done)'):format(done, #entries))
  if self.plan_mark then
    local row = self:_pos(self.plan_mark)
    local last = row + self.plan_lines - 1
    local old = api.nvim_buf_get_lines(self.buf, last, last + 1, false)[1] or ''
    self:_splice(row, 0, last, #old, lines)
    self.plan_lines = #lines
    return
  end
  self:_agent()
  self:_close_thought()
  self:_leave_run()
  self:_separate('note')
  self.plan_mark = self:_mark()
  self.plan_lines = #lines
  self:append(table.concat(lines, '\n') .. '\n')
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
  self:_settle()
  self.plan_mark = nil
end

---@param message string
function Panel:error(message)
  self:note('Error: ' .. message:gsub('\n', ' '), 'error')
end

---Empties the transcript (a session picked from the list is drawn afresh).
function Panel:clear()
  self:_settle()
  api.nvim_buf_clear_namespace(self.buf, ns, 0, -1)
  self.tools, self.turn_marks, self.plan_mark, self.agent_pending = {}, {}, nil, nil
  local bo = vim.bo[self.buf]
  bo.modifiable = true
  api.nvim_buf_set_lines(self.buf, 0, -1, false, {})
  bo.modifiable = false
  self.row, self.col, self.mode = 0, 0, nil
end

---The Panel methods this module adds (panel/init.lua copies them onto the class).
M.methods = Panel

return M
