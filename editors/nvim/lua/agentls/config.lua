---@brief Options of the plugin and of the server, and the `vim.lsp` client config built from them.

local M = {}

---Options the server reads from `initializationOptions` (docs/protocol.md, Configuration).
---Kept as a list so `setup()` can pass them through untouched and reject typos early.
M.SERVER_KEYS = {
  'model',
  'maxTokens',
  'maxTurnRequests',
  'thinking',
  'systemPrompt',
  'permissionMode',
  'edits',
  'commandTimeout',
  'maxRetries',
  'retryInitialDelay',
  'readTimeout',
}

---@class agentls.PanelOptions
---@field position? 'right'|'left'|'top'|'bottom' where the panel split opens
---@field size? integer width (left/right) or height (top/bottom) of the split
---@field follow? boolean keep the cursor at the end while text streams, unless moved away

---@class agentls.Options
---@field cmd? string[] command that starts the server; default `{ "agentls", "serve" }`
---@field cmd_env? table<string, string> extra environment for the server (e.g. ANTHROPIC_BASE_URL)
---@field root_markers? string[] files that mark the workspace root; the cwd is used without one
---@field autostart? boolean start the server when a file is opened instead of on first use
---@field panel? agentls.PanelOptions
---@field model? string
---@field maxTokens? integer
---@field maxTurnRequests? integer
---@field thinking? table e.g. `{ type = "enabled", budget_tokens = 2048 }`
---@field systemPrompt? string
---@field permissionMode? 'default'|'ask'|'acceptAll'|'readOnly'
---@field edits? 'editor'|'disk'
---@field commandTimeout? number
---@field maxRetries? integer
---@field retryInitialDelay? number
---@field readTimeout? number

---@type agentls.Options
M.defaults = {
  cmd = { 'agentls', 'serve' },
  cmd_env = nil,
  root_markers = { '.git' },
  autostart = false,
  panel = { position = 'right', size = 80, follow = true },
}

---@type agentls.Options
M.options = vim.deepcopy(M.defaults)

local plugin_keys = { cmd = true, cmd_env = true, root_markers = true, autostart = true, panel = true }

---Checks `opts` and returns the merged options, or nil and a message naming the bad option.
---@param opts agentls.Options?
---@return agentls.Options? merged
---@return string? problem
function M.validate(opts)
  opts = opts or {}
  if type(opts) ~= 'table' then
    return nil, ('agentls.setup() takes a table, got %s'):format(type(opts))
  end
  local server = {}
  for _, key in ipairs(M.SERVER_KEYS) do
    server[key] = true
  end
  for key in pairs(opts) do
    if not plugin_keys[key] and not server[key] then
      return nil,
        (
          'agentls.setup(): unknown option %q; plugin options are cmd, cmd_env, root_markers, '
          .. 'autostart, panel; server options are %s'
        ):format(tostring(key), table.concat(M.SERVER_KEYS, ', '))
    end
  end
  local ok, err = pcall(vim.validate, 'cmd', opts.cmd, 'table', true)
  if ok and opts.cmd then
    ok = #opts.cmd > 0 and type(opts.cmd[1]) == 'string'
    err = 'cmd: expected a non-empty list of strings such as { "agentls", "serve" }'
  end
  if ok then
    ok, err = pcall(vim.validate, 'cmd_env', opts.cmd_env, 'table', true)
  end
  if ok then
    ok, err = pcall(vim.validate, 'root_markers', opts.root_markers, 'table', true)
  end
  if ok then
    ok, err = pcall(vim.validate, 'panel', opts.panel, 'table', true)
  end
  if ok and opts.permissionMode ~= nil then
    local modes = { default = true, ask = true, acceptAll = true, readOnly = true }
    ok = modes[opts.permissionMode] ~= nil
    err = ('permissionMode: expected default, ask, acceptAll or readOnly, got %s'):format(
      vim.inspect(opts.permissionMode)
    )
  end
  if ok and opts.thinking ~= nil then
    ok = type(opts.thinking) == 'table' and type(opts.thinking.type) == 'string'
    err = 'thinking: expected a table such as { type = "enabled", budget_tokens = 2048 }'
  end
  if not ok then
    return nil, 'agentls.setup(): ' .. tostring(err)
  end
  return vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts), nil
end

---The subset of `opts` the server understands, as sent in `initializationOptions`.
---@param opts agentls.Options
---@return table
function M.server_options(opts)
  local out = {}
  for _, key in ipairs(M.SERVER_KEYS) do
    if opts[key] ~= nil then
      out[key] = opts[key]
    end
  end
  -- An empty Lua table would be encoded as a JSON array; the server expects an object.
  return next(out) and out or vim.empty_dict()
end

---Neovim's client capabilities, plus `workspaceEdit.documentChanges`: Neovim 0.11 applies
---versioned `TextDocumentEdit`s and `CreateFile` (vim.lsp.util.apply_workspace_edit) but
---does not advertise it, and without it agentls writes edits to disk behind the buffer.
---@return lsp.ClientCapabilities
function M.capabilities()
  return vim.tbl_deep_extend('force', vim.lsp.protocol.make_client_capabilities(), {
    workspace = { workspaceEdit = { documentChanges = true } },
  })
end

---The `vim.lsp.Config` for the agentls client: used by `lsp/agentls.lua` and by the
---plugin when it starts the client itself.
---@param opts agentls.Options?
---@return vim.lsp.Config
function M.lsp_config(opts)
  opts = opts or M.options
  local server = M.server_options(opts)
  local handlers = require('agentls.handlers')
  return {
    name = 'agentls',
    cmd = vim.deepcopy(opts.cmd),
    cmd_env = opts.cmd_env and vim.deepcopy(opts.cmd_env) or nil,
    root_markers = vim.deepcopy(opts.root_markers),
    init_options = server,
    capabilities = M.capabilities(),
    -- The server should see each keystroke promptly: its edits carry the buffer version
    -- it last saw, and a debounced change would make a fresh edit look stale.
    flags = { debounce_text_changes = 0 },
    -- Answered to the server's `workspace/configuration` pull, so it agrees with init_options.
    settings = { agentls = server },
    handlers = handlers.table(),
    on_init = handlers.on_init,
    on_exit = handlers.on_exit,
  }
end

return M
