---@brief Options of the plugin and of the server, checked against one schema, and the
---`vim.lsp` client config built from them.
---
---The server's options come from its configuration schema (server_options.lua, generated
---by `make config-docs`); the plugin's own options are described in the same form below, so
---`setup()` checks both the same way: types, enums, minimums, and nested tables.

local M = {}

---@class agentls.ServerOption
---@field type string[] Lua types: "string", "integer", "number", "boolean", "table", "nil"
---@field enum? any[]
---@field min? number inclusive minimum
---@field above? number exclusive minimum
---@field default? any
---@field description string
---@field fields? table<string, agentls.ServerOption> the keys a table option takes
---@field items? string the type of every element of a list
---@field values? string the type of every value of a map

---@type table<string, agentls.ServerOption>
M.SERVER = require('agentls.server_options')

---The server's option names, sorted (the generated file is a map).
M.SERVER_KEYS = vim.tbl_keys(M.SERVER)
table.sort(M.SERVER_KEYS)

local key = { type = { 'string', 'table', 'boolean' }, description = 'a key, a list of keys, or false for none' }

---The keymaps of the panel (transcript and compose area). Each is a key, a list of keys,
---or false to leave it unmapped.
M.KEYMAP_FIELDS = {
  submit = key,
  submit_insert = key,
  hide = key,
  cancel = key,
  next_turn = key,
  prev_turn = key,
  yank_code = key,
  open = key,
  review = key,
  accept_hunk = key,
  reject_hunk = key,
  new_session = key,
  help = key,
  history_prev = key,
  history_next = key,
  sessions = key,
  model = key,
  mode = key,
}

---@type table<string, agentls.ServerOption>
M.PLUGIN = {
  cmd = { type = { 'table' }, items = 'string', description = 'the command that starts the server' },
  cmd_env = { type = { 'table', 'nil' }, values = 'string', description = 'extra environment for the server' },
  root_markers = { type = { 'table' }, items = 'string', description = 'files that mark the workspace root' },
  autostart = { type = { 'boolean' }, description = 'start the server when a file is opened' },
  mcp_servers = {
    type = { 'table' },
    values = 'table',
    description = 'MCP servers by name: { command, args, env } or { type = "http", url, headers }',
  },
  panel = {
    type = { 'table' },
    description = 'the chat panel',
    fields = {
      position = { type = { 'string' }, enum = { 'right', 'left', 'top', 'bottom' }, description = 'where it opens' },
      size = { type = { 'integer' }, min = 5, description = 'width (left, right) or height (top, bottom)' },
      compose_height = { type = { 'integer' }, min = 1, description = 'height of the compose area' },
      follow = { type = { 'boolean' }, description = 'scroll with new text while the cursor is at the end' },
      markdown = { type = { 'boolean' }, description = 'treesitter highlighting and concealed markup' },
      tool_output = { type = { 'integer' }, min = 0, description = 'lines of tool output kept under each tool' },
    },
  },
  keymaps = { type = { 'table' }, description = 'the panel keymaps', fields = M.KEYMAP_FIELDS },
  history_size = { type = { 'integer' }, min = 0, description = 'prompts remembered for <Up>/<Down>' },
}

---@class agentls.PanelOptions
---@field position? 'right'|'left'|'top'|'bottom' where the panel split opens
---@field size? integer width (left/right) or height (top/bottom) of the split
---@field compose_height? integer height of the compose area under the transcript
---@field follow? boolean keep the cursor at the end while text streams, unless moved away
---@field markdown? boolean treesitter markdown highlighting and concealed markup
---@field tool_output? integer lines of a tool's output shown under it (its head and tail)

---@class agentls.Options
---@field cmd? string[] command that starts the server; default `{ "agentls", "serve" }`
---@field cmd_env? table<string, string> extra environment for the server (e.g. ANTHROPIC_BASE_URL)
---@field root_markers? string[] files that mark the workspace root; the cwd is used without one
---@field autostart? boolean start the server when a file is opened instead of on first use
---@field mcp_servers? table<string, table> MCP servers by name, sent with every session
---@field panel? agentls.PanelOptions
---@field keymaps? table<string, string|string[]|false>
---@field history_size? integer
---@field [string] any the server's options (server_options.lua)

---@type agentls.Options
M.defaults = {
  cmd = { 'agentls', 'serve' },
  cmd_env = nil,
  root_markers = { '.git' },
  autostart = false,
  mcp_servers = {},
  panel = { position = 'right', size = 80, compose_height = 6, follow = true, markdown = true, tool_output = 40 },
  keymaps = {
    submit = '<CR>',
    submit_insert = '<C-s>',
    hide = 'q',
    cancel = '<C-c>',
    next_turn = ']]',
    prev_turn = '[[',
    yank_code = 'gy',
    open = '<CR>',
    review = 'gr',
    -- In a file under review (:AgentReview), as codecompanion's diff has them.
    accept_hunk = 'ga',
    reject_hunk = 'gr',
    new_session = 'gx',
    help = '?',
    history_prev = '<Up>',
    history_next = '<Down>',
    sessions = 'gs',
    model = 'gm',
    mode = 'gM',
  },
  history_size = 100,
}

---@type agentls.Options
M.options = vim.deepcopy(M.defaults)

local LUA_TYPE_NAMES = {
  string = 'a string',
  integer = 'an integer',
  number = 'a number',
  boolean = 'a boolean',
  table = 'a table',
  ['nil'] = 'nil',
}

---@param value any
---@param kind string
---@return boolean
local function has_type(value, kind)
  if kind == 'nil' then
    return value == nil or value == vim.NIL
  elseif kind == 'integer' then
    return type(value) == 'number' and value == math.floor(value) and value == value
  end
  return type(value) == kind
end

---Levenshtein distance, for "did you mean" (names are short).
---@param a string
---@param b string
---@return integer
local function distance(a, b)
  local prev = {}
  for j = 0, #b do
    prev[j] = j
  end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

---@param name string
---@param names string[]
---@return string
local function suggestion(name, names)
  local best, best_d = nil, 3
  for _, candidate in ipairs(names) do
    local d = distance(name:lower(), candidate:lower())
    if d < best_d then
      best, best_d = candidate, d
    end
  end
  return best and (' (did you mean %q?)'):format(best) or ''
end

---A minimum as words, for messages: " ≥ 1", " > 0".
---@param spec agentls.ServerOption
---@return string
local function bound(spec)
  if spec.min then
    return (' ≥ %s'):format(spec.min)
  elseif spec.above then
    return (' > %s'):format(spec.above)
  end
  return ''
end

local check

---Checks the keys of a table option against `spec.fields`, adding problems to `problems`.
---@param path string
---@param value table
---@param spec agentls.ServerOption
---@param problems string[]
local function check_fields(path, value, spec, problems)
  local names = vim.tbl_keys(spec.fields)
  table.sort(names)
  for k, v in pairs(value) do
    local field = spec.fields[k]
    if not field then
      problems[#problems + 1] = ('unknown option %s.%s%s; %s takes %s'):format(
        path,
        tostring(k),
        suggestion(tostring(k), names),
        path,
        table.concat(names, ', ')
      )
    else
      check(path .. '.' .. k, v, field, problems)
    end
  end
end

---Checks one value against its schema entry; adds a message naming `path` to `problems`
---for each thing wrong.
---@param path string e.g. "panel.position"
---@param value any
---@param spec agentls.ServerOption
---@param problems string[]
function check(path, value, spec, problems)
  local ok = false
  for _, kind in ipairs(spec.type) do
    ok = ok or has_type(value, kind)
  end
  if not ok then
    local names = vim.tbl_map(function(kind)
      return LUA_TYPE_NAMES[kind] or kind
    end, spec.type)
    problems[#problems + 1] = ('%s must be %s%s; got %s'):format(
      path,
      table.concat(names, ' or '),
      #spec.type == 1 and bound(spec) or '',
      vim.inspect(value)
    )
    return
  end
  if value == nil or value == vim.NIL then
    return
  end
  if spec.enum and not vim.tbl_contains(spec.enum, value) then
    problems[#problems + 1] = ('%s must be one of %s; got %s'):format(
      path,
      table.concat(vim.tbl_map(tostring, spec.enum), ', '),
      vim.inspect(value)
    )
  end
  if type(value) == 'number' and ((spec.min and value < spec.min) or (spec.above and value <= spec.above)) then
    problems[#problems + 1] = ('%s must be%s; got %s'):format(path, bound(spec), value)
  end
  if type(value) ~= 'table' then
    return
  end
  if spec.fields then
    check_fields(path, value, spec, problems)
  end
  if spec.items then
    if #value == 0 and path == 'cmd' then
      problems[#problems + 1] = 'cmd must be a non-empty list of strings such as { "agentls", "serve" }'
    end
    for i, item in pairs(value) do
      if type(i) ~= 'number' or not has_type(item, spec.items) then
        problems[#problems + 1] = ('%s must be a list of %ss; item %s is %s'):format(
          path,
          spec.items,
          tostring(i),
          vim.inspect(item)
        )
        break
      end
    end
  end
  if spec.values then
    for k, v in pairs(value) do
      if type(k) ~= 'string' or not has_type(v, spec.values) then
        problems[#problems + 1] = ('%s[%s] must be %s; got %s'):format(
          path,
          vim.inspect(k),
          LUA_TYPE_NAMES[spec.values] or spec.values,
          vim.inspect(v)
        )
      end
    end
  end
end

---Checks `opts` and returns the merged options, or nil and a message naming the bad option.
---@param opts agentls.Options?
---@return agentls.Options? merged
---@return string? problem
function M.validate(opts)
  opts = opts or {}
  if type(opts) ~= 'table' then
    return nil, ('agentls.setup() takes a table, got %s'):format(type(opts))
  end
  local plugin_names = vim.tbl_keys(M.PLUGIN)
  table.sort(plugin_names)
  local problems = {}
  for name, value in pairs(opts) do
    local spec = M.PLUGIN[name] or M.SERVER[name]
    if not spec then
      local all = vim.list_extend(vim.deepcopy(plugin_names), M.SERVER_KEYS)
      problems[#problems + 1] = ('unknown option %q%s; plugin options are %s; server options are %s'):format(
        tostring(name),
        suggestion(tostring(name), all),
        table.concat(plugin_names, ', '),
        table.concat(M.SERVER_KEYS, ', ')
      )
    else
      check(tostring(name), value, spec, problems)
    end
  end
  if #problems > 0 then
    table.sort(problems)
    return nil,
      'agentls.setup(): ' .. table.concat(problems, '\n') .. '\nNothing was changed: fix these and call setup() again.'
  end
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  -- Lists replace the default list rather than merging into it index by index.
  for _, name in ipairs({ 'cmd', 'root_markers' }) do
    if opts[name] then
      merged[name] = vim.deepcopy(opts[name])
    end
  end
  return merged, nil
end

---The subset of `opts` the server understands, as sent in `initializationOptions`.
---@param opts agentls.Options
---@return table
function M.server_options(opts)
  local out = {}
  for _, name in ipairs(M.SERVER_KEYS) do
    if opts[name] ~= nil then
      out[name] = opts[name]
    end
  end
  -- An empty Lua table would be encoded as a JSON array; the server expects an object.
  return next(out) and out or vim.empty_dict()
end

---`mcp_servers` as ACP's `mcpServers` list (session/new, load, resume): stdio
---`{name, command, args, env: [{name, value}]}`, http/sse `{type, name, url, headers}`.
---@param servers table<string, table>?
---@return table[]
function M.acp_mcp_servers(servers)
  local out = {}
  local names = vim.tbl_keys(servers or {})
  table.sort(names)
  for _, name in ipairs(names) do
    local s = servers[name]
    local function pairs_of(map)
      local list = {}
      local keys = vim.tbl_keys(map or {})
      table.sort(keys)
      for _, k in ipairs(keys) do
        list[#list + 1] = { name = k, value = tostring(map[k]) }
      end
      return list
    end
    if s.type == 'http' or s.type == 'sse' or (s.url and not s.command) then
      out[#out + 1] = { type = s.type or 'http', name = name, url = s.url, headers = pairs_of(s.headers) }
    else
      out[#out + 1] = { name = name, command = s.command, args = s.args or {}, env = pairs_of(s.env) }
    end
  end
  return out
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
