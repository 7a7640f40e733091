---@brief Review of the agent's changes (`agentls/changes`, `agentls/review`).

local M = {}

---@param state agentls.State
function M.changed(state)
  local _ = state
end

---@param state agentls.State?
function M.open(state)
  local _ = state
  vim.notify('agentls: review is not available yet', vim.log.levels.INFO)
end

---@param args string?
function M.command(args)
  local _ = args
  M.open(nil)
end

return M
