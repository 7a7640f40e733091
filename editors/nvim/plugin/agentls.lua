-- Commands only: the modules load on first use, so startup pays for nothing else.
if vim.g.loaded_agentls then
  return
end
vim.g.loaded_agentls = true

if vim.fn.has('nvim-0.10') == 0 then
  vim.notify('agentls needs Neovim 0.10 or newer (0.11 is tested)', vim.log.levels.ERROR)
  return
end

vim.api.nvim_create_user_command('AgentAsk', function(opts)
  require('agentls').ask({ prompt = opts.args, range = opts.range, line1 = opts.line1, line2 = opts.line2 })
end, { nargs = '*', range = true, desc = 'Ask the agent (with a range: about the selection)' })

vim.api.nvim_create_user_command('AgentCancel', function()
  require('agentls').cancel()
end, { desc = 'Cancel the running agent turn' })

vim.api.nvim_create_user_command('AgentUndo', function()
  require('agentls').undo()
end, { desc = "Undo the files the agent's last turn changed" })

vim.api.nvim_create_user_command('AgentNew', function()
  require('agentls').new_session()
end, { desc = 'Start a new agent session' })

vim.api.nvim_create_user_command('AgentPanel', function()
  require('agentls').toggle_panel()
end, { desc = 'Show or hide the agent panel' })
