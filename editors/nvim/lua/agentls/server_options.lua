-- Generated from the server's configuration schema (`agentls config-schema`) by
-- `make config-docs`; tests/unit/test_config_schema.py checks it is current.
---@type table<string, agentls.ServerOption>
return {
  model = { type = { "string" }, default = "claude-sonnet-4-5", description = "Messages API model name" },
  maxTokens = { type = { "integer" }, min = 1, default = 8192, description = "`max_tokens` of each model request" },
  maxTurnRequests = { type = { "integer" }, min = 1, default = 20, description = "model requests one prompt may make before it stops with `max_turn_requests`" },
  thinking = { type = { "integer", "table", "nil" }, min = 0, description = "extended thinking: a token budget (0 or null: off), or an object passed to the API as given, e.g. `{\"type\": \"enabled\", \"budget_tokens\": 2048}`" },
  systemPrompt = { type = { "string", "nil" }, description = "replaces the built-in system prompt" },
  permissionMode = { type = { "string" }, enum = { "default", "ask", "acceptAll", "readOnly" }, default = "default", description = "which tool calls ask first: `default` (edits run, commands ask), `ask`, `acceptAll`, `readOnly` (see Permissions)" },
  edits = { type = { "string" }, enum = { "editor", "disk" }, default = "editor", description = "`editor` (through the editor: `workspace/applyEdit`, ACP `fs/write_text_file`) or `disk` (atomic writes)" },
  review = { type = { "string" }, enum = { "after", "before" }, default = "after", description = "`after`: edits apply at once and wait in the pending changes for review (`agentls/changes`); `before`: each edit is shown as a diff in the permission request and applied only if accepted" },
  saveBeforeCommands = { type = { "boolean" }, default = true, description = "before a command runs, ask the editor to save the documents the agent changed (`agentls/saveDocuments`), so the command sees them" },
  commandTimeout = { type = { "number" }, above = 0, default = 120, description = "seconds before the bash tool kills a command" },
  maxRetries = { type = { "integer" }, min = 0, default = 4, description = "retries of a failed model request (see `retry`)" },
  retryInitialDelay = { type = { "number" }, above = 0, default = 1, description = "seconds before the first retry; doubles each time, with jitter" },
  readTimeout = { type = { "number" }, above = 0, default = 90, description = "seconds a model stream may stay silent before it counts as dropped" },
}
