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

---The prompt's content blocks: the text, the selection (if any) and the current buffer.
---@param text string
---@param buf integer the buffer the command was run from
---@param selection agentls.Selection?
---@param root string? workspace root, to name the buffer relative to it
---@return agentls.Prompt
function M.prompt(text, buf, selection, root)
  local blocks = { { type = 'text', text = text } }
  local uri = M.file_uri(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  local shown = name ~= '' and vim.fn.fnamemodify(name, ':p') or nil
  if shown and root and vim.startswith(shown, root:gsub('/$', '') .. '/') then
    shown = shown:sub(#root:gsub('/$', '') + 2)
  elseif shown then
    shown = vim.fn.fnamemodify(shown, ':~')
  end
  local context
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
    context = ('with the selection of %s, lines %d-%d'):format(
      shown or 'an unnamed buffer',
      selection.first,
      selection.last
    )
  end
  if uri then
    blocks[#blocks + 1] = { type = 'resource_link', uri = uri, name = shown }
    context = context or ('from %s'):format(shown)
  end
  return { text = text, blocks = blocks, context = context }
end

return M
