---@brief Completion sources for nvim-cmp and blink.cmp in the compose area: the omnifunc's
---items (`@` files, `#` context, `/` commands) as LSP completion items that replace what was
---typed. nvim-cmp: `require('cmp').register_source('agentls', require('agentls.cmp').new())`
---and add `{ name = 'agentls' }` to the sources; blink.cmp: a provider with
---`module = 'agentls.cmp'`.

local M = {}

-- LSP CompletionItemKind: File, Reference, Keyword.
local KINDS = { file = 17, context = 18, command = 14 }

---Whether `buf` is a compose area.
---@param buf integer
---@return boolean
local function is_compose(buf)
  local panel = require('agentls.panel').for_buf(buf)
  return panel ~= nil and panel.compose ~= nil and panel.compose.buf == buf
end

---The items at the cursor as LSP completion items.
---@param line string the cursor's line up to the cursor
---@param lnum integer 1-based
---@param buf integer
---@return lsp.CompletionItem[]
function M.lsp_items(line, lnum, buf)
  local start, items = require('agentls.complete').items(line, lnum, buf)
  if not start then
    return {}
  end
  local range = {
    start = { line = lnum - 1, character = vim.str_utfindex(line, 'utf-16', start, false) },
    ['end'] = { line = lnum - 1, character = vim.str_utfindex(line, 'utf-16', #line, false) },
  }
  return vim.tbl_map(function(item)
    return {
      label = item.word,
      filterText = item.word,
      detail = item.menu,
      kind = KINDS[item.kind] or 1,
      textEdit = { newText = item.word, range = range },
    }
  end, items)
end

---@class agentls.CompletionSource
local Source = {}
Source.__index = Source

---@return agentls.CompletionSource
function M.new()
  return setmetatable({}, Source)
end

function Source:get_trigger_characters()
  return { '@', '#', '/' }
end

-- nvim-cmp ---------------------------------------------------------------------------

function Source:is_available()
  return is_compose(vim.api.nvim_get_current_buf())
end

function Source:get_keyword_pattern()
  return [[[@#/][[:alnum:]._/~+:-]*]]
end

---@param params table nvim-cmp's: `context.cursor_before_line`, `context.cursor.row`, `context.bufnr`
---@param callback fun(response: table)
function Source:complete(params, callback)
  local ctx = params.context
  callback({ items = M.lsp_items(ctx.cursor_before_line, ctx.cursor.row, ctx.bufnr), isIncomplete = true })
end

-- blink.cmp --------------------------------------------------------------------------

function Source:enabled()
  return is_compose(vim.api.nvim_get_current_buf())
end

---@param ctx table blink.cmp's: `line`, `cursor` ({row, col}, col 0-based bytes), `bufnr`
---@param callback fun(response: table)
function Source:get_completions(ctx, callback)
  local line = ctx.line:sub(1, ctx.cursor[2])
  callback({
    items = M.lsp_items(line, ctx.cursor[1], ctx.bufnr),
    is_incomplete_forward = true,
    is_incomplete_backward = true,
  })
end

return M
