-- A 100 KB answer: the panel ends up with exactly the text, each update is handled in
-- bounded time whatever the length so far, and the event loop keeps ticking meanwhile.
local H = require('agentls_test.harness')

H.run(function(data)
  H.setup()
  local expected = assert(os.getenv('AGENTLS_TEST_TEXT'))
  local session = require('agentls.session')
  local on_update = session.on_update
  local costs = {}
  session.on_update = function(...)
    local t0 = vim.uv.hrtime()
    on_update(...)
    table.insert(costs, (vim.uv.hrtime() - t0) / 1e6)
  end
  -- A timer that should fire every 20 ms; the longest gap between ticks is how long the
  -- editor was unresponsive.
  local last, max_gap = vim.uv.hrtime(), 0
  local timer = assert(vim.uv.new_timer())
  timer:start(
    20,
    20,
    vim.schedule_wrap(function()
      local now = vim.uv.hrtime()
      max_gap = math.max(max_gap, (now - last) / 1e6)
      last = now
    end)
  )
  local started = vim.uv.hrtime()
  vim.cmd('AgentAsk Write a lot')
  data.result = H.turn_end(1, 40000).result
  data.elapsed_ms = (vim.uv.hrtime() - started) / 1e6
  timer:stop()
  data.max_gap_ms = max_gap
  data.updates = #costs
  table.sort(costs)
  data.max_update_ms = costs[#costs]
  data.p99_update_ms = costs[math.max(1, math.floor(#costs * 0.99))]
  data.total_update_ms = 0
  for _, c in ipairs(costs) do
    data.total_update_ms = data.total_update_ms + c
  end
  local text = H.panel_text()
  local start = text:find('## Agent\n\n', 1, true)
  H.check(start, 'the panel has the agent header')
  local body = text:sub(start + #'## Agent\n\n')
  data.exact = body:sub(1, #expected) == expected
end)
