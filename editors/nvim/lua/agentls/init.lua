---@brief agentls for Neovim: a Claude agent behind the built-in LSP client.
---
---`require("agentls").setup({ ... })` takes the options in `agentls.config`; the commands
---in plugin/agentls.lua call the functions below.

local config = require('agentls.config')

local M = {}

---@param opts agentls.Options?
---@return boolean ok false when an option was refused (nothing is changed then)
function M.setup(opts)
  local merged, problem = config.validate(opts)
  if not merged then
    vim.notify(problem or 'agentls: bad options', vim.log.levels.ERROR)
    return false
  end
  config.options = merged
  if vim.lsp.config then
    -- Also what `vim.lsp.enable("agentls")` and :checkhealth use.
    vim.lsp.config('agentls', config.lsp_config(merged))
  end
  local group = vim.api.nvim_create_augroup('agentls.setup', { clear = true })
  if merged.autostart then
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
      group = group,
      callback = function(args)
        if vim.bo[args.buf].buftype == '' and not require('agentls.client').find(args.buf) then
          require('agentls.client').start()
        end
      end,
    })
  end
  return true
end

---@class agentls.AskOpts
---@field prompt string? asked for with vim.ui.input when nil or empty
---@field range integer? 0, or the number of range items the command was given
---@field line1 integer?
---@field line2 integer?

---Asks the agent. With a range (visual mode), the selection goes along as a resource.
---@param opts agentls.AskOpts?
function M.ask(opts)
  opts = opts or {}
  local context = require('agentls.context')
  local buf = context.code_buffer()
  -- Captured now: vim.ui.input may move the cursor or change the marks before it answers.
  local selection = (opts.range or 0) > 0 and context.selection(buf, opts.line1, opts.line2) or nil
  local function send(text)
    if not text or vim.trim(text) == '' then
      return
    end
    require('agentls.client').with_client(function(client)
      local prompt = context.prompt(text, buf, selection, client.root_dir)
      require('agentls.session').prompt(client, prompt)
    end)
  end
  if opts.prompt and vim.trim(opts.prompt) ~= '' then
    send(opts.prompt)
  else
    vim.ui.input({ prompt = selection and 'Ask agentls about the selection: ' or 'Ask agentls: ' }, send)
  end
end

---@param fn fun(client: vim.lsp.Client)
---@param what string
local function with_running(fn, what)
  local client = require('agentls.client').find()
  if not client then
    vim.notify(('agentls: the server is not running, so there is nothing to %s'):format(what), vim.log.levels.INFO)
    return
  end
  fn(client)
end

function M.cancel()
  with_running(require('agentls.session').cancel, 'cancel')
end

function M.undo()
  with_running(require('agentls.session').undo, 'undo')
end

function M.new_session()
  require('agentls.client').with_client(require('agentls.session').new)
end

---Shows or hides the panel in this tabpage; shown, the cursor goes to its compose area.
---The server starts (and a session opens) with it, so the header shows the model and mode.
function M.toggle_panel()
  local state = require('agentls.session').current()
  if state and state.panel:valid() then
    state.panel:toggle(true)
    return
  end
  require('agentls.client').with_client(function(client)
    local session = require('agentls.session')
    session.state(client.id).panel:show(true)
    session.ensure_session(client, function() end)
  end)
end

---`:AgentSessions`: pick an earlier session of this workspace and continue it.
function M.sessions()
  require('agentls.client').with_client(require('agentls.sessions').pick)
end

---`:AgentRestart`: restarts the server; the session continues.
function M.restart()
  require('agentls.sessions').restart()
end

---`:AgentModel`, `:AgentMode`, `:AgentThinking`: switch, or pick from the list.
---@param what 'model'|'mode'|'thinking'
---@param value string?
function M.switch(what, value)
  require('agentls.client').with_client(function(client)
    local settings = require('agentls.settings')
    settings.switch(client, settings.IDS[what], value)
  end)
end

---`:AgentReview [accept|reject [all]]`.
---@param args string?
function M.review(args)
  require('agentls.review').command(args)
end

---`:AgentMcp`: the MCP servers of the session and their status.
function M.mcp()
  require('agentls.mcp').show()
end

---For the statusline: what the running turn is doing, the model, mode, context use and
---cost. Reads state only: unlike `vim.lsp.status()` it consumes nothing.
---@return string
function M.status()
  return require('agentls.status').status()
end

return M
