---@brief `workspace/applyEdit` from the agent: Neovim's own handler, so `u` undoes an edit,
---preceded by a version check Neovim does not make strictly.
---
---Neovim's handler skips a stale `TextDocumentEdit` with a message yet still answers
---`applied = true`, and checks only the first edit of a list. The server relies on the
---answer to tell the model whether its edit landed, so a buffer the user changed since
---the server last saw it is refused here, with a reason, before anything is applied.

local M = {}

---@param edit lsp.WorkspaceEdit
---@return string? reason the edit must not be applied
function M.stale_reason(edit)
  for _, change in ipairs(edit.documentChanges or {}) do
    local doc = change.textDocument
    local version = doc and doc.version
    if change.kind == nil and type(version) == 'number' then
      local fname = vim.uri_to_fname(doc.uri)
      local bufnr = vim.fn.bufnr(fname)
      if bufnr ~= -1 and vim.api.nvim_buf_is_loaded(bufnr) then
        local current = vim.lsp.util.buf_versions[bufnr]
        if current > version then
          return (
            '%s was changed in the editor (version %d) after the agent read it '
            .. '(version %d); the edit was not applied: read the file again and redo the edit'
          ):format(vim.fn.fnamemodify(fname, ':~:.'), current, version)
        end
      end
    end
  end
end

---@param err lsp.ResponseError?
---@param params lsp.ApplyWorkspaceEditParams
---@param ctx lsp.HandlerContext
---@return lsp.ApplyWorkspaceEditResult
function M.apply(err, params, ctx)
  local reason = params and params.edit and M.stale_reason(params.edit)
  if reason then
    return { applied = false, failureReason = reason }
  end
  return vim.lsp.handlers['workspace/applyEdit'](err, params, ctx)
end

---`agentls/saveDocuments` (server → client): before a command runs, the server asks for
---the documents the agent changed to be saved, as the user's own `:write` would, so the
---command sees them. Answers the URIs saved; one that cannot be saved is left out (the
---server names it to the model).
---@param _ lsp.ResponseError?
---@param params {uris: string[]?}
---@return {saved: string[]}
function M.save_documents(_, params)
  local saved = {}
  for _, uri in ipairs(type(params) == 'table' and params.uris or {}) do
    local ok, fname = pcall(vim.uri_to_fname, uri)
    local bufnr = ok and vim.fn.bufnr(fname) or -1
    if bufnr ~= -1 and vim.api.nvim_buf_is_loaded(bufnr) then
      local wrote = not vim.bo[bufnr].modified
        or pcall(vim.api.nvim_buf_call, bufnr, function()
          vim.cmd('silent keepalt keepjumps write')
        end)
      if wrote and not vim.bo[bufnr].modified then
        saved[#saved + 1] = uri
      end
    end
  end
  return { saved = saved }
end

return M
