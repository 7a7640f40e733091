---@brief The panel's buffer-local keymaps (transcript and compose area), remappable through
---`setup({ keymaps = { name = "key" | { "keys" } | false } })`, and listed by `?`.

local api = vim.api

local M = {}

---@class agentls.KeymapSpec
---@field desc string
---@field modes string[]
---@field where 'transcript'|'compose'|'both'

---What each keymap does, where, in which modes. Its keys come from the `keymaps` option.
---@type table<string, agentls.KeymapSpec>
M.SPECS = {
  submit = { desc = 'send the prompt (queued while a turn runs)', modes = { 'n' }, where = 'compose' },
  submit_insert = { desc = 'send the prompt', modes = { 'i', 'n' }, where = 'compose' },
  history_prev = { desc = 'earlier prompt (in an empty compose area)', modes = { 'n', 'i' }, where = 'compose' },
  history_next = { desc = 'later prompt', modes = { 'n', 'i' }, where = 'compose' },
  cancel = { desc = 'cancel the running turn', modes = { 'n' }, where = 'both' },
  hide = { desc = 'hide the panel', modes = { 'n' }, where = 'both' },
  next_turn = { desc = 'next turn', modes = { 'n' }, where = 'transcript' },
  prev_turn = { desc = 'previous turn', modes = { 'n' }, where = 'transcript' },
  yank_code = { desc = 'yank the code block under the cursor', modes = { 'n' }, where = 'transcript' },
  open = { desc = 'open the file or location under the cursor; fold a tool', modes = { 'n' }, where = 'transcript' },
  review = { desc = "review the agent's changes", modes = { 'n' }, where = 'both' },
  new_session = { desc = 'new session', modes = { 'n' }, where = 'both' },
  sessions = { desc = 'pick an earlier session', modes = { 'n' }, where = 'both' },
  model = { desc = 'switch the model', modes = { 'n' }, where = 'both' },
  mode = { desc = 'switch the permission mode', modes = { 'n' }, where = 'both' },
  help = { desc = 'this list', modes = { 'n' }, where = 'both' },
}

---The order `?` lists them in.
M.ORDER = {
  'submit',
  'submit_insert',
  'history_prev',
  'history_next',
  'cancel',
  'hide',
  'next_turn',
  'prev_turn',
  'yank_code',
  'open',
  'review',
  'new_session',
  'sessions',
  'model',
  'mode',
  'help',
}

---@param value string|string[]|false|nil
---@return string[]
local function keys_of(value)
  if type(value) == 'string' then
    return { value }
  elseif type(value) == 'table' then
    return value
  end
  return {}
end

---The keys of each keymap, from the options.
---@return table<string, string[]>
function M.keys()
  local options = require('agentls.config').options.keymaps or {}
  local out = {}
  for name in pairs(M.SPECS) do
    out[name] = keys_of(options[name])
  end
  return out
end

---Sets the keymaps on the panel's two buffers; `panel.actions` (set by the session) says
---what the session-level ones do.
---@param panel agentls.Panel
function M.attach(panel)
  local actions = require('agentls.panel.actions')
  local keys = M.keys()
  for _, name in ipairs(M.ORDER) do
    local spec = M.SPECS[name]
    local bufs = spec.where == 'both' and { panel.buf, panel.compose.buf }
      or { spec.where == 'compose' and panel.compose.buf or panel.buf }
    for _, buf in ipairs(bufs) do
      for _, lhs in ipairs(keys[name]) do
        for _, mode in ipairs(spec.modes) do
          vim.keymap.set(mode, lhs, function()
            actions.run(panel, name, lhs)
          end, { buffer = buf, desc = 'agentls: ' .. spec.desc, nowait = true })
        end
      end
    end
  end
end

---Shows the keymaps, commands and context tokens in a float; `q`, `<Esc>` or `?` close it.
---@param panel agentls.Panel
function M.help(panel)
  local keys = M.keys()
  local lines = { ' agentls panel', '' }
  for _, name in ipairs(M.ORDER) do
    if #keys[name] > 0 then
      lines[#lines + 1] = (' %-12s %s'):format(table.concat(keys[name], ' '), M.SPECS[name].desc)
    end
  end
  vim.list_extend(lines, {
    ' zo / zc      open / close a tool output or thinking fold',
    ' ga / gr      in a file under :AgentReview: keep / undo the hunk under the cursor',
    '',
    ' In the compose area (<C-x><C-o> completes them):',
    ' @path        a workspace file (@path:10-20 for lines)',
    ' #buffer      the current buffer, unsaved text included',
    ' #selection   the last visual selection',
    " #diagnostics the buffer's diagnostics (#diagnostics:all for every buffer)",
    ' #quickfix    the quickfix list',
    ' /command     ' .. table.concat(
      vim.tbl_map(function(c)
        return '/' .. c.name
      end, require('agentls.slash').commands(panel)),
      ' '
    ),
    '',
    ' Commands: :AgentAsk :AgentPanel :AgentCancel :AgentNew :AgentSessions :AgentModel',
    '           :AgentMode :AgentReview :AgentUndo :AgentRestart :AgentMcp',
  })
  local width = 0
  for _, line in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(line) + 1)
  end
  local buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = 'wipe'
  local win = api.nvim_open_win(buf, true, {
    relative = 'editor',
    width = math.min(width, vim.o.columns - 4),
    height = math.min(#lines, vim.o.lines - 4),
    row = 2,
    col = math.max(0, math.floor((vim.o.columns - width) / 2)),
    style = 'minimal',
    border = 'rounded',
    title = ' keys ',
  })
  for _, lhs in ipairs({ 'q', '<Esc>', '?' }) do
    vim.keymap.set('n', lhs, function()
      pcall(api.nvim_win_close, win, true)
    end, { buffer = buf, nowait = true })
  end
  return win, buf
end

return M
