-- Generated from the server's configuration schema (`agentls config-schema`) by
-- `make config-docs`; tests/unit/test_config_schema.py checks it is current.
---@type table<string, agentls.ServerOption>
return {
  model = { type = { "string" }, default = "claude-sonnet-5", description = "Messages API model name" },
  maxTokens = { type = { "integer" }, min = 1, default = 8192, description = "`max_tokens` of each model request" },
  maxTurnRequests = { type = { "integer" }, min = 1, default = 20, description = "model requests one prompt may make before it stops with `max_turn_requests`" },
  thinking = { type = { "integer", "table", "nil" }, min = 0, description = "extended thinking: a token budget (0 or null: off), or an object passed to the API as given, e.g. `{\"type\": \"enabled\", \"budget_tokens\": 2048}`" },
  systemPrompt = { type = { "string", "nil" }, description = "replaces the built-in system prompt" },
  permissionMode = { type = { "string" }, enum = { "default", "ask", "acceptAll", "readOnly" }, default = "default", description = "which tool calls ask first: `default` (edits run, commands ask), `ask`, `acceptAll`, `readOnly` (see Permissions)" },
  edits = { type = { "string" }, enum = { "editor", "disk" }, default = "editor", description = "`editor` (through the editor: `workspace/applyEdit`, ACP `fs/write_text_file`) or `disk` (atomic writes)" },
  review = { type = { "string" }, enum = { "after", "before" }, default = "after", description = "`after`: edits apply at once and wait in the pending changes for review (`agentls/changes`); `before`: each edit is shown as a diff in the permission request and applied only if accepted" },
  saveBeforeCommands = { type = { "boolean" }, default = true, description = "before a command runs, ask the editor to save the documents the agent changed (`agentls/saveDocuments`), so the command sees them" },
  commandTimeout = { type = { "number" }, above = 0, default = 120, description = "seconds before the bash tool kills a command" },
  mcpTimeout = { type = { "number" }, above = 1, default = 60, description = "seconds an MCP server gets to start, and to answer each tool call" },
  maxRetries = { type = { "integer" }, min = 0, default = 4, description = "retries of a failed model request (see `retry`)" },
  retryInitialDelay = { type = { "number" }, above = 0, default = 1, description = "seconds before the first retry; doubles each time, with jitter" },
  readTimeout = { type = { "number" }, above = 0, default = 90, description = "seconds a model stream may stay silent before it counts as dropped" },
  contextWindow = { type = { "integer", "nil" }, min = 1000, description = "tokens of the model's context window; null: the built-in table (200K, or 1M for models that have it). Set 1000000 when the model runs with a 1M-context beta" },
  autoCompact = { type = { "number" }, min = 0, default = 0.85, description = "compact the conversation before a request that would fill more than this fraction of the context window (0: never compact on its own)" },
  contextEditing = { type = { "boolean" }, default = false, description = "let the API clear old tool results from the context itself (`context_management` `clear_tool_uses`, a beta)" },
  webSearch = { type = { "boolean" }, default = false, description = "give the model Anthropic's web search server tool ($10 per 1,000 searches)" },
  webFetch = { type = { "boolean" }, default = false, description = "give the model Anthropic's web fetch server tool (a beta)" },
}
