local M = {}

---@param actual any
---@param expected any
---@param what string?
function M.eq(actual, expected, what)
  if not vim.deep_equal(actual, expected) then
    error(
      ('%s\nexpected: %s\n  actual: %s'):format(what or 'values differ', vim.inspect(expected), vim.inspect(actual)),
      2
    )
  end
end

---@param cond any
---@param what string
function M.ok(cond, what)
  if not cond then
    error(what, 2)
  end
end

---@param buf integer
---@return string
function M.text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

return M
