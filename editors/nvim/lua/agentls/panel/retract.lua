---@brief `retry`: a model request failed and is tried again. The text its failed attempt
---streamed (the last `superseded[kind]` characters of each kind) is taken back, since the
---retry streams its own reply, at a cost in proportion to that text.

local api = vim.api
local transcript = require('agentls.panel.transcript')

local M = {}

local ns = api.nvim_create_namespace('agentls.panel')

---@class agentls.Panel
local Panel = {}

local function is_continuation(byte)
  return byte >= 0x80 and byte < 0xC0
end

---Deletes a range of the transcript, keeping the remembered end right: O(deleted text).
---@param r1 integer
---@param c1 integer
---@param r2 integer
---@param c2 integer
function Panel:_delete(r1, c1, r2, c2)
  if r1 == r2 and c1 == c2 then
    return
  end
  self:_splice(r1, c1, r2, c2, { '' })
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

---Removes a whole run (block `i`), keeping the separator LAYOUT gives the next block after
---what now precedes it.
---@param i integer
function Panel:_remove_run(i)
  local run = self.blocks[i]
  local next_block = self.blocks[i + 1]
  if next_block then
    -- The run's own separator stays when the next block wants the same one after what
    -- preceded the run; otherwise it goes too.
    local same = transcript.gap(next_block.kind, run.mode_before) == transcript.gap(run.kind, run.mode_before)
    local r1, c1 = self:_pos(same and run.head or run.from)
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
  self:_forget(run)
  table.remove(self.blocks, i)
end

---Removes the last `n` characters of `kind` text of the current turn, newest run first.
---A run left empty goes with its header and the separator it began with.
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
        self:_remove_run(i)
      end
    end
    i = i - 1
  end
end

---`retry`: takes back what the failed attempt streamed and notes why and when. Withdrawn
---tool calls stay, marked failed by their own final `tool_call_update`.
---@param update table
function Panel:retry(update)
  if not self:valid() then
    return
  end
  local follow = self:following()
  local superseded = type(update.superseded) == 'table' and update.superseded or {}
  local text = math.floor(tonumber(superseded.agent_message_chunk) or 0)
  local thought = math.floor(tonumber(superseded.agent_thought_chunk) or 0)
  if text > 0 or thought > 0 then
    self:_take_back('text', text)
    self:_take_back('thought', thought)
  end
  self:scroll_to_end(follow)
  local reason = type(update.reason) == 'string' and update.reason or 'the model request failed'
  self:_agent()
  self:note(
    ('%s — retrying in %.1f s (attempt %s of %s)'):format(
      reason:gsub('\n', ' '),
      (tonumber(update.delayMs) or 0) / 1000,
      tostring(update.attempt or '?'),
      tostring(update.maxAttempts or '?')
    ),
    'warning'
  )
end

---The Panel methods this module adds (panel/init.lua copies them onto the class).
M.methods = Panel

return M
