"""A ripgrep-like regex search over the workspace's text files, in pure Python."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agentls.tools.base import (
    ToolContext,
    ToolError,
    ToolLocation,
    ToolOutcome,
    cut,
    display_path,
    optional_bool,
    optional_int,
    optional_str,
    require_str,
    split_lines,
)
from agentls.tools.walk import walk
from agentls.workspace.documents import DocumentReadError, read_text
from agentls.workspace.paths import relative_display, resolve_in_workspace

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec  # loaded by the first glob: start-up does not need it

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_CAP = 500
MAX_FILE_BYTES = 2_000_000
MAX_LINE_CHARS = 300
MAX_LOCATIONS = 20
# Python's re cannot be interrupted, but between files we can stop a search that has
# become pointless; the model gets what was found and a hint to narrow it.
TIME_LIMIT_SECONDS = 30.0
_MAX_GLOB_ALTERNATIVES = 64

_DESCRIPTION = """\
Search the workspace's text files for a regular expression, like ripgrep. Returns one \
line per match as `path:line: text` (paths relative to the workspace root, lines \
numbered from 1, long lines cut to 300 characters), sorted by path then line.

The pattern uses Python `re` syntax and is matched against each line on its own, so it \
cannot span lines. Escape metacharacters such as ( [ . * + ? to match them literally.

Hidden files and directories, files ignored by .gitignore, binary files and files over \
2 MB are skipped, unless you name such a file directly in `path`. Files open in the \
editor are searched as the user sees them, unsaved changes included.

Use it to find definitions, usages, and where to look, then read the relevant lines \
with str_replace_based_edit_tool's `view` and its `view_range`."""

_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "pattern": {
            "type": "string",
            "description": "Python regular expression, e.g. `def \\w+_handler` or `TODO`.",
        },
        "path": {
            "type": "string",
            "description": "File or directory to search, relative to the workspace root. "
            "Defaults to the whole workspace.",
        },
        "glob": {
            "type": "string",
            "description": "Only search files matching this gitignore-style glob, e.g. "
            "`*.py`, `*.{ts,tsx}` or `src/**/*.rs`. Without a `/` it matches file names "
            "at any depth; with one, paths relative to the workspace root or to `path`.",
        },
        "case_sensitive": {
            "type": "boolean",
            "description": "Whether letter case must match. Default true.",
        },
        "max_results": {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_RESULTS_CAP,
            "description": f"Most matching lines to return. Default {DEFAULT_MAX_RESULTS}, "
            f"at most {MAX_RESULTS_CAP}.",
        },
    },
    "required": ["pattern"],
    "additionalProperties": False,
}


@dataclass(frozen=True)
class _Query:
    pattern: str
    regex: re.Pattern[str]
    path: str
    glob: str | None
    globs: GitIgnoreSpec | None
    case_sensitive: bool
    max_results: int


@dataclass
class _Found:
    lines: list[str] = field(default_factory=list)
    locations: list[ToolLocation] = field(default_factory=list)
    total: int = 0
    timed_out: bool = False


class SearchTool:
    name = "search"
    kind = "search"

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "description": _DESCRIPTION, "input_schema": _INPUT_SCHEMA}

    def title(self, tool_input: dict[str, Any], root: Path | None = None) -> str:
        pattern = tool_input.get("pattern")
        if not isinstance(pattern, str):
            return "Search"
        shown = display_path(tool_input.get("path"), root)
        where = f" in {shown}" if shown not in (None, ".", "./") else ""
        return f"Search /{cut(pattern, 60)}/{where}"

    def kind_for(self, tool_input: dict[str, Any]) -> str:
        del tool_input
        return self.kind

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolOutcome:
        query = _parse(tool_input)
        stop = threading.Event()
        try:
            return await asyncio.to_thread(_search_sync, ctx, query, stop)
        finally:
            # On cancellation the thread keeps running until it notices this.
            stop.set()


def _parse(tool_input: dict[str, Any]) -> _Query:
    pattern = require_str(tool_input, "pattern")
    if not pattern:
        raise ToolError("`pattern` is empty; give a regular expression to search for")
    path = optional_str(tool_input, "path")
    if path is None:
        path = "."  # an empty string is refused later like any other bad path
    glob = optional_str(tool_input, "glob") or None
    case_sensitive = optional_bool(tool_input, "case_sensitive", True)
    max_results = optional_int(tool_input, "max_results", DEFAULT_MAX_RESULTS)
    if max_results < 1:
        raise ToolError(f"`max_results` must be at least 1, got {max_results}")
    try:
        regex = re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)
    except re.error as exc:
        raise ToolError(
            f"invalid regular expression /{cut(pattern, 200)}/: {exc}; use Python `re` "
            "syntax and escape metacharacters such as ( [ . * with a backslash"
        ) from None
    return _Query(
        pattern=pattern,
        regex=regex,
        path=path,
        glob=glob,
        globs=_compile_glob(glob) if glob else None,
        case_sensitive=case_sensitive,
        max_results=min(max_results, MAX_RESULTS_CAP),
    )


def _expand_braces(glob: str) -> list[str]:
    # gitignore globs have no {a,b}; models use it all the time (ripgrep and shells do).
    match = re.search(r"\{([^{}]*)\}", glob)
    if match is None:
        return [glob]
    expanded: list[str] = []
    for alternative in match.group(1).split(","):
        expanded += _expand_braces(glob[: match.start()] + alternative + glob[match.end() :])
        if len(expanded) > _MAX_GLOB_ALTERNATIVES:
            raise ToolError(f"`glob` {glob!r} expands to too many alternatives; simplify it")
    return expanded


def _compile_glob(glob: str) -> GitIgnoreSpec:
    if "\0" in glob or "\n" in glob:
        raise ToolError("`glob` must be a single line without NUL bytes, e.g. `*.py`")
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(_expand_braces(glob))


def _glob_matches(query: _Query, root: Path, base: Path, file: Path) -> bool:
    if query.globs is None:
        return True
    for anchor in (root, base):
        if query.globs.check_file(file.relative_to(anchor).as_posix()).include:
            return True
    return False


def _search_sync(ctx: ToolContext, query: _Query, stop: threading.Event) -> ToolOutcome:
    base = resolve_in_workspace(ctx.root, query.path)
    where = relative_display(ctx.root, base)
    if base.is_dir():
        files: Iterable[Path] = (
            entry.path
            for entry in walk(ctx.root, base, stop=stop)
            if not entry.is_dir
            and not entry.is_symlink
            and _glob_matches(query, ctx.root, base, entry.path)
        )
        explicit = False
    elif base.exists() or (ctx.documents and ctx.documents.open_document_text(base) is not None):
        files, explicit = [base], True
    else:
        raise ToolError(f"{where} does not exist; search a directory that does, e.g. '.'")

    found = _Found()
    deadline = time.monotonic() + TIME_LIMIT_SECONDS
    for file in files:
        if stop.is_set():
            break
        if time.monotonic() > deadline:
            found.timed_out = True
            break
        _search_file(ctx, query, file, explicit, found)
    return _report(query, where, found)


def _search_file(
    ctx: ToolContext, query: _Query, file: Path, explicit: bool, found: _Found
) -> None:
    try:
        text = read_text(file, ctx.documents, max_bytes=MAX_FILE_BYTES)
    except DocumentReadError as exc:
        if explicit:
            rel = relative_display(ctx.root, file)
            raise ToolError(f"{rel}: {exc.reason}; nothing was searched") from None
        return
    except OSError:
        if explicit:
            raise
        return  # a file that vanished or is unreadable mid-walk is not worth failing for
    rel = ""
    located = False
    for number, line in enumerate(split_lines(text), start=1):
        if query.regex.search(line) is None:
            continue
        rel = rel or relative_display(ctx.root, file)
        found.total += 1
        if len(found.lines) < query.max_results:
            found.lines.append(f"{rel}:{number}: {cut(line, MAX_LINE_CHARS)}")
        if not located and len(found.locations) < MAX_LOCATIONS:
            found.locations.append(ToolLocation(str(file), number))
            located = True


def _report(query: _Query, where: str, found: _Found) -> ToolOutcome:
    lines = list(found.lines)
    if found.total > len(found.lines):
        lines.append(
            f"[{found.total - len(found.lines)} more matches not shown; narrow the pattern or path]"
        )
    if found.timed_out:
        lines.append(
            f"[search stopped after {TIME_LIMIT_SECONDS:.0f} s, so results are incomplete; "
            "narrow the path or glob]"
        )
    if not found.lines and not found.timed_out:
        filters = [f"glob {query.glob!r}"] if query.glob else []
        if not query.case_sensitive:
            filters.append("case-insensitive")
        extra = f" ({', '.join(filters)})" if filters else ""
        place = "the workspace" if where == "." else where
        lines = [
            f"No matches for /{cut(query.pattern, 200)}/ in {place}{extra}. Hidden, "
            ".gitignore'd, binary and over-2 MB files were skipped."
        ]
    return ToolOutcome("\n".join(lines), locations=found.locations)
