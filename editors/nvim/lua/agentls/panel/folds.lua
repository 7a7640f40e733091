---@brief The transcript's folds: each thinking block, and each tool's output under its
---line. The fold expression reads them from the text itself, which the panel writes in
---fixed shapes, so a fold is right the moment its lines are written (Neovim evaluates
---'foldexpr' for changed lines as they change) and moves with everything else.
---
---  > _Thinking_        starts a fold; the `> ` lines after it continue it
---  - ● Title — done    starts a fold when output follows (an indented fence), else none
---    ```text           output lines are indented: they continue the fold
---
---Answer text never continues a fold: a blank line separates it from what precedes.

local M = {}

M.THINKING = '> _Thinking_'

---The status icons a tool line starts with (tools.lua STATUS).
M.ICONS = { '○', '?', '◐', '●', '✗' }

---Whether `line` is a tool's line: a list item whose first word is a status icon.
---@param line string
---@return boolean
function M.is_tool_line(line)
  if line:sub(1, 2) ~= '- ' then
    return false
  end
  for _, icon in ipairs(M.ICONS) do
    if line:sub(3, 2 + #icon + 1) == icon .. ' ' then
      return true
    end
  end
  return false
end

---Whether `line` opens a tool's output under its line.
---@param line string
---@return boolean
function M.is_output_start(line)
  return line:match('^  ```') ~= nil or line:match('^  ~~~') ~= nil
end

---Fold level of line `lnum` of the current window's buffer (the 'foldexpr').
---@param lnum integer 1-based
---@return string
function M.expr(lnum)
  local line = vim.fn.getline(lnum)
  if line == M.THINKING then
    return '>1'
  end
  if M.is_tool_line(line) then
    return M.is_output_start(vim.fn.getline(lnum + 1)) and '>1' or '0'
  end
  if line:sub(1, 2) == '> ' or line:sub(1, 2) == '  ' then
    return '='
  end
  return '0'
end

---A closed fold's line (the 'foldtext'): its first line, and how many lines it hides.
---@return string
function M.text()
  local first = vim.v.foldstart
  local line = vim.fn.getline(first)
  local hidden = vim.v.foldend - first
  if line == M.THINKING then
    line = '> Thinking'
  end
  return ('%s  ▸ %d line%s'):format(line, hidden, hidden == 1 and '' or 's')
end

return M
