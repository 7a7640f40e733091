---@brief The compose area: a small markdown buffer under the transcript where prompts are
---written (several lines, with @path and #context tokens and /commands), submitted with
---`<CR>` (normal mode) or `<C-s>` (insert mode), and recalled with `<Up>` / `<Down>`.

local api = vim.api

local M = {}

---@class agentls.Compose
---@field buf integer
---@field panel agentls.Panel
---@field history string[] earlier prompts, oldest first
---@field recalled integer? index in `history` of the prompt shown, while recalling
---@field queued string[] first lines of prompts waiting for the running turn to end
---@field on_submit fun(text: string)? set by the session
local Compose = {}
Compose.__index = Compose

---@param panel agentls.Panel
---@param name string?
---@return agentls.Compose
function M.new(panel, name)
  local buf = api.nvim_create_buf(false, true)
  local bo = vim.bo[buf]
  bo.buftype = 'nofile'
  bo.bufhidden = 'hide'
  bo.swapfile = false
  bo.filetype = 'markdown'
  -- After the filetype: markdown's ftplugin sets an HTML omnifunc.
  bo.omnifunc = "v:lua.require'agentls.complete'.omnifunc"
  bo.textwidth = 0
  if name then
    pcall(api.nvim_buf_set_name, buf, name)
  end
  local self = setmetatable({ buf = buf, panel = panel, history = {}, queued = {} }, Compose)
  api.nvim_create_autocmd('TextChanged', {
    buffer = buf,
    callback = function()
      -- Typing over a recalled prompt makes it a new one: <Up> moves the cursor again.
      if self.recalled and self:text() ~= self.history[self.recalled] then
        self.recalled = nil
      end
    end,
  })
  require('agentls.complete').attach_triggers(buf)
  return self
end

---Opens the compose area under the transcript window `main`.
---@param main integer
---@return integer win
function Compose:open(main)
  local height = self.panel.opts.compose_height
  local win = api.nvim_open_win(self.buf, false, { split = 'below', win = main, height = height })
  local wo = vim.wo[win]
  wo.wrap = true
  wo.linebreak = true
  wo.number = false
  wo.relativenumber = false
  wo.signcolumn = 'no'
  wo.winfixheight = true
  wo.foldenable = false
  wo.winbar = "%{%v:lua.require'agentls.panel'.winbar('compose')%}"
  require('agentls.panel.markdown').attach(self.buf, self.panel.opts.markdown)
  return win
end

---@return string
function Compose:text()
  return table.concat(api.nvim_buf_get_lines(self.buf, 0, -1, false), '\n')
end

---@param text string
function Compose:set_text(text)
  api.nvim_buf_set_lines(self.buf, 0, -1, false, vim.split(text, '\n', { plain = true }))
  for _, win in ipairs(vim.fn.win_findbuf(self.buf)) do
    local last = api.nvim_buf_line_count(self.buf)
    api.nvim_win_set_cursor(win, { last, #api.nvim_buf_get_lines(self.buf, last - 1, last, false)[1] })
  end
end

---Remembers a submitted prompt for <Up> (a repeat of the last one is not stored twice).
---@param text string
function Compose:remember(text)
  if self.history[#self.history] ~= text then
    self.history[#self.history + 1] = text
  end
  local limit = require('agentls.config').options.history_size or 100
  while #self.history > limit do
    table.remove(self.history, 1)
  end
  self.recalled = nil
end

---Submits what is written: an empty area submits nothing (and says why).
function Compose:submit()
  local text = vim.trim(self:text())
  if text == '' then
    vim.notify('agentls: nothing to send; write a prompt first', vim.log.levels.INFO)
    return
  end
  self:remember(text)
  self:set_text('')
  if self.on_submit then
    self.on_submit(text)
  end
end

---Whether <Up>/<Down> recall history now: the area is empty or shows a recalled prompt.
---@return boolean
function Compose:recalling()
  local text = self:text()
  return text == '' or (self.recalled ~= nil and text == self.history[self.recalled])
end

---Shows the previous (`-1`) or next (`1`) prompt of the history. Past the newest: empty.
---@param step integer
---@return boolean handled false when the keys should do what they normally do
function Compose:recall(step)
  if #self.history == 0 or not self:recalling() then
    return false
  end
  local index = self.recalled or (#self.history + 1)
  index = math.max(1, math.min(#self.history + 1, index + step))
  if index > #self.history then
    self.recalled = nil
    self:set_text('')
  else
    self.recalled = index
    self:set_text(self.history[index])
  end
  return true
end

---@param queued string[] what waits for the running turn
function Compose:set_queued(queued)
  self.queued = queued
  vim.cmd('redrawstatus!')
end

---The winbar above the compose area.
---@return string
function Compose:winbar()
  local keys = require('agentls.config').options.keymaps or {}
  local function first(k)
    return type(k) == 'table' and k[1] or k
  end
  local hint = ('%s send · %s keys · @file #buffer #diagnostics /command'):format(
    first(keys.submit_insert) or first(keys.submit) or '',
    first(keys.help) or '?'
  )
  if #self.queued > 0 then
    local line = self.queued[1]:gsub('\n.*', '')
    if #line > 40 then
      line = line:sub(1, 37) .. '...'
    end
    line = line:gsub('%%', '%%%%')
    local more = #self.queued > 1 and (' (+%d more)'):format(#self.queued - 1) or ''
    return ('%%#DiagnosticWarn# Queued: %s%s%%* — sent when this turn ends'):format(line, more)
  end
  return '%#Comment# ' .. hint .. '%*'
end

M.Compose = Compose

return M
