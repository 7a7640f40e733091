---@brief MCP servers of the session (`agentls/mcpServers`).

local M = {}

function M.show()
  vim.notify('agentls: MCP is not available yet', vim.log.levels.INFO)
end

return M
