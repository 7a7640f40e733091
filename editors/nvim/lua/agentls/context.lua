---@brief What goes along with a prompt: the selection as an ACP `resource` block, and the
---current buffer as a `resource_link`.

local M = {}

---@class agentls.Selection
---@field buf integer
---@field text string
---@field range {start: {line: integer, character: integer}, ['end']: {line: integer, character: integer}} LSP range, 0-based, UTF-16
---@field first integer 1-based first line
---@field last integer 1-based last line

---The text of lines `line1`..`line2` of `buf`. When those are the lines of the last visual
---selection (the command came from visual mode), the exact visual region instead.
---@param buf integer
---@param line1 integer
---@param line2 integer
---@return agentls.Selection
function M.selection(buf, line1, line2)
  local vstart = vim.api.nvim_buf_get_mark(buf, '<')
  local vend = vim.api.nvim_buf_get_mark(buf, '>')
  local mode = vim.fn.visualmode()
  local text, srow, scol, erow, ecol
  if mode ~= '' and vstart[1] == line1 and vend[1] == line2 and vim.fn.getregion ~= nil then
    local region = vim.fn.getregion(vim.fn.getpos("'<"), vim.fn.getpos("'>"), { type = mode })
    text = table.concat(region, '\n')
    srow, erow = line1 - 1, line2 - 1
    if mode == 'v' then
      scol = vstart[2]
      local last = vim.api.nvim_buf_get_lines(buf, erow, erow + 1, false)[1] or ''
      -- The '> mark is on the last selected character, which may be several bytes long.
      ecol = math.min(#last, vend[2] + #vim.fn.strcharpart(last:sub(vend[2] + 1), 0, 1))
    else
      scol = 0
      ecol = #(vim.api.nvim_buf_get_lines(buf, erow, erow + 1, false)[1] or '')
    end
  else
    local lines = vim.api.nvim_buf_get_lines(buf, line1 - 1, line2, false)
    text = table.concat(lines, '\n')
    srow, scol, erow, ecol = line1 - 1, 0, line2 - 1, #(lines[#lines] or '')
  end
  local util = vim.lsp.util
  return {
    buf = buf,
    text = text,
    first = line1,
    last = line2,
    range = {
      start = { line = srow, character = util.character_offset(buf, srow, scol, 'utf-16') },
      ['end'] = { line = erow, character = util.character_offset(buf, erow, ecol, 'utf-16') },
    },
  }
end

---@param buf integer
---@return string? uri of the buffer's file; nil for scratch and special buffers
function M.file_uri(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  if name == '' or vim.bo[buf].buftype ~= '' then
    return nil
  end
  return vim.uri_from_fname(vim.fn.fnamemodify(name, ':p'))
end

---A MIME type for the selection, from the buffer's filetype.
---@param buf integer
---@return string
function M.mime_type(buf)
  local ft = vim.bo[buf].filetype
  if ft == '' then
    return 'text/plain'
  end
  return 'text/x-' .. ft
end

---How a buffer is named in the panel and to the model: relative to the root when under it.
---@param buf integer
---@param root string?
---@return string?
function M.shown_name(buf, root)
  local name = vim.api.nvim_buf_get_name(buf)
  if name == '' then
    return nil
  end
  local full = vim.fn.fnamemodify(name, ':p')
  local prefix = root and (root:gsub('/$', '') .. '/')
  if prefix and vim.startswith(full, prefix) then
    return full:sub(#prefix + 1)
  end
  return vim.fn.fnamemodify(full, ':~')
end

---The code buffer of the current tabpage: the current buffer outside the panel, else the
---buffer of the code window the user was last in.
---@return integer
function M.code_buffer()
  local panel_mod = require('agentls.panel')
  local win = vim.api.nvim_get_current_win()
  if not panel_mod.is_panel_window(win) then
    return vim.api.nvim_win_get_buf(win)
  end
  local code = require('agentls.panel.actions').code_window()
  return code and vim.api.nvim_win_get_buf(code) or vim.api.nvim_get_current_buf()
end

---The prompt's content blocks: the text, the selection (if any), what its @ and #
---mentions name (mentions.lua), and the current buffer as a link.
---@param text string
---@param buf integer the buffer the prompt was written from (or for)
---@param selection agentls.Selection?
---@param root string? workspace root, to name files relative to it
---@return agentls.Prompt
function M.prompt(text, buf, selection, root)
  local blocks = { { type = 'text', text = text } }
  local uri = M.file_uri(buf)
  local shown = M.shown_name(buf, root)
  local context = {}
  if selection then
    blocks[#blocks + 1] = {
      type = 'resource',
      resource = {
        uri = uri or ('untitled:' .. (shown or ('buffer-' .. buf))),
        text = selection.text,
        mimeType = M.mime_type(buf),
      },
      _meta = { agentls = { range = selection.range } },
    }
    context[#context + 1] = ('with the selection of %s, lines %d-%d'):format(
      shown or 'an unnamed buffer',
      selection.first,
      selection.last
    )
  end
  local mentioned = require('agentls.mentions').blocks(text, buf, root)
  for _, item in ipairs(mentioned) do
    blocks[#blocks + 1] = item.block
    context[#context + 1] = item.shown
  end
  if uri then
    blocks[#blocks + 1] = { type = 'resource_link', uri = uri, name = shown }
    if #context == 0 then
      context[1] = ('from %s'):format(shown)
    end
  end
  return { text = text, blocks = blocks, context = #context > 0 and table.concat(context, ' · ') or nil }
end

return M
