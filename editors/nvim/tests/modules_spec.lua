local h = require('helpers')

return {
  {
    'setup() options: unknown keys and bad values are refused with a message',
    function()
      local config = require('agentls.config')
      local merged, problem = config.validate({ modle = 'x' })
      h.eq(merged, nil)
      h.ok(problem:find('unknown option "modle"', 1, true), problem)
      merged, problem = config.validate({ permissionMode = 'yes' })
      h.ok(not merged and problem:find('permissionMode', 1, true), problem)
      merged, problem = config.validate({ cmd = {} })
      h.ok(not merged and problem:find('cmd', 1, true), problem)
      merged = assert(config.validate({ model = 'm', thinking = { type = 'enabled', budget_tokens = 1024 } }))
      h.eq(config.server_options(merged), { model = 'm', thinking = { type = 'enabled', budget_tokens = 1024 } })
      h.eq(merged.cmd, { 'agentls', 'serve' })
      h.eq(vim.json.encode(config.server_options({})), '{}', 'no options encode as an object')
    end,
  },
  {
    'the client config carries handlers, init_options and documentChanges',
    function()
      local config = require('agentls.config')
      local cfg = config.lsp_config(assert(config.validate({ permissionMode = 'ask', cmd = { 'x', 'serve' } })))
      h.eq(cfg.cmd, { 'x', 'serve' })
      h.eq(cfg.init_options, { permissionMode = 'ask' })
      h.eq(cfg.settings, { agentls = { permissionMode = 'ask' } })
      h.eq(cfg.capabilities.workspace.workspaceEdit.documentChanges, true)
      h.eq(cfg.capabilities.workspace.applyEdit, true)
      for _, method in ipairs({ 'session/update', 'session/request_permission', 'workspace/applyEdit' }) do
        h.eq(type(cfg.handlers[method]), 'function', method)
      end
      -- lsp/agentls.lua is what vim.lsp.enable("agentls") resolves.
      local file = vim.api.nvim_get_runtime_file('lsp/agentls.lua', false)[1]
      h.eq(dofile(file).name, 'agentls')
    end,
  },
  {
    'a linewise and a charwise selection, with UTF-16 ranges',
    function()
      local context = require('agentls.context')
      local buf = vim.api.nvim_get_current_buf()
      vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'local x = 1', 'print("héllo", x)', 'end' })
      vim.cmd('normal! ggVj\27')
      local sel = context.selection(buf, 1, 2)
      h.eq(sel.text, 'local x = 1\nprint("héllo", x)')
      h.eq(sel.range, { start = { line = 0, character = 0 }, ['end'] = { line = 1, character = 17 } })
      -- From the é through the closing quote.
      vim.cmd('normal! 2G08lv4l\27')
      sel = context.selection(buf, 2, 2)
      h.eq(sel.text, 'éllo"')
      h.eq(sel.range, { start = { line = 1, character = 8 }, ['end'] = { line = 1, character = 13 } })
      -- A range typed by hand (:1,3AgentAsk) is whole lines.
      sel = context.selection(buf, 1, 3)
      h.eq(sel.text, 'local x = 1\nprint("héllo", x)\nend')
    end,
  },
  {
    'prompt blocks: text, the selection as a resource, the buffer as a resource_link',
    function()
      local context = require('agentls.context')
      local root = vim.fn.tempname()
      vim.fn.mkdir(root .. '/src', 'p')
      vim.cmd.edit(root .. '/src/a.lua')
      local buf = vim.api.nvim_get_current_buf()
      vim.bo[buf].filetype = 'lua'
      local uri = vim.uri_from_fname(root .. '/src/a.lua')
      local sel = {
        text = 'x',
        first = 3,
        last = 4,
        range = { start = { line = 2, character = 0 }, ['end'] = { line = 3, character = 1 } },
      }
      local prompt = context.prompt('Why?', buf, sel, root)
      h.eq(prompt.blocks, {
        { type = 'text', text = 'Why?' },
        {
          type = 'resource',
          resource = { uri = uri, text = 'x', mimeType = 'text/x-lua' },
          _meta = { agentls = { range = sel.range } },
        },
        { type = 'resource_link', uri = uri, name = 'src/a.lua' },
      })
      h.eq(prompt.context, 'with the selection of src/a.lua, lines 3-4')
      h.eq(context.prompt('Hi', buf, nil, root).blocks[2].type, 'resource_link')
      local scratch = vim.api.nvim_create_buf(false, true)
      h.eq(#context.prompt('Hi', scratch, nil, root).blocks, 1, 'a scratch buffer adds nothing')
    end,
  },
  {
    'permission options are ordered allow first, and answers map to ACP outcomes',
    function()
      local permission = require('agentls.permission')
      local options = permission.options({
        options = {
          { optionId = 'r', kind = 'reject_once', name = 'Reject' },
          { optionId = 'a', kind = 'allow_once', name = 'Allow' },
          { optionId = 'aa', kind = 'allow_always', name = 'Always allow' },
        },
      })
      h.eq(
        vim.tbl_map(function(o)
          return o.optionId
        end, options),
        { 'a', 'aa', 'r' }
      )
      h.eq(permission.result(options[1]), { outcome = { outcome = 'selected', optionId = 'a' } })
      h.eq(permission.result(nil), { outcome = { outcome = 'cancelled' } })
      h.eq(permission.describe({ title = 'Run', kind = 'execute', rawInput = { command = 'ls' } }), 'Run: ls')
    end,
  },
  {
    'an edit for a buffer changed since the server saw it is refused, with a reason',
    function()
      local edits = require('agentls.edits')
      local path = vim.fn.tempname() .. '.txt'
      vim.fn.writefile({ 'one' }, path)
      vim.cmd.edit(path)
      local buf = vim.api.nvim_get_current_buf()
      local uri = vim.uri_from_fname(path)
      vim.lsp.util.buf_versions[buf] = 7
      local function edit(version)
        return {
          documentChanges = {
            {
              textDocument = { uri = uri, version = version },
              edits = {
                {
                  range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 3 } },
                  newText = 'two',
                },
              },
            },
          },
        }
      end
      h.eq(edits.stale_reason(edit(7)), nil)
      h.eq(edits.stale_reason(edit(vim.NIL)), nil, 'an unversioned edit is not checked')
      local reason = edits.stale_reason(edit(5))
      h.ok(reason and reason:find('version 7', 1, true) and reason:find('not applied', 1, true), reason)
      local answer = edits.apply(nil, { edit = edit(5) }, { client_id = 0 })
      h.eq(answer.applied, false)
      h.eq(vim.api.nvim_buf_get_lines(buf, 0, -1, false), { 'one' })
      vim.lsp.util.buf_versions[buf] = nil
    end,
  },
}
