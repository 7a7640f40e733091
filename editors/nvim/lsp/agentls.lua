-- For `vim.lsp.enable("agentls")`. Options given to require("agentls").setup(), or to
-- vim.lsp.config("agentls", { ... }), override these.
return require('agentls.config').lsp_config()
