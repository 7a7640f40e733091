-- Commands only: the modules load on first use, so startup pays for nothing else.
if vim.g.loaded_agentls then
  return
end
vim.g.loaded_agentls = true

if vim.fn.has('nvim-0.10') == 0 then
  vim.notify('agentls needs Neovim 0.10 or newer (0.11 is tested)', vim.log.levels.ERROR)
  return
end

local command = vim.api.nvim_create_user_command

command('AgentAsk', function(opts)
  require('agentls').ask({ prompt = opts.args, range = opts.range, line1 = opts.line1, line2 = opts.line2 })
end, { nargs = '*', range = true, desc = 'Ask the agent (with a range: about the selection)' })

command('AgentCancel', function()
  require('agentls').cancel()
end, { desc = 'Cancel the running agent turn' })

command('AgentUndo', function()
  require('agentls').undo()
end, { desc = "Undo the files the agent's last turn changed" })

command('AgentNew', function()
  require('agentls').new_session()
end, { desc = 'Start a new agent session' })

command('AgentPanel', function()
  require('agentls').toggle_panel()
end, { desc = 'Show or hide the agent panel' })

command('AgentSessions', function()
  require('agentls').sessions()
end, { desc = 'Pick an earlier agent session of this workspace and continue it' })

command('AgentRestart', function()
  require('agentls').restart()
end, { desc = 'Restart the agentls server; the session continues' })

for name, what in pairs({ AgentModel = 'model', AgentMode = 'mode', AgentThinking = 'thinking' }) do
  command(name, function(opts)
    require('agentls').switch(what, opts.args ~= '' and opts.args or nil)
  end, {
    nargs = '?',
    desc = ('Switch the agent %s (without an argument: pick one)'):format(what),
    complete = function(lead)
      local settings = require('agentls.settings')
      return vim.tbl_filter(function(v)
        return vim.startswith(v, lead)
      end, settings.complete(settings.IDS[what]))
    end,
  })
end

command('AgentReview', function(opts)
  require('agentls').review(opts.args)
end, {
  nargs = '*',
  desc = "Review the agent's changes: the hunks in quickfix and a diff view; accept|reject [all]",
  complete = function(_, line)
    local words = vim.split(vim.trim(line), '%s+')
    if #words <= 1 or (#words == 2 and not line:match('%s$')) then
      return { 'accept', 'reject', 'close' }
    end
    return { 'all' }
  end,
})

command('AgentMcp', function()
  require('agentls').mcp()
end, { desc = "The session's MCP servers and their status" })
