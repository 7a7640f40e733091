---@brief agentls for Neovim: a Claude agent behind the built-in LSP client.
---
---`require("agentls").setup({ ... })` takes the options in `agentls.config`; the commands
---in plugin/agentls.lua call the functions below.

local config = require('agentls.config')

local M = {}

---@param opts agentls.Options?
function M.setup(opts)
  local merged, problem = config.validate(opts)
  if not merged then
    vim.notify(problem or 'agentls: bad options', vim.log.levels.ERROR)
    return
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
  local buf = vim.api.nvim_get_current_buf()
  local context = require('agentls.context')
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

function M.toggle_panel()
  local client = require('agentls.client').find()
  if not client then
    vim.notify('agentls: no panel yet; :AgentAsk starts one', vim.log.levels.INFO)
    return
  end
  require('agentls.session').state(client.id).panel:toggle()
end

---For the statusline: what the running turn is doing, from its `$/progress` reports.
---Unlike `vim.lsp.status()` this does not consume the progress messages.
---@return string
function M.status()
  for _, client in ipairs(vim.lsp.get_clients({ name = 'agentls' })) do
    local state = require('agentls.session').states[client.id]
    local turn = state and state.turn
    if turn and turn.token ~= '' then
      local progress = M._progress[turn.token]
      return 'agentls: ' .. (progress or 'starting')
    end
  end
  return ''
end

---@type table<string|integer, string> the last `$/progress` message of each token
M._progress = {}

vim.api.nvim_create_autocmd('LspProgress', {
  group = vim.api.nvim_create_augroup('agentls.progress', { clear = true }),
  callback = function(args)
    local params = args.data and args.data.params or {}
    local value = params.value
    if type(value) ~= 'table' or type(params.token) ~= 'string' or not vim.startswith(params.token, 'agentls-') then
      return
    end
    if value.kind == 'end' then
      M._progress[params.token] = nil
    else
      M._progress[params.token] = value.message or value.title
    end
    vim.cmd.redrawstatus()
  end,
})

return M
