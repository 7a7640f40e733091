---@brief Slash commands in the compose area: the plugin's own (`/new`, `/sessions`, `/model`,
---`/mode`, `/thinking`, `/review`, `/cancel`), run here, and those the server announces
---(`available_commands_update`: `/compact`, `/undo`, `/help`, …), sent as the prompt.

local M = {}

---@class agentls.SlashCommand
---@field name string
---@field description string
---@field hint string? what the argument is
---@field run fun(arg: string?)? set for the plugin's own commands

---The plugin's own commands: what they do runs in the editor.
---@type agentls.SlashCommand[]
M.OWN = {
  { name = 'new', description = 'start a new session' },
  { name = 'sessions', description = 'pick an earlier session of this workspace' },
  { name = 'model', description = 'switch the model', hint = 'model name' },
  { name = 'mode', description = 'switch the permission mode', hint = 'default | ask | acceptAll | readOnly' },
  { name = 'thinking', description = 'switch extended thinking', hint = 'off | low | medium | high' },
  { name = 'review', description = "review the agent's changes" },
  { name = 'cancel', description = 'cancel the running turn' },
}

---Every command the compose area knows: the plugin's, then the server's it does not
---replace.
---@param panel agentls.Panel?
---@return agentls.SlashCommand[]
function M.commands(panel)
  local out, seen = {}, {}
  for _, c in ipairs(M.OWN) do
    out[#out + 1] = c
    seen[c.name] = true
  end
  local state = panel and require('agentls.session').for_panel(panel)
  for _, c in ipairs(state and state.commands or {}) do
    if type(c) == 'table' and type(c.name) == 'string' and not seen[c.name] then
      out[#out + 1] = {
        name = c.name,
        description = c.description or '',
        hint = type(c.input) == 'table' and c.input.hint or nil,
        server = true,
      }
      seen[c.name] = true
    end
  end
  return out
end

---The command a prompt runs, if its whole text is one line `/name [argument]` naming a
---command of the plugin's.
---@param text string
---@return string? name, string? arg
function M.own(text)
  text = vim.trim(text)
  local name, arg = text:match('^/([%w_%-]+)%s*(.-)$')
  if not name or text:find('\n') then
    return nil
  end
  for _, c in ipairs(M.OWN) do
    if c.name == name then
      return name, arg ~= '' and arg or nil
    end
  end
end

return M
