"""The interface every tool implements, and input helpers shared by the tools."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from agentls.workspace.documents import DocumentSource
from agentls.workspace.edits import EditTarget

# A running command's output: told after each read how to get the output so far, so the
# cost of a read stays the size of the read until someone actually sends the output.
Progress = Callable[[Callable[[], str]], None]


@dataclass
class ToolContext:
    root: Path  # workspace root, already resolved
    documents: DocumentSource | None
    edits: EditTarget | None = None  # where edits land; None: this context cannot edit
    journal: EditJournal | None = None  # records each edit so the turn can be undone
    command_timeout: float = 120.0
    # While open, `documents` shows the editor's text of a path that a tool names, where
    # the editor does not push its buffers (ACP fetches it); None: always current (LSP).
    holding: Callable[[Path], AbstractAsyncContextManager[None]] | None = None
    # Sends a session update of the tool's own (the plan tool's `plan`); None: nobody sees.
    notify: Callable[[dict[str, Any]], None] | None = None
    tool_call_id: str | None = None  # the call being run; set per call by the turn loop
    # A running command's output so far (tail-bounded), for the editor to show it live.
    progress: Progress | None = None
    # Runs commands in the editor's terminal (ACP `terminal/*`); None: our own processes.
    terminal: CommandTerminal | None = None


class EditJournal(Protocol):
    def record(self, path: Path, before: str | None, after: str | None) -> None: ...


@dataclass
class FileDiff:
    """An ACP `diff` content item: the whole file before (None: it did not exist) and after."""

    path: str  # absolute
    old_text: str | None
    new_text: str


@dataclass
class ToolLocation:
    """A file a tool call touched, for the editor to follow along (ACP ToolCallLocation).

    ``line`` is 1-based, like the line numbers the model sees in tool output; ACP only
    says "optional line number", so a client that wants LSP positions subtracts 1.
    """

    path: str  # absolute
    line: int | None = None


@dataclass
class ToolOutcome:
    text: str  # the tool_result content sent back to the model
    is_error: bool = False
    locations: list[ToolLocation] = field(default_factory=list)
    diffs: list[FileDiff] = field(default_factory=list)
    # A terminal of the client the call ran in (ACP), shown in the tool call; then `shown`
    # is the text shown beside it, in place of `text` (which the terminal shows already).
    terminal_id: str | None = None
    shown: str | None = None
    # Content blocks the model gets after the text (an MCP tool's images).
    blocks: list[dict[str, Any]] = field(default_factory=list)


class CommandTerminal(Protocol):
    async def run(
        self, command: str, cwd: Path, timeout: float, shown: Callable[[str], None]
    ) -> ToolOutcome:
        """Run `command` (bash) to its end or `timeout`; `shown(terminal_id)` once the
        terminal exists. Nothing it started runs on once this returns or is cancelled."""
        ...


class ToolError(Exception):
    """A failure to show the model as is: the message says what happened and what to do."""


class Tool(Protocol):
    name: str  # the API tool name
    kind: str  # the ACP tool kind most calls have: "read", "search", "edit", ...

    def definition(self) -> dict[str, Any]:
        """The tool declaration for the Messages API ``tools`` list."""
        ...

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        """A short title for the editor, e.g. ``Read src/app.py``.

        Called with partial input while the model is still streaming it, so it never
        raises. With ``root``, absolute paths inside it are shown relative.
        """
        ...

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        """The ACP kind of this particular call; tolerates partial input like ``title``."""
        ...

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        """Run the call. May raise ToolError, WorkspacePathError or OSError for
        failures the model should see; :func:`agentls.tools.registry.run_tool` turns
        those into error outcomes."""
        ...


# --- input helpers: they raise ToolError naming the field and the expected type ---------


def _type_name(value: object) -> str:
    names = {str: "string", bool: "boolean", int: "integer", float: "number"}
    names |= {list: "array", dict: "object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def require_str(tool_input: dict[str, Any], key: str) -> str:
    if key not in tool_input:
        raise ToolError(f"missing required field `{key}` (a string)")
    value = tool_input[key]
    if not isinstance(value, str):
        raise ToolError(f"field `{key}` must be a string, got {_type_name(value)}")
    return value


def optional_str(tool_input: dict[str, Any], key: str) -> str | None:
    if tool_input.get(key) is None:
        return None
    return require_str(tool_input, key)


def optional_bool(tool_input: dict[str, Any], key: str, default: bool) -> bool:
    value = tool_input.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ToolError(f"field `{key}` must be a boolean, got {_type_name(value)}")
    return value


def optional_int(tool_input: dict[str, Any], key: str, default: int) -> int:
    value = tool_input.get(key)
    if value is None:
        return default
    # bool is an int subclass; `true` is not a count.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ToolError(f"field `{key}` must be an integer, got {_type_name(value)}")
    return value


# --- text helpers ------------------------------------------------------------------


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines as the editor numbers them (LSP: \\n, \\r\\n, \\r), without terminators.

    ``str.splitlines`` would also split on form feeds and U+2028, making our line
    numbers disagree with the editor's. A final terminator does not start a new line.
    """
    if not text:
        return []
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, saying how much was dropped."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit} more characters]"


def display_path(value: object, root: Path | None) -> str | None:
    """A path from (possibly partial) tool input, shown relative to ``root`` if inside it."""
    if not isinstance(value, str) or not value:
        return None
    if root is not None and value.startswith("/"):
        for base in (root, root.resolve()):
            prefix = base.as_posix().rstrip("/") + "/"
            if value == base.as_posix():
                return "."
            if value.startswith(prefix):
                return value[len(prefix) :]
    return cut(value, 80)
