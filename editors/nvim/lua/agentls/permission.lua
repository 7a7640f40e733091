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
  session.permission_pending(ctx.client_id, params.sessionId, tool_call, false)
  return M.result(choice or nil)
end

return M
