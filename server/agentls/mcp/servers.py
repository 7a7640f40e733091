"""Where a session's MCP servers come from, merged by name (later wins): the project's
`.mcp.json` (`{"mcpServers": {name: {command, args, env} | {type: "http", url, headers}}}`,
the format Claude Code and others read), then the client's `mcpServers` (ACP shapes; the
editors send their settings this way)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_FILE = ".mcp.json"


@dataclass(frozen=True)
class ServerSpec:
    name: str
    source: str  # "project" (.mcp.json) or "client" (session/new, the editor's settings)
    transport: str  # "stdio", "http" or "sse"
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """What the user trusts when trusting a project server: what it runs or reaches."""
        return json.dumps([self.transport, self.command, list(self.args), self.url])


def from_acp(servers: list[dict[str, Any]]) -> list[ServerSpec]:
    """ACP `mcpServers` (already checked by protocol/params.py)."""
    out = []
    for server in servers:
        name, kind = server["name"], server.get("type", "stdio")
        if kind == "stdio":
            env = {item["name"]: item["value"] for item in server.get("env", [])}
            args = tuple(server.get("args", []))
            out.append(ServerSpec(name, "client", "stdio", server["command"], args, env))
        else:
            headers = {item["name"]: item["value"] for item in server.get("headers", [])}
            out.append(ServerSpec(name, "client", kind, url=server["url"], headers=headers))
    return out


def from_project(root: Path) -> tuple[list[ServerSpec], str | None]:
    """The servers `.mcp.json` at `root` defines, and what was wrong with it, if anything."""
    path = root / PROJECT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], None
    except (OSError, ValueError) as exc:
        return [], f"{path} could not be read: {exc}"
    servers = data.get("mcpServers") if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        return [], f"{path} has no `mcpServers` object"
    out, problems = [], []
    for name, entry in servers.items():
        spec = _project_entry(str(name), entry)
        if spec is None:
            problems.append(name)
        else:
            out.append(spec)
    problem = (
        f"{path}: skipped {', '.join(problems)} (need `command` or `url`)" if problems else None
    )
    return out, problem


def _project_entry(name: str, entry: Any) -> ServerSpec | None:
    if not isinstance(entry, dict):
        return None
    kind = entry.get("type", "http" if "url" in entry else "stdio")
    if kind == "stdio" and isinstance(entry.get("command"), str):
        args = entry.get("args", [])
        env = entry.get("env", {})
        return ServerSpec(
            name,
            "project",
            "stdio",
            entry["command"],
            tuple(str(a) for a in args) if isinstance(args, list) else (),
            {str(k): str(v) for k, v in env.items()} if isinstance(env, dict) else {},
        )
    if kind in ("http", "sse") and isinstance(entry.get("url"), str):
        headers = entry.get("headers", {})
        headers = {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {}
        return ServerSpec(name, "project", kind, url=entry["url"], headers=headers)
    return None


def merged(*sources: list[ServerSpec]) -> list[ServerSpec]:
    by_name: dict[str, ServerSpec] = {}
    for specs in sources:
        for spec in specs:
            by_name[spec.name] = spec
    return list(by_name.values())
