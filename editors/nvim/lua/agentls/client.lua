---@brief Finding or starting the agentls client, and running work once it is initialized.

local config = require('agentls.config')

local M = {}

---@type table<integer, fun(client: vim.lsp.Client)[]> work waiting for `initialize` to finish
local waiting = {}
---@type table<integer, boolean> clients this plugin started (and so attaches buffers to)
local started = {}

---Whether `buf` holds a file the server should see (its unsaved text included).
---@param buf integer
---@return boolean
local function is_file_buffer(buf)
  return vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].buftype == '' and vim.api.nvim_buf_get_name(buf) ~= ''
end

---@param path string
---@param root string?
---@return boolean
local function under(path, root)
  return root ~= nil and (path == root or vim.startswith(path, root:gsub('/$', '') .. '/'))
end

---The running agentls client for `buf`: the one whose root holds the buffer's file, else
---the one whose root is the cwd, else any.
---@param buf integer?
---@return vim.lsp.Client?
function M.find(buf)
  buf = buf or vim.api.nvim_get_current_buf()
  local panel = require('agentls.panel').for_buf(buf)
  if panel then
    local state = require('agentls.session').for_panel(panel)
    local c = state and state.client_id and vim.lsp.get_client_by_id(state.client_id)
    if c and not c:is_stopped() then
      return c
    end
  end
  local clients = vim.tbl_filter(function(c)
    return not c:is_stopped()
  end, vim.lsp.get_clients({ name = 'agentls' }))
  local path = vim.api.nvim_buf_get_name(buf)
  local cwd = vim.fn.getcwd()
  for _, c in ipairs(clients) do
    if path ~= '' and under(path, c.root_dir) then
      return c
    end
  end
  for _, c in ipairs(clients) do
    if c.root_dir == cwd then
      return c
    end
  end
  return clients[1]
end

---The workspace root for `buf`: a root marker above its file, else the cwd.
---@param buf integer
---@param markers string[]
---@return string
function M.root_for(buf, markers)
  local root = vim.bo[buf].buftype == '' and vim.fs.root(buf, markers) or nil
  return root or vim.fn.getcwd()
end

---@param client vim.lsp.Client
function M.attach_buffers(client)
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if is_file_buffer(buf) and not vim.lsp.buf_is_attached(buf, client.id) then
      vim.lsp.buf_attach_client(buf, client.id)
    end
  end
end

---Starts a client for `root` (default: the current buffer's workspace).
---@param root string?
---@return vim.lsp.Client? client
---@return string? problem
function M.start(root)
  local cfg = vim.lsp.config and vim.lsp.config.agentls or nil
  cfg = vim.deepcopy(cfg or config.lsp_config())
  local cmd = cfg.cmd
  if type(cmd) == 'table' and vim.fn.executable(cmd[1]) == 0 then
    return nil,
      (
        'agentls: cannot start the server: %q is not an executable on PATH. Install agentls from its '
        .. 'repository (pipx install /path/to/agentls, or uv tool install /path/to/agentls) or set cmd in '
        .. 'require("agentls").setup(); see :checkhealth agentls'
      ):format(cmd[1])
  end
  local buf = vim.api.nvim_get_current_buf()
  if root then
    cfg.root_dir = root
  elseif type(cfg.root_dir) ~= 'string' then
    cfg.root_dir = M.root_for(buf, cfg.root_markers or config.options.root_markers)
  end
  cfg.name = 'agentls'
  local id = vim.lsp.start(cfg, { bufnr = buf, attach = false, silent = true })
  if not id then
    return nil,
      ('agentls: the server did not start (cmd: %s). Run :checkhealth agentls and see :LspLog'):format(
        table.concat(cmd, ' ')
      )
  end
  started[id] = true
  local client = assert(vim.lsp.get_client_by_id(id))
  M.attach_buffers(client)
  return client
end

---Runs `fn` once `client` is initialized.
---@param client vim.lsp.Client
---@param fn fun(client: vim.lsp.Client)
local function when_ready(client, fn)
  if client.initialized then
    fn(client)
  else
    waiting[client.id] = waiting[client.id] or {}
    table.insert(waiting[client.id], fn)
  end
end

---Runs `fn` with an initialized client for workspace `root`, starting one if needed.
---@param root string
---@param fn fun(client: vim.lsp.Client)
function M.with_root(root, fn)
  for _, c in ipairs(vim.lsp.get_clients({ name = 'agentls' })) do
    if not c:is_stopped() and c.root_dir == root then
      return when_ready(c, fn)
    end
  end
  local client, problem = M.start(root)
  if not client then
    vim.notify(problem or 'agentls: the server did not start', vim.log.levels.ERROR)
    return
  end
  when_ready(client, fn)
end

---Runs `fn` with an initialized client for the current buffer (or the panel's workspace,
---from the panel), starting one if needed.
---@param fn fun(client: vim.lsp.Client)
function M.with_client(fn)
  local state = require('agentls.session').current()
  if state and require('agentls.panel').for_buf(vim.api.nvim_get_current_buf()) then
    return M.with_root(state.root, fn)
  end
  local client = M.find()
  if not client then
    local problem
    client, problem = M.start()
    if not client then
      vim.notify(problem or 'agentls: the server did not start', vim.log.levels.ERROR)
      return
    end
  end
  when_ready(client, fn)
end

---@param client vim.lsp.Client
function M.ready(client)
  local queue = waiting[client.id] or {}
  waiting[client.id] = nil
  -- on_init runs before Neovim marks the client initialized; requests are fine from here on.
  vim.schedule(function()
    for _, fn in ipairs(queue) do
      fn(client)
    end
  end)
end

---@param client_id integer
function M.exited(client_id)
  if waiting[client_id] then
    vim.notify(
      'agentls: the server exited before it was ready; see :LspLog and :checkhealth agentls',
      vim.log.levels.ERROR
    )
  end
  waiting[client_id] = nil
  started[client_id] = nil
end

local group = vim.api.nvim_create_augroup('agentls.attach', { clear = true })
-- Buffers opened later are attached too, so the server sees their unsaved text. Clients
-- started by vim.lsp.enable() are attached by Neovim itself.
vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
  group = group,
  callback = function(args)
    for id in pairs(started) do
      local client = vim.lsp.get_client_by_id(id)
      if client and not client:is_stopped() and is_file_buffer(args.buf) then
        vim.lsp.buf_attach_client(args.buf, id)
      end
    end
  end,
})

return M
