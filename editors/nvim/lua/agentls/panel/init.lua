---@brief The panel: a transcript the agent's answer streams into, and a compose area under it.
---
---The transcript is a scratch markdown buffer written only at its end (see transcript.lua),
---so streaming costs O(chunk). Each tabpage has its own pair of windows onto the same
---buffers, so the panel shows where the user is; windows that follow the end scroll as text
---arrives, in every tab.

local api = vim.api

local M = {}

---@type table<integer, agentls.Panel> panels by transcript and compose buffer
local by_buf = {}

---@class agentls.PanelWindows
---@field main integer the transcript's window
---@field compose integer? the compose area's window

---@class agentls.Panel
---@field buf integer the transcript
---@field compose agentls.Compose the compose area
---@field wins table<integer, agentls.PanelWindows> the panel's windows by tabpage
---@field row integer 0-based row where the next chunk goes
---@field col integer 0-based byte column where the next chunk goes
---@field mode string? what the last write was: 'text', 'thought', 'tool', 'note', or nil at the start of an answer
---@field tools table<string, agentls.ToolLine>
---@field blocks agentls.Block[] the current turn's runs and tool lines, in buffer order
---@field run agentls.Block? the run text is being appended to, if any
---@field turn_marks integer[] extmarks on each `## You` line, for `]]` / `[[`
---@field opts agentls.PanelOptions
---@field header fun(): string? the header line (model, mode, usage), set by the session
---@field actions table<string, fun()> what keymaps call, set by the session
local Panel = {}
Panel.__index = Panel

-- The methods live in modules by concern; the class is their union.
for _, part in ipairs({ 'transcript', 'retract', 'tools' }) do
  for name, fn in pairs(require('agentls.panel.' .. part).methods) do
    Panel[name] = fn
  end
end

local DEFAULTS = { position = 'right', size = 80, compose_height = 6, follow = true, markdown = true, tool_output = 40 }

---@param opts agentls.PanelOptions?
---@param name string? transcript buffer name
---@return agentls.Panel
function M.new(opts, name)
  local buf = api.nvim_create_buf(false, true)
  local bo = vim.bo[buf]
  bo.buftype = 'nofile'
  bo.bufhidden = 'hide'
  bo.swapfile = false
  -- The transcript is append-only output: undo history would only cost memory.
  bo.undolevels = -1
  bo.filetype = 'markdown'
  bo.modifiable = false
  if name then
    pcall(api.nvim_buf_set_name, buf, name)
  end
  local self = setmetatable({
    buf = buf,
    wins = {},
    row = 0,
    col = 0,
    tools = {},
    blocks = {},
    turn_marks = {},
    actions = {},
    opts = vim.tbl_extend('force', DEFAULTS, opts or {}),
  }, Panel)
  self.compose = require('agentls.panel.compose').new(self, name and name:gsub('panel', 'compose') or nil)
  by_buf[buf] = self
  by_buf[self.compose.buf] = self
  require('agentls.panel.keymaps').attach(self)
  api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    once = true,
    callback = function()
      by_buf[buf] = nil
    end,
  })
  return self
end

---@return boolean
function Panel:valid()
  return api.nvim_buf_is_valid(self.buf)
end

---The panel's windows in the current tabpage, if it is shown there.
---@param tab integer?
---@return agentls.PanelWindows?
function Panel:windows(tab)
  tab = tab or api.nvim_get_current_tabpage()
  local w = self.wins[tab]
  if w and api.nvim_win_is_valid(w.main) and api.nvim_win_get_buf(w.main) == self.buf then
    return w
  end
  self.wins[tab] = nil
end

---Whether the transcript is shown in the current tabpage.
---@return boolean
function Panel:visible()
  return self:windows() ~= nil
end

---The transcript's window in the current tabpage (for tests and keymaps).
---@return integer?
function Panel:win()
  local w = self:windows()
  return w and w.main
end

---@param win integer
local function transcript_window_options(win, markdown)
  local wo = vim.wo[win]
  wo.wrap = true
  wo.linebreak = true
  wo.breakindent = true
  wo.number = false
  wo.relativenumber = false
  wo.signcolumn = 'no'
  wo.foldmethod = 'expr'
  wo.foldexpr = "v:lua.require'agentls.panel.folds'.expr(v:lnum)"
  wo.foldtext = "v:lua.require'agentls.panel.folds'.text()"
  wo.foldlevel = 0
  wo.foldenable = true
  wo.fillchars = 'fold: ,eob: '
  wo.winfixwidth = true
  wo.winbar = "%{%v:lua.require'agentls.panel'.winbar('main')%}"
  if markdown then
    wo.conceallevel = 2
    wo.concealcursor = 'nc'
  end
end

---Opens the panel in the current tabpage (keeping the cursor where it was, unless `focus`)
---unless it is already there; with `focus`, the cursor goes to the compose area.
---@param focus boolean?
function Panel:show(focus)
  if not self:valid() then
    return
  end
  local tab = api.nvim_get_current_tabpage()
  local w = self:windows(tab)
  if not w then
    local o = self.opts
    local split = ({ right = 'right', left = 'left', top = 'above', bottom = 'below' })[o.position] or 'right'
    local vertical = split == 'right' or split == 'left'
    local main = api.nvim_open_win(self.buf, false, {
      split = split,
      win = -1,
      width = vertical and o.size or nil,
      height = (not vertical) and o.size or nil,
    })
    transcript_window_options(main, o.markdown)
    require('agentls.panel.markdown').attach(self.buf, o.markdown)
    w = { main = main }
    self.wins[tab] = w
    api.nvim_win_set_cursor(main, { self.row + 1, self.col })
  end
  if not (w.compose and api.nvim_win_is_valid(w.compose)) then
    w.compose = self.compose:open(w.main)
  end
  if focus then
    api.nvim_set_current_win(w.compose)
  end
end

---Closes the panel's windows in the current tabpage (the buffers stay).
function Panel:hide()
  local w = self.wins[api.nvim_get_current_tabpage()]
  self.wins[api.nvim_get_current_tabpage()] = nil
  if not w then
    return
  end
  for _, win in ipairs({ w.compose, w.main }) do
    if win and api.nvim_win_is_valid(win) and #api.nvim_tabpage_list_wins(0) > 1 then
      api.nvim_win_close(win, false)
    end
  end
end

---@param focus boolean?
function Panel:toggle(focus)
  if self:visible() then
    self:hide()
  else
    self:show(focus)
  end
end

---The transcript windows (in any tabpage) whose cursor is at the end: they follow new text.
---@return integer[]
function Panel:following()
  local list = {}
  if not self.opts.follow then
    return list
  end
  for tab in pairs(self.wins) do
    local w = self:windows(tab)
    if w and api.nvim_win_get_cursor(w.main)[1] >= self.row + 1 then
      list[#list + 1] = w.main
    end
  end
  return list
end

---Moves the cursor of `wins` (default: every transcript window) to the end.
---@param wins integer[]?
function Panel:scroll_to_end(wins)
  if not wins then
    wins = {}
    for tab in pairs(self.wins) do
      local w = self:windows(tab)
      wins[#wins + 1] = w and w.main or nil
    end
  end
  for _, win in ipairs(wins) do
    if api.nvim_win_is_valid(win) then
      api.nvim_win_set_cursor(win, { self.row + 1, self.col })
    end
  end
end

---Redraws the header lines and statuslines (the session's state changed).
function Panel:refresh()
  vim.cmd('redrawstatus!')
end

---All of the transcript's text (for tests and for copying).
---@return string
function Panel:text()
  return table.concat(api.nvim_buf_get_lines(self.buf, 0, -1, false), '\n')
end

---@param s string
---@return string
local function escape(s)
  return (s:gsub('%%', '%%%%'))
end

---The winbar of a panel window: the session header above the transcript, the hints (and
---what is queued) above the compose area.
---@param which 'main'|'compose'
---@return string
function M.winbar(which)
  local win = vim.g.statusline_winid or api.nvim_get_current_win()
  local panel = by_buf[api.nvim_win_get_buf(win)]
  if not panel then
    return ''
  end
  if which == 'main' then
    return '%#Title# ' .. escape(panel.header and panel.header() or 'agentls') .. '%*'
  end
  return panel.compose:winbar()
end

---@param buf integer
---@return agentls.Panel?
function M.for_buf(buf)
  return by_buf[buf]
end

---@param win integer
---@return agentls.Panel?
function M.for_win(win)
  return api.nvim_win_is_valid(win) and by_buf[api.nvim_win_get_buf(win)] or nil
end

---Whether `win` shows a panel buffer (transcript or compose area).
---@param win integer
---@return boolean
function M.is_panel_window(win)
  return M.for_win(win) ~= nil
end

---The windows of `tab` that are not floating.
---@param tab integer
---@return integer[]
local function split_windows(tab)
  return vim.tbl_filter(function(win)
    return api.nvim_win_get_config(win).relative == ''
  end, api.nvim_tabpage_list_wins(tab))
end

---The panel never outlives the last code window of a tabpage: `:q` there closes the panel
---too (so Neovim quits, or the tab closes), and a window closed another way that leaves only
---the panel gets an empty window beside it in the last tabpage.
local group = api.nvim_create_augroup('agentls.panel', { clear = true })
api.nvim_create_autocmd('QuitPre', {
  group = group,
  callback = function()
    local current = api.nvim_get_current_win()
    if M.is_panel_window(current) then
      return
    end
    local others = vim.tbl_filter(function(win)
      return win ~= current
    end, split_windows(0))
    if #others > 0 and vim.iter(others):all(M.is_panel_window) then
      for _, win in ipairs(others) do
        pcall(api.nvim_win_close, win, false)
      end
    end
  end,
})
api.nvim_create_autocmd('WinClosed', {
  group = group,
  callback = function(args)
    local closed = tonumber(args.match)
    vim.schedule(function()
      for _, tab in ipairs(api.nvim_list_tabpages()) do
        local wins = split_windows(tab)
        if #wins > 0 and vim.iter(wins):all(M.is_panel_window) and not vim.tbl_contains(wins, closed) then
          if #api.nvim_list_tabpages() > 1 then
            for _, win in ipairs(wins) do
              pcall(api.nvim_win_close, win, false)
            end
          else
            api.nvim_win_call(wins[1], function()
              vim.cmd('topleft vertical new')
            end)
          end
        end
      end
    end)
  end,
})

M.Panel = Panel
M.namespace = api.nvim_create_namespace('agentls.panel')

return M
