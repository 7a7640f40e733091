"""agentls: a language server that runs a streaming Claude agent loop for the editor."""

__version__ = "0.1.0"
