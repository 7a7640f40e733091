---@brief Completion in the compose area: `@` workspace files, `#` context mentions, `/`
---commands and their arguments. The omnifunc (`<C-x><C-o>`, opened by itself after `@`, `#`
---or a leading `/`) and the nvim-cmp / blink.cmp sources (agentls/cmp.lua) share `items`;
---with either plugin loaded, the omnifunc does not open by itself.

local api = vim.api

local M = {}

---@class agentls.CompletionItem
---@field word string what is inserted
---@field menu string? shown beside it
---@field kind string 'file'|'context'|'command'|'value'

---The choices of a command's argument (`/model `, `/mode `, `/thinking `).
---@param state agentls.State?
---@param name string
---@return agentls.CompletionItem[]
local function argument_items(state, name)
  local id = ({ model = 'model', mode = 'mode', thinking = 'thought_level' })[name]
  if not id or not state then
    return {}
  end
  local items = {}
  for _, choice in ipairs(require('agentls.settings').choices(state, id)) do
    items[#items + 1] = { word = choice.value, menu = choice.name, kind = 'value' }
  end
  return items
end

---What can be completed at the cursor: the start column (0-based byte) of the text to
---replace, and the items for it.
---@param line string the cursor's line up to the cursor
---@param lnum integer 1-based line of the cursor
---@param buf integer the compose buffer
---@return integer? start, agentls.CompletionItem[] items
function M.items(line, lnum, buf)
  local panel = require('agentls.panel').for_buf(buf)
  local state = panel and require('agentls.session').for_panel(panel)
  -- /command and its argument, on the first line only.
  if lnum == 1 then
    local cmd = line:match('^/([%w_%-]*)$')
    if cmd then
      local items = {}
      for _, c in ipairs(require('agentls.slash').commands(panel)) do
        if vim.startswith(c.name, cmd) then
          items[#items + 1] = { word = '/' .. c.name, menu = c.description, kind = 'command' }
        end
      end
      return 0, items
    end
    local name, arg = line:match('^/([%w_%-]+)%s+(%S*)$')
    if name then
      local items = vim.tbl_filter(function(item)
        return vim.startswith(item.word:lower(), arg:lower())
      end, argument_items(state, name))
      return #line - #arg, items
    end
  end
  local start, sigil, body = line:match('()([@#])([%w%._%-/~+:]*)$')
  if not start or (start > 1 and not line:sub(start - 1, start - 1):match('[%s%(%[]')) then
    return nil, {}
  end
  if sigil == '#' then
    local items = {}
    for _, t in ipairs(require('agentls.mentions').TOKENS) do
      if vim.startswith(t.word, '#' .. body) then
        items[#items + 1] = { word = t.word, menu = t.info, kind = 'context' }
      end
    end
    return start - 1, items
  end
  local root = (state and state.root) or vim.fn.getcwd()
  local items = {}
  for _, path in ipairs(require('agentls.files').match(root, body, 200)) do
    items[#items + 1] = { word = '@' .. path, menu = 'file', kind = 'file' }
  end
  return start - 1, items
end

---The compose area's 'omnifunc'.
---@param findstart integer
---@param base string
---@return integer|table
function M.omnifunc(findstart, base)
  local cursor = api.nvim_win_get_cursor(0)
  local line = api.nvim_get_current_line():sub(1, cursor[2])
  local start, items = M.items(line, cursor[1], api.nvim_get_current_buf())
  if findstart == 1 then
    return start or -3
  end
  local _ = base
  return vim.tbl_map(function(item)
    return { word = item.word, menu = item.menu, icase = 1, dup = 0 }
  end, items)
end

---Opens completion by itself after `@`, `#`, or `/` at the start of the prompt, unless a
---completion plugin (which has its own trigger) is loaded.
---@param buf integer
function M.attach_triggers(buf)
  api.nvim_create_autocmd('TextChangedI', {
    buffer = buf,
    callback = function()
      if package.loaded['cmp'] or package.loaded['blink.cmp'] or vim.fn.pumvisible() == 1 then
        return
      end
      local cursor = api.nvim_win_get_cursor(0)
      local line = api.nvim_get_current_line():sub(1, cursor[2])
      local last = line:sub(-1)
      local before = line:sub(-2, -2)
      local trigger = (last == '@' or last == '#') and (before == '' or before:match('[%s%(%[]'))
        or (last == '/' and cursor[1] == 1 and line == '/')
      if trigger then
        api.nvim_feedkeys(vim.keycode('<C-x><C-o>'), 'n', false)
      end
    end,
  })
end

return M
