-- :AgentNew starts a fresh conversation; :AgentAsk without a prompt asks with vim.ui.input.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  data.input_prompts = {}
  vim.ui.input = function(opts, on_confirm)
    table.insert(data.input_prompts, opts.prompt)
    vim.schedule(function()
      on_confirm('Typed into the input prompt')
    end)
  end
  vim.cmd('AgentAsk')
  H.turn_end(1)
  local first = H.turns[1].session_id
  local fresh
  vim.api.nvim_create_autocmd('User', {
    pattern = 'AgentlsSessionNew',
    callback = function(args)
      fresh = args.data.session_id
    end,
  })
  vim.cmd('AgentNew')
  H.wait(10000, function()
    return fresh ~= nil
  end, 'the new session')
  vim.cmd('AgentAsk Second question')
  H.turn_end(2)
  data.sessions = { first, fresh, H.turns[2].session_id }
  data.panel = H.panel_text()
end)
