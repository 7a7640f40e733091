"""The configuration schema as the docs and editors show it: a markdown table for the README
and docs/protocol.md, and the Lua table the Neovim plugin checks `setup()` against.
`make config-docs` rewrites those; tests/unit/test_config_schema.py fails when they lag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentls.config import OPTIONS, Option


def markdown() -> str:
    rows = ["| option | default | meaning |", "| --- | --- | --- |"]
    for option in OPTIONS:
        rows.append(f"| `{option.key}` | {_default(option)} | {option.description} |")
    return "\n".join(rows) + "\n"


def _default(option: Option) -> str:
    if option.default is None:
        return "none"
    return f"`{json.dumps(option.default)}`".replace('`"', "`").replace('"`', "`")


def lua() -> str:
    lines = [
        "-- Generated from the server's configuration schema (`agentls config-schema`) by",
        "-- `make config-docs`; tests/unit/test_config_schema.py checks it is current.",
        "---@type table<string, agentls.ServerOption>",
        "return {",
    ]
    for option in OPTIONS:
        fields = [f"type = {_lua_value(_lua_types(option))}"]
        if option.enum is not None:
            fields.append(f"enum = {_lua_value(list(option.enum))}")
        if option.minimum is not None:
            key = "above" if option.exclusive_minimum else "min"
            fields.append(f"{key} = {_lua_value(option.minimum)}")
        if option.default is not None:
            fields.append(f"default = {_lua_value(option.default)}")
        fields.append(f"description = {_lua_value(option.description)}")
        lines.append(f"  {option.key} = {{ {', '.join(fields)} }},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _lua_types(option: Option) -> list[str]:
    # Lua's view of JSON types: objects are tables, and null is leaving the option out.
    names = {"object": "table", "array": "table", "null": "nil"}
    return [names.get(kind, kind) for kind in option.types]


def _lua_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\\u", "\\\\u")
    if isinstance(value, list):
        return "{ " + ", ".join(_lua_value(item) for item in value) + " }"
    raise TypeError(f"no Lua form for {value!r}")


# --- keeping the repository's copies current ---------------------------------------------

BEGIN, END = "<!-- config:begin -->", "<!-- config:end -->"
MARKDOWN_FILES = ("README.md", "docs/protocol.md")
LUA_FILE = "editors/nvim/lua/agentls/server_options.lua"
VSCODE_PACKAGE = "editors/vscode/package.json"
# What VS Code's settings must agree on with the schema; descriptions may be its own.
VSCODE_KEYS = ("type", "default", "enum", "minimum", "exclusiveMinimum")


def vscode_property(option: Option) -> dict[str, Any]:
    prop: dict[str, Any] = {
        "type": list(option.types) if len(option.types) > 1 else option.types[0],
        "default": option.default,
    }
    if option.enum is not None:
        prop["enum"] = list(option.enum)
    if option.minimum is not None:
        prop["exclusiveMinimum" if option.exclusive_minimum else "minimum"] = option.minimum
    return prop


def sync(root: Path, *, write: bool) -> list[str]:
    """The files under `root` that disagree with the schema; rewritten when `write`."""
    stale: list[str] = []

    def update(name: str, text: str, new: str) -> None:
        if text != new:
            stale.append(name)
            if write:
                (root / name).write_text(new)

    for name in MARKDOWN_FILES:
        text = (root / name).read_text()
        start, end = text.find(BEGIN), text.find(END)
        if start == -1 or end == -1:
            stale.append(f"{name} (no {BEGIN} … {END} markers)")
            continue
        update(name, text, f"{text[: start + len(BEGIN)]}\n{markdown()}{text[end:]}")
    lua_path = root / LUA_FILE
    update(LUA_FILE, lua_path.read_text() if lua_path.exists() else "", lua())
    package_path = root / VSCODE_PACKAGE
    package = json.loads(package_path.read_text())
    properties = package["contributes"]["configuration"]["properties"]
    for option in OPTIONS:
        current = properties.setdefault(f"agentls.{option.key}", {})
        wanted = vscode_property(option)
        for key in VSCODE_KEYS:  # in place, so the file keeps its order
            if key in wanted:
                current[key] = wanted[key]
            else:
                current.pop(key, None)
        if "description" not in current and "markdownDescription" not in current:
            current["markdownDescription"] = option.description[0].upper() + option.description[1:]
    update(
        VSCODE_PACKAGE,
        package_path.read_text(),
        json.dumps(package, indent=2, ensure_ascii=False) + "\n",
    )
    return stale


if __name__ == "__main__":
    import sys

    repo = Path(__file__).resolve().parents[2]
    changed = sync(repo, write="--check" not in sys.argv)
    print("\n".join(f"{'stale' if '--check' in sys.argv else 'updated'}: {c}" for c in changed))
    sys.exit(1 if changed and "--check" in sys.argv else 0)
