---@brief Review of the agent's changes, hunk by hunk (`agentls/changes`, `agentls/review`).
---`:AgentReview` puts the pending hunks in the quickfix list and opens the first changed
---file in a diff against its baseline (the file before the agent's first unreviewed
---change, in a scratch buffer); in that file `ga` keeps the hunk under the cursor and `gr`
---undoes it, `]c`/`[c` jump between hunks. `:AgentReview accept|reject [all]` does the
---same from the command line.

local M = {}

---@class agentls.Hunk
---@field id string
---@field oldStart integer
---@field oldLines integer
---@field newStart integer
---@field newLines integer
---@field oldText string
---@field newText string

---@class agentls.ChangedFile
---@field path string
---@field uri string
---@field status string modified, created or deleted
---@field baseline string?
---@field hunks agentls.Hunk[]

---What the last `agentls/changes` answered, by client id: the files and their hunks.
---@type table<integer, agentls.ChangedFile[]>
M.files = {}

local QF_TITLE = 'agentls: pending changes'

---@param msg string
---@param level integer?
local function say(msg, level)
  vim.notify('agentls: ' .. msg, level or vim.log.levels.INFO)
end

---The client and session to review, or nil after saying why.
---@return vim.lsp.Client?, string?
local function target()
  local session = require('agentls.session')
  local state = session.current()
  local client = state and state.client_id and vim.lsp.get_client_by_id(state.client_id)
  if not (client and state and state.session_id) then
    say('no session to review yet', vim.log.levels.WARN)
    return nil, nil
  end
  return client, state.session_id
end

---The first line of a hunk in the current file (a pure deletion sits after `newStart`).
---@param hunk agentls.Hunk
---@return integer
local function first_line(hunk)
  return math.max(hunk.newStart, 1)
end

---@param hunk agentls.Hunk
---@return integer
local function last_line(hunk)
  return first_line(hunk) + math.max(hunk.newLines, 1) - 1
end

---@param file agentls.ChangedFile
---@param hunk agentls.Hunk
---@return string
local function describe(file, hunk)
  local added = hunk.newLines
  local removed = hunk.oldLines
  local text = (hunk.newText ~= '' and hunk.newText or hunk.oldText):match('^%s*([^\n]*)') or ''
  return string.format('%s +%d −%d  %s', file.status, added, removed, text)
end

---Fills the quickfix list with every pending hunk.
---@param files agentls.ChangedFile[]
local function fill_quickfix(files)
  local items = {}
  for _, file in ipairs(files) do
    for _, hunk in ipairs(file.hunks) do
      items[#items + 1] = {
        filename = file.path,
        lnum = first_line(hunk),
        end_lnum = last_line(hunk),
        text = describe(file, hunk),
        user_data = { hunk_id = hunk.id },
      }
    end
  end
  vim.fn.setqflist({}, ' ', { title = QF_TITLE, items = items })
end

---Asks the server for the pending changes; `done(files)` with them.
---@param client vim.lsp.Client
---@param session_id string
---@param done fun(files: agentls.ChangedFile[])
local function fetch(client, session_id, done)
  client:request('agentls/changes', { sessionId = session_id }, function(err, result)
    if err then
      local problem = require('agentls.session').message_of(err)
      if err.code == -32601 then
        problem = 'this agentls server cannot list changes (agentls/changes); update agentls'
      end
      say('changes: ' .. problem, vim.log.levels.ERROR)
      return
    end
    local files = type(result) == 'table' and type(result.files) == 'table' and result.files or {}
    M.files[client.id] = files
    done(files)
  end)
end

---@param client_id integer
---@param path string
---@return agentls.ChangedFile?
local function file_of(client_id, path)
  for _, file in ipairs(M.files[client_id] or {}) do
    if file.path == path then
      return file
    end
  end
end

---The baseline buffer shown beside `path`, created or updated with `file`'s baseline.
---@param path string
---@param file agentls.ChangedFile?
---@return integer
local function baseline_buffer(path, file)
  local name = 'agentls-baseline://' .. path
  local buf = vim.fn.bufnr(name)
  if buf == -1 then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].bufhidden = 'wipe'
  end
  local lines
  if file then
    lines = vim.split(file.baseline or '', '\n', { plain = true })
    if lines[#lines] == '' then
      lines[#lines] = nil
    end
  else
    -- Nothing pending in it any more: the file as it is now is the baseline.
    local current = vim.fn.bufnr(path)
    lines = current ~= -1 and vim.api.nvim_buf_get_lines(current, 0, -1, false) or {}
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = vim.filetype.match({ filename = path }) or ''
  return buf
end

---Refreshes the diff view and the quickfix list after a review or an update.
---@param client_id integer
local function redraw(client_id)
  fill_quickfix(M.files[client_id] or {})
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    local name = vim.api.nvim_buf_get_name(buf)
    local path = name:match('^agentls%-baseline://(.+)$')
    if path then
      baseline_buffer(path, file_of(client_id, path))
    end
  end
  vim.cmd('silent! diffupdate')
end

---Accepts or rejects hunks: those given, or (none given) every pending hunk.
---@param decision 'accept'|'reject'
---@param path string?
---@param hunk_ids string[]?
function M.decide(decision, path, hunk_ids)
  local client, session_id = target()
  if not (client and session_id) then
    return
  end
  local params = { sessionId = session_id, decision = decision, path = path, hunkIds = hunk_ids }
  client:request('agentls/review', params, function(err, result)
    if err then
      say(decision .. ' failed: ' .. require('agentls.session').message_of(err), vim.log.levels.ERROR)
      return
    end
    result = result or {}
    for _, skipped in ipairs(result.skipped or {}) do
      say('skipped a hunk: ' .. tostring(skipped.reason), vim.log.levels.WARN)
    end
    local done = decision == 'accept' and result.accepted or result.rejected
    say(string.format('%s %d hunk(s)', decision == 'accept' and 'kept' or 'undid', #(done or {})))
    fetch(client, session_id, function()
      redraw(client.id)
      require('agentls.session').fire('AgentlsReviewed', { client_id = client.id, result = result })
    end)
  end)
end

---The hunk of the current buffer under the cursor, if any.
---@return string? path, agentls.Hunk?
function M.hunk_at_cursor()
  local client = target()
  if not client then
    return nil, nil
  end
  local path = vim.fs.normalize(vim.api.nvim_buf_get_name(0))
  local file = file_of(client.id, path)
  local line = vim.api.nvim_win_get_cursor(0)[1]
  for _, hunk in ipairs(file and file.hunks or {}) do
    if line >= first_line(hunk) and line <= last_line(hunk) then
      return path, hunk
    end
  end
  return path, nil
end

---@param decision 'accept'|'reject'
local function decide_at_cursor(decision)
  local path, hunk = M.hunk_at_cursor()
  if not hunk then
    say('no pending hunk under the cursor (:AgentReview lists them)', vim.log.levels.WARN)
    return
  end
  M.decide(decision, path, { hunk.id })
end

---Shows `path` beside its baseline in diff mode, with the review keymaps.
---@param client_id integer
---@param path string
function M.diff(client_id, path)
  local buf = vim.fn.bufadd(path)
  vim.fn.bufload(buf)
  -- A window of this tabpage already showing the file, else the current one (whose buffer
  -- stays loaded: the user's unsaved text there is not at risk).
  local file_win = vim.fn.win_findbuf(buf)[1]
  if not (file_win and vim.api.nvim_win_get_tabpage(file_win) == vim.api.nvim_get_current_tabpage()) then
    file_win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(file_win, buf)
  end
  vim.api.nvim_set_current_win(file_win)
  local base = baseline_buffer(path, file_of(client_id, path))
  vim.cmd('leftabove vertical sbuffer ' .. base)
  vim.cmd('diffthis')
  vim.api.nvim_set_current_win(file_win)
  vim.cmd('diffthis')
  local keymaps = require('agentls.config').options.keymaps
  local function map(lhs, fn, desc)
    for _, key in ipairs(type(lhs) == 'table' and lhs or { lhs }) do
      if type(key) == 'string' then
        vim.keymap.set('n', key, fn, { buffer = buf, desc = 'agentls: ' .. desc })
      end
    end
  end
  map(keymaps.accept_hunk, function()
    decide_at_cursor('accept')
  end, 'keep the hunk under the cursor')
  map(keymaps.reject_hunk, function()
    decide_at_cursor('reject')
  end, 'undo the hunk under the cursor')
  local first = (file_of(client_id, path) or { hunks = {} }).hunks[1]
  if first then
    vim.api.nvim_win_set_cursor(file_win, { math.min(first_line(first), vim.api.nvim_buf_line_count(buf)), 0 })
  end
end

---`:AgentReview`: the pending hunks in quickfix, the first file in a diff view.
function M.open()
  local client, session_id = target()
  if not (client and session_id) then
    return
  end
  fetch(client, session_id, function(files)
    if #files == 0 then
      say('no pending changes to review')
      return
    end
    fill_quickfix(files)
    -- Never in the panel's windows: in a code window of this tabpage.
    local code_win = require('agentls.panel.actions').code_window()
    if code_win then
      vim.api.nvim_set_current_win(code_win)
    end
    M.diff(client.id, files[1].path)
    vim.cmd('botright copen')
    vim.cmd('wincmd p')
    require('agentls.session').fire('AgentlsReviewOpened', { client_id = client.id, files = files })
  end)
end

---A `changes_update` arrived: refresh an open review.
---@param state agentls.State
function M.changed(state)
  local client = state.client_id and vim.lsp.get_client_by_id(state.client_id)
  if not (client and state.session_id) or vim.fn.getqflist({ title = 0 }).title ~= QF_TITLE then
    return
  end
  fetch(client, state.session_id, function()
    redraw(client.id)
  end)
end

---`:AgentReview [accept|reject [all]]`.
---@param args string?
function M.command(args)
  local words = vim.split(vim.trim(args or ''), '%s+', { trimempty = true })
  local decision, scope = words[1], words[2]
  if decision == nil then
    return M.open()
  end
  if decision ~= 'accept' and decision ~= 'reject' then
    say('usage: :AgentReview [accept|reject [all]]', vim.log.levels.ERROR)
    return
  end
  if scope == 'all' then
    return M.decide(decision, nil, nil)
  end
  decide_at_cursor(decision)
end

return M
