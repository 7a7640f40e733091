---@brief The client's handlers for the agentls methods, shared by `setup()` and `lsp/agentls.lua`.

-- Its LspProgress autocommand feeds the statusline from the first client on.
require('agentls.status')

local M = {}

---@return table<string, lsp.Handler>
function M.table()
  return {
    ['session/update'] = function(...)
      return require('agentls.session').on_update(...)
    end,
    ['session/request_permission'] = function(...)
      return require('agentls.permission').handle(...)
    end,
    ['workspace/applyEdit'] = function(...)
      return require('agentls.edits').apply(...)
    end,
    ['agentls/saveDocuments'] = function(...)
      return require('agentls.edits').save_documents(...)
    end,
  }
end

---@param client vim.lsp.Client
function M.on_init(client)
  require('agentls.client').ready(client)
end

---@param code integer
---@param signal integer
---@param client_id integer
function M.on_exit(code, signal, client_id)
  -- on_exit runs in a libuv callback, where most of the API is off limits.
  vim.schedule(function()
    require('agentls.client').exited(client_id)
    require('agentls.sessions').exited(client_id, code, signal)
  end)
end

return M
