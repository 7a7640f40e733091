-- A model request that fails mid-stream is retried: the panel takes back what the failed
-- attempt streamed, notes the retry, and ends with the answer once.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  data.retries = {}
  local session = require('agentls.session')
  -- The client's handler looks session.on_update up on each call, so this sees every update.
  local on_update = session.on_update
  session.on_update = function(err, params, ctx)
    local update = type(params) == 'table' and params.update or {}
    if update.sessionUpdate == 'retry' then
      table.insert(data.retries, update)
      on_update(err, params, ctx)
      data.panel_after_retry = H.panel_text()
      return
    end
    return on_update(err, params, ctx)
  end
  vim.cmd('AgentAsk Answer, please')
  data.result = H.turn_end(1).result
  data.panel = H.panel_text()
  local panel = H.panel()
  data.end_is_buffer_end = vim.deep_equal(
    { panel.row, panel.col },
    { vim.api.nvim_buf_line_count(panel.buf) - 1, #vim.api.nvim_buf_get_lines(panel.buf, -2, -1, false)[1] }
  )
end)
