---@brief What the panel's keymaps do: moving around the transcript, yanking code, opening
---locations; the session-level ones (cancel, review, …) call `panel.actions`.

local api = vim.api

local M = {}

local ns = api.nvim_create_namespace('agentls.panel')

---Moves the cursor to the next (`1`) or previous (`-1`) `## You` line.
---@param panel agentls.Panel
---@param step integer
function M.jump_turn(panel, step)
  local row = api.nvim_win_get_cursor(0)[1] - 1
  local rows = {}
  for _, mark in ipairs(panel.turn_marks) do
    local pos = api.nvim_buf_get_extmark_by_id(panel.buf, ns, mark, {})
    if pos[1] then
      rows[#rows + 1] = pos[1]
    end
  end
  local target
  if step > 0 then
    for _, r in ipairs(rows) do
      if r > row then
        target = r
        break
      end
    end
  else
    for i = #rows, 1, -1 do
      if rows[i] < row then
        target = rows[i]
        break
      end
    end
  end
  if target then
    api.nvim_win_set_cursor(0, { target + 1, 0 })
    vim.cmd('normal! zt')
  end
end

---The fenced code block around `row` (0-based) of `buf`: its content lines, without the
---fences and the indentation the fence has (inside a list item).
---@param buf integer
---@param row integer
---@return string[]?
function M.code_block_at(buf, row)
  local ok, parser = pcall(vim.treesitter.get_parser, buf, 'markdown')
  if not ok or not parser then
    return nil
  end
  parser:parse(true)
  local node = parser:named_node_for_range({ row, 0, row, 0 })
  while node and node:type() ~= 'fenced_code_block' do
    node = node:parent()
  end
  if not node then
    return nil
  end
  local first, _, last, last_col = node:range()
  if last_col == 0 then
    last = last - 1
  end
  local lines = api.nvim_buf_get_lines(buf, first, last + 1, false)
  local indent = lines[1]:match('^(%s*)') or ''
  local closing = lines[#lines]:match('^%s*([`~]+)%s*$')
  local body = vim.list_slice(lines, 2, closing and #lines - 1 or #lines)
  return vim.tbl_map(function(line)
    return vim.startswith(line, indent) and line:sub(#indent + 1) or line
  end, body)
end

---Yanks the code block under the cursor into the unnamed register (and `+`/`*` per
---'clipboard').
---@param panel agentls.Panel
function M.yank_code(panel)
  local row = api.nvim_win_get_cursor(0)[1] - 1
  local lines = M.code_block_at(panel.buf, row)
  if not lines then
    vim.notify('agentls: the cursor is not in a code block', vim.log.levels.INFO)
    return
  end
  vim.fn.setreg(vim.v.register, lines, 'l')
  vim.notify(('agentls: yanked %d line%s of code'):format(#lines, #lines == 1 and '' or 's'), vim.log.levels.INFO)
end

---A code window of this tabpage to open files in: the last one used, else any.
---@return integer?
function M.code_window()
  local panel_mod = require('agentls.panel')
  local prev = vim.fn.win_getid(vim.fn.winnr('#'))
  if prev ~= 0 and not panel_mod.is_panel_window(prev) and api.nvim_win_get_config(prev).relative == '' then
    return prev
  end
  for _, win in ipairs(api.nvim_tabpage_list_wins(0)) do
    if not panel_mod.is_panel_window(win) and api.nvim_win_get_config(win).relative == '' then
      return win
    end
  end
end

---Opens `path` (relative to the workspace root, or absolute) at `line` in a code window.
---@param path string
---@param line integer?
---@param root string?
function M.open_location(path, line, root)
  if not vim.startswith(path, '/') and root then
    path = vim.fs.joinpath(root, path)
  end
  local win = M.code_window()
  if win then
    api.nvim_set_current_win(win)
  else
    vim.cmd('topleft vertical new')
  end
  vim.cmd.edit(vim.fn.fnameescape(path))
  if line then
    pcall(api.nvim_win_set_cursor, 0, { math.max(1, line), 0 })
    vim.cmd('normal! zz')
  end
end

---`<CR>` in the transcript: opens the location under the cursor, or toggles a tool's fold.
---@param panel agentls.Panel
function M.open(panel)
  local row = api.nvim_win_get_cursor(0)[1] - 1
  local target = panel:target_at(row)
  if target and target.path then
    M.open_location(target.path, target.line, panel.root)
  elseif target and target.tool or vim.fn.foldlevel(row + 1) > 0 then
    vim.cmd('normal! za')
  end
end

---Runs keymap `name` of `panel`, pressed as `lhs` in `mode`.
---@param panel agentls.Panel
---@param name string
---@param lhs string
function M.run(panel, name, lhs)
  if name == 'submit' or name == 'submit_insert' then
    panel.compose:submit()
  elseif name == 'history_prev' or name == 'history_next' then
    if not panel.compose:recall(name == 'history_prev' and -1 or 1) then
      api.nvim_feedkeys(vim.keycode(lhs), 'n', false)
    end
  elseif name == 'hide' then
    panel:hide()
  elseif name == 'next_turn' or name == 'prev_turn' then
    M.jump_turn(panel, name == 'next_turn' and 1 or -1)
  elseif name == 'yank_code' then
    M.yank_code(panel)
  elseif name == 'open' then
    M.open(panel)
  elseif name == 'help' then
    require('agentls.panel.keymaps').help(panel)
  elseif panel.actions[name] then
    panel.actions[name]()
  else
    vim.notify(('agentls: %s is not available here'):format(name), vim.log.levels.INFO)
  end
end

return M
