---@brief What a prompt's mentions attach: `@path` (a workspace file, `@path:10-20` for
---lines), `#buffer`, `#selection`, `#diagnostics` (`#diagnostics:all`), `#quickfix`. Each
---becomes an ACP `resource` block (the text, unsaved buffers included) or, for a file too
---big to embed, a `resource_link`.

local api = vim.api
local context = require('agentls.context')

local M = {}

---Files bigger than this go as a link: the agent reads what it needs.
M.MAX_EMBED = 200 * 1024

---The `#` mentions, with what they attach (for completion and `?`).
M.TOKENS = {
  { word = '#buffer', info = 'the current buffer, unsaved text included' },
  { word = '#selection', info = 'the last visual selection in the current buffer' },
  { word = '#diagnostics', info = "the current buffer's diagnostics" },
  { word = '#diagnostics:all', info = 'the diagnostics of every buffer' },
  { word = '#quickfix', info = 'the quickfix list' },
}

---@class agentls.Mention
---@field block table an ACP content block
---@field shown string how the panel names it

---@param path string
---@param root string?
---@return string absolute
local function absolute(path, root)
  if vim.startswith(path, '/') then
    return path
  end
  if vim.startswith(path, '~') then
    return vim.fn.expand(path)
  end
  return vim.fs.joinpath(root or vim.fn.getcwd(), path)
end

---The text of `path`: its buffer's if it is loaded (unsaved changes included), else the
---file's. Nil for a file that is missing, binary or too big to embed.
---@param path string absolute
---@return string[]? lines, integer? buf
local function file_lines(path)
  local buf = vim.fn.bufnr(path)
  if buf ~= -1 and api.nvim_buf_is_loaded(buf) then
    return api.nvim_buf_get_lines(buf, 0, -1, false), buf
  end
  local stat = vim.uv.fs_stat(path)
  if not stat or stat.type ~= 'file' or stat.size > M.MAX_EMBED then
    return nil
  end
  local ok, lines = pcall(vim.fn.readfile, path, 'b')
  if not ok or table.concat(lines, '\n'):find('\0', 1, true) then
    return nil
  end
  return lines
end

---@param first integer 1-based
---@param last integer 1-based, inclusive
---@param last_len integer bytes of the last line
---@return table LSP range (UTF-8 columns; whole lines, so 0 and the line's end)
local function line_range(first, last, last_len)
  return { start = { line = first - 1, character = 0 }, ['end'] = { line = last - 1, character = last_len } }
end

---@param path string as written
---@param first integer?
---@param last integer?
---@param root string?
---@return agentls.Mention?
local function file_mention(path, first, last, root)
  local full = absolute(path, root)
  local uri = vim.uri_from_fname(full)
  local stat = vim.uv.fs_stat(full)
  local lines, buf = file_lines(full)
  if not lines and not stat and vim.fn.bufnr(full) == -1 then
    return nil
  end
  if not lines then
    return { block = { type = 'resource_link', uri = uri, name = path }, shown = '@' .. path .. ' (linked)' }
  end
  local mime = buf and context.mime_type(buf) or 'text/plain'
  if first then
    last = math.min(last or first, #lines)
    local slice = vim.list_slice(lines, first, last)
    return {
      block = {
        type = 'resource',
        resource = { uri = uri, text = table.concat(slice, '\n'), mimeType = mime },
        _meta = { agentls = { range = line_range(first, last, #(slice[#slice] or '')) } },
      },
      shown = ('@%s:%d-%d'):format(path, first, last),
    }
  end
  return {
    block = { type = 'resource', resource = { uri = uri, text = table.concat(lines, '\n'), mimeType = mime } },
    shown = '@' .. path,
  }
end

---@param buf integer
---@param root string?
---@return string uri, string name
local function buffer_uri(buf, root)
  local shown = context.shown_name(buf, root)
  return context.file_uri(buf) or ('untitled:' .. (shown or ('buffer-' .. buf))), shown or ('buffer ' .. buf)
end

---@param diagnostics vim.Diagnostic[]
---@param root string?
---@return string[]
local function diagnostic_lines(diagnostics, root)
  local names = { 'error', 'warning', 'info', 'hint' }
  local lines = {}
  for _, d in ipairs(diagnostics) do
    local name = context.shown_name(d.bufnr, root) or ('buffer ' .. d.bufnr)
    lines[#lines + 1] = ('%s:%d:%d: %s: %s%s'):format(
      name,
      d.lnum + 1,
      d.col + 1,
      names[d.severity] or 'note',
      d.message:gsub('\n', ' '),
      d.source and (' [' .. d.source .. ']') or ''
    )
  end
  return lines
end

---@param name string
---@param buf integer the code buffer
---@param root string?
---@return agentls.Mention?
local function token_mention(name, buf, root)
  local uri, shown = buffer_uri(buf, root)
  if name == 'buffer' then
    local lines = api.nvim_buf_get_lines(buf, 0, -1, false)
    return {
      block = {
        type = 'resource',
        resource = { uri = uri, text = table.concat(lines, '\n'), mimeType = context.mime_type(buf) },
      },
      shown = '#buffer ' .. shown,
    }
  elseif name == 'selection' then
    local first = api.nvim_buf_get_mark(buf, '<')[1]
    local last = api.nvim_buf_get_mark(buf, '>')[1]
    if first == 0 or last == 0 then
      return { block = { type = 'text', text = '(#selection: nothing was selected)' }, shown = '#selection (none)' }
    end
    local sel = context.selection(buf, first, last)
    return {
      block = {
        type = 'resource',
        resource = { uri = uri, text = sel.text, mimeType = context.mime_type(buf) },
        _meta = { agentls = { range = sel.range } },
      },
      shown = ('#selection %s:%d-%d'):format(shown, first, last),
    }
  elseif name == 'diagnostics' or name == 'diagnostics:all' then
    local all = name == 'diagnostics:all'
    local list = vim.diagnostic.get(not all and buf or nil)
    table.sort(list, function(a, b)
      if a.bufnr ~= b.bufnr then
        return a.bufnr < b.bufnr
      end
      return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
    end)
    local lines = diagnostic_lines(list, root)
    local where = all and 'the workspace' or shown
    table.insert(lines, 1, ('Diagnostics of %s (%d):'):format(where, #list))
    return {
      block = {
        type = 'resource',
        resource = {
          uri = 'agentls://diagnostics/' .. (all and 'all' or shown),
          text = table.concat(lines, '\n'),
          mimeType = 'text/plain',
        },
      },
      shown = ('#%s (%d)'):format(name, #list),
    }
  elseif name == 'quickfix' then
    local qf = vim.fn.getqflist({ items = 0, title = 0 })
    local lines = { ('Quickfix list %q (%d entries):'):format(qf.title or '', #qf.items) }
    for _, item in ipairs(qf.items) do
      local file = item.bufnr > 0 and (context.shown_name(item.bufnr, root) or '?') or ''
      lines[#lines + 1] = ('%s:%d:%d: %s'):format(file, item.lnum, item.col, vim.trim(item.text))
    end
    return {
      block = {
        type = 'resource',
        resource = { uri = 'agentls://quickfix', text = table.concat(lines, '\n'), mimeType = 'text/plain' },
      },
      shown = ('#quickfix (%d)'):format(#qf.items),
    }
  end
end

---The mentions in `text`, in order, each once. A mention starts the text or follows a
---space or an opening bracket; `@x` that names no file is left as text.
---@param text string
---@return {kind: '@'|'#', name: string, first: integer?, last: integer?}[]
function M.parse(text)
  local out, seen = {}, {}
  for sigil, body in ('\n' .. text):gmatch('[%s%(%[]([@#])([%w%._%-/~+:]+)') do
    body = body:gsub('[%.,:;]+$', '')
    local name, first, last = body, nil, nil
    if sigil == '@' then
      local path, a, b = body:match('^(.-):(%d+)%-(%d+)$')
      if path then
        name, first, last = path, tonumber(a), tonumber(b)
      else
        path, a = body:match('^(.-):(%d+)$')
        if path then
          name, first, last = path, tonumber(a), tonumber(a)
        end
      end
    end
    local key = sigil .. body
    if name ~= '' and not seen[key] then
      seen[key] = true
      out[#out + 1] = { kind = sigil, name = name, first = first, last = last }
    end
  end
  return out
end

---The blocks the mentions in `text` attach.
---@param text string
---@param buf integer the code buffer (#buffer, #selection, #diagnostics)
---@param root string?
---@return agentls.Mention[]
function M.blocks(text, buf, root)
  local out = {}
  for _, m in ipairs(M.parse(text)) do
    local mention
    if m.kind == '@' then
      mention = file_mention(m.name, m.first, m.last, root)
    else
      mention = token_mention(m.name, buf, root)
    end
    out[#out + 1] = mention
  end
  return out
end

return M
