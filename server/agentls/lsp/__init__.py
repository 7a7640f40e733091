"""The LSP transport: pygls, editor buffers, workspace/applyEdit, $/progress."""
