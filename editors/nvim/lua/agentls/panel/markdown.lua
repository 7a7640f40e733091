---@brief Markdown that reads well without other plugins: treesitter highlighting of the
---transcript and compose area (with the languages of fenced code injected) and concealed
---markup, set on the panel's windows. A user of render-markdown.nvim or markview.nvim gets
---theirs too: both buffers have the markdown filetype.

local M = {}

---@type table<integer, boolean> buffers the highlighter was started on
local started = {}

---@type string? the markdown highlights query without `conceal_lines`
local query

---Neovim's markdown highlights query less its `conceal_lines` (which hide code fence
---lines): with them, every cursor move in a concealing window reparses the buffer, and a
---streaming transcript moves the cursor on each chunk.
---@return string
function M.query()
  if not query then
    local parts = {}
    for _, file in ipairs(vim.treesitter.query.get_files('markdown', 'highlights')) do
      parts[#parts + 1] = table.concat(vim.fn.readfile(file), '\n')
    end
    query = table.concat(parts, '\n'):gsub('%(#set! conceal_lines ""%)', '')
  end
  return query
end

---Starts treesitter markdown highlighting on `buf`, once, if `enabled` and the parser is
---there (Neovim ships it).
---@param buf integer
---@param enabled boolean?
---@return boolean started
function M.attach(buf, enabled)
  if not enabled or started[buf] then
    return started[buf] or false
  end
  local ok = pcall(function()
    local parser = assert(vim.treesitter.get_parser(buf, 'markdown', { error = false }))
    vim.treesitter.highlighter.new(parser, { queries = { markdown = M.query() } })
  end)
  started[buf] = ok
  return ok
end

return M
