"""MCP servers as tool sources of a session: their specs (servers.py), one connection per
server (connection.py), their tools as the agent's tools (tools.py), and the set a session
runs (session_servers.py). The official `mcp` SDK does the protocol; it is imported only
when a session has servers."""
