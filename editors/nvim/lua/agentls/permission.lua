---@brief `session/request_permission`: the server asks before running a tool; the user
---answers with `vim.ui.select`.
---
---Server requests run inside a coroutine (vim/lsp/rpc.lua), and the value the handler
---returns is the response. So the handler yields until `vim.ui.select` calls back, and
---the editor stays usable meanwhile: Neovim's own `window/showMessageRequest` does this.

local M = {}

local KIND_ORDER = { allow_once = 1, allow_always = 2, reject_once = 3, reject_always = 4 }

---A short description of what the tool will do, for the prompt.
---@param tool_call table
---@return string
function M.describe(tool_call)
  local title = tool_call.title or tool_call.kind or 'run a tool'
  local input = type(tool_call.rawInput) == 'table' and tool_call.rawInput or {}
  if type(input.command) == 'string' and tool_call.kind == 'execute' then
    title = title .. ': ' .. input.command
  end
  return title
end

---The unified diff of each `diff` item of the tool call (review "before": the edit is
---shown before it is applied), as lines; empty when it has none.
---@param tool_call table
---@return string[]
function M.diff_lines(tool_call)
  local lines = {}
  local diff = (vim.text and vim.text.diff) or vim.diff
  for _, item in ipairs(type(tool_call.content) == 'table' and tool_call.content or {}) do
    if item.type == 'diff' and type(item.newText) == 'string' then
      local old = type(item.oldText) == 'string' and item.oldText or ''
      local path = vim.fn.fnamemodify(item.path or '', ':~:.')
      vim.list_extend(lines, { '--- ' .. path, '+++ ' .. path })
      local text = diff(old, item.newText, { result_type = 'unified', ctxlen = 2 })
      vim.list_extend(lines, vim.split(type(text) == 'string' and text or '', '\n', { trimempty = true }))
    end
  end
  return lines
end

---Shows `lines` (a diff) in a float above the question; returns its window.
---@param lines string[]
---@return integer?
local function show_diff(lines)
  if #lines == 0 then
    return nil
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].filetype = 'diff'
  vim.bo[buf].bufhidden = 'wipe'
  local width = math.min(vim.o.columns - 4, 100)
  local height = math.min(#lines, math.max(vim.o.lines - 10, 3))
  return vim.api.nvim_open_win(buf, false, {
    relative = 'editor',
    row = 1,
    col = math.floor((vim.o.columns - width) / 2),
    width = width,
    height = height,
    border = 'rounded',
    title = ' agentls: the edit to allow ',
    title_pos = 'center',
    style = 'minimal',
  })
end

---@param params table
---@return table[] options in the order allow once, allow always, reject once, reject always
function M.options(params)
  local options = vim.deepcopy(params.options or {})
  table.sort(options, function(a, b)
    return (KIND_ORDER[a.kind] or 9) < (KIND_ORDER[b.kind] or 9)
  end)
  return options
end

---@param choice table?
---@return table result
function M.result(choice)
  if type(choice) == 'table' and choice.optionId then
    return { outcome = { outcome = 'selected', optionId = choice.optionId } }
  end
  return { outcome = { outcome = 'cancelled' } }
end

---@param _ lsp.ResponseError?
---@param params table
---@param ctx lsp.HandlerContext
---@return table
function M.handle(_, params, ctx)
  params = params or {}
  local options = M.options(params)
  local tool_call = params.toolCall or {}
  local session = require('agentls.session')
  session.permission_pending(ctx.client_id, params.sessionId, tool_call, true)
  local select_opts = {
    prompt = ('agentls wants to %s. Allow?'):format(M.describe(tool_call)),
    kind = 'agentls.permission',
    format_item = function(option)
      return option.name or option.optionId
    end,
  }
  local preview = show_diff(M.diff_lines(tool_call))
  if preview then
    vim.cmd('redraw')
    session.fire('AgentlsPermissionDiff', { client_id = ctx.client_id, win = preview })
  end
  local co, is_main = coroutine.running()
  local choice
  if co and not is_main then
    vim.ui.select(options, select_opts, function(item)
      -- Scheduled: the built-in vim.ui.select calls back before the yield below.
      vim.schedule(function()
        local ok, problem = coroutine.resume(co, item or false)
        if not ok then
          vim.notify('agentls: answering a permission request failed: ' .. tostring(problem), vim.log.levels.ERROR)
        end
      end)
    end)
    choice = coroutine.yield()
  else
    local lines = { select_opts.prompt }
    for i, option in ipairs(options) do
      lines[#lines + 1] = ('%d. %s'):format(i, select_opts.format_item(option))
    end
    choice = options[vim.fn.inputlist(lines)]
  end
  if preview and vim.api.nvim_win_is_valid(preview) then
    vim.api.nvim_win_close(preview, true)
  end
  session.permission_pending(ctx.client_id, params.sessionId, tool_call, false)
  return M.result(choice or nil)
end

return M
