---@brief The workspace's files, for `@path` completion: `rg --files` (which honours
---.gitignore) or `git ls-files`, else a bounded walk; cached for a few seconds.

local M = {}

local TTL_NS = 5e9
local LIMIT = 20000

---@type table<string, {at: number, files: string[]}>
local cache = {}

---@param cmd string[]
---@param root string
---@return string[]?
local function run(cmd, root)
  if vim.fn.executable(cmd[1]) == 0 then
    return nil
  end
  local ok, proc = pcall(vim.system, cmd, { cwd = root, text = true })
  if not ok then
    return nil
  end
  local out = proc:wait(3000)
  if out.code ~= 0 or not out.stdout then
    return nil
  end
  local files = vim.split(out.stdout, '\n', { trimempty = true })
  return vim.list_slice(files, 1, LIMIT)
end

---@param root string
---@return string[]
local function walk(root)
  local files = {}
  for name, kind in
    vim.fs.dir(root, {
      depth = 8,
      skip = function(dir)
        return not (dir:match('^%.git$') or dir:match('node_modules$') or dir:match('/%.git$'))
      end,
    })
  do
    if kind == 'file' then
      files[#files + 1] = name
      if #files >= LIMIT then
        break
      end
    end
  end
  return files
end

---Workspace-relative paths of the files under `root`.
---@param root string
---@return string[]
function M.list(root)
  local hit = cache[root]
  if hit and vim.uv.hrtime() - hit.at < TTL_NS then
    return hit.files
  end
  local files = run({ 'rg', '--files', '--hidden', '--glob', '!.git' }, root)
    or run({ 'git', 'ls-files', '--cached', '--others', '--exclude-standard' }, root)
    or walk(root)
  table.sort(files)
  cache[root] = { at = vim.uv.hrtime(), files = files }
  return files
end

---Files whose path contains `query` (case-insensitive): those whose name starts with it
---first, then shorter paths.
---@param root string
---@param query string
---@param max integer?
---@return string[]
function M.match(root, query, max)
  query = query:lower()
  local scored = {}
  for _, path in ipairs(M.list(root)) do
    local lower = path:lower()
    local at = query == '' and 1 or lower:find(query, 1, true)
    if at then
      local name_at = lower:find(query, #lower - #vim.fs.basename(lower) + 1, true)
      local score = (vim.startswith(lower, query) and 0 or name_at and 1 or 2) * 100000 + #path
      scored[#scored + 1] = { path = path, score = score }
    end
  end
  table.sort(scored, function(a, b)
    return a.score < b.score or (a.score == b.score and a.path < b.path)
  end)
  local out = {}
  for i = 1, math.min(#scored, max or 200) do
    out[i] = scored[i].path
  end
  return out
end

---Forgets the cached lists (tests; a file created since).
function M.reset()
  cache = {}
end

return M
