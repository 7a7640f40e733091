-- The nvim-cmp and blink.cmp sources, called as those plugins call them, in the compose
-- area: `@` offers workspace files, `#` context tokens, `/` commands, each replacing what
-- was typed; outside the compose area they stay off.
local H = require('agentls_test.harness')

---@param items lsp.CompletionItem[]
local function labels(items)
  return vim.tbl_map(function(item)
    return item.label
  end, items)
end

H.run(function(data)
  H.setup()
  H.open('src/util.py')
  vim.cmd('AgentAsk Hello')
  H.turn_end(1)
  local source = require('agentls.cmp').new()
  data.off_in_code = source:is_available() or source:enabled()
  local compose = assert(H.panel()).compose
  vim.api.nvim_set_current_win(vim.fn.bufwinid(compose.buf))
  data.on_in_compose = source:is_available() and source:enabled()
  data.triggers = source:get_trigger_characters()

  local line = 'look at @src/ut'
  source:complete({ context = { cursor_before_line = line, cursor = { row = 1 }, bufnr = compose.buf } }, function(r)
    data.cmp_files = labels(r.items)
    data.cmp_edit = r.items[1] and r.items[1].textEdit
  end)
  source:get_completions({ line = 'fix #dia and more', cursor = { 1, 8 }, bufnr = compose.buf }, function(r)
    data.blink_tokens = labels(r.items)
  end)
  source:get_completions({ line = '/mo', cursor = { 1, 3 }, bufnr = compose.buf }, function(r)
    data.blink_commands = labels(r.items)
  end)
end)
