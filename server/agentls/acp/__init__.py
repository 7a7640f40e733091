"""The ACP transport: newline-delimited JSON-RPC on stdio, fs/* and terminal/* client calls."""
