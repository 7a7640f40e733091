"""The search tool: ripgrep over the workspace, in a child process that a cancel or the time
limit kills, merged with the editor's open buffers, which are searched as the user sees them.

Python's `re` would run on the server's own interpreter lock, and a backtracking pattern such
as `(a+)+$` would hold every session (and the exit) for as long as it runs; ripgrep's engine
takes linear time, and a process can be killed.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from agentls.tools import ripgrep
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
)
from agentls.tools.processes import child_env, run_guarded
from agentls.tools.walk import LINEAR, visible
from agentls.workspace.documents import DocumentReadError, read_text
from agentls.workspace.paths import relative_display, resolve_in_workspace

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec  # loaded by the first glob: start-up does not need it

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS_CAP = 500
MAX_FILE_BYTES = 2_000_000
MAX_LINE_CHARS = 300
MAX_LOCATIONS = 20
# A search over a huge tree is stopped here (the process is killed); the model gets what
# was found and a hint to narrow it.
TIME_LIMIT_SECONDS = 30.0
MAX_ERROR_CHARS = 600
_MAX_GLOB_ALTERNATIVES = 64
_LONE_CR = re.compile(r"\r(?!\n)")

_DESCRIPTION = """\
Search the workspace's text files for a regular expression, like ripgrep (it is ripgrep). \
Returns one line per match as `path:line: text` (paths relative to the workspace root, \
lines numbered from 1, long lines cut to 300 characters), sorted by path then line.

The pattern uses ripgrep's syntax, which is close to Python's `re` (`\\w`, `\\b`, `(?i)`, \
`(?P<name>...)`; look-around and backreferences work too), and is matched against each \
line on its own, so it cannot span lines. Escape metacharacters such as ( [ . * + ? to \
match them literally.

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
            "description": "Regular expression (ripgrep syntax), e.g. `def \\w+_handler` or "
            "`TODO`.",
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


@runtime_checkable
class ListsOpenDocuments(Protocol):
    """A document source that can say which documents the editor has open."""

    def open_document_paths(self) -> list[Path]: ...


@dataclass(frozen=True)
class _Query:
    pattern: str
    path: str
    glob: str | None
    globs: GitIgnoreSpec | None
    case_sensitive: bool
    max_results: int


@dataclass
class _Run:
    """One search: what it asks, what it found, and what kept it from being complete."""

    ctx: ToolContext
    query: _Query
    top: ripgrep.TopMatches
    deadline: float
    timed_out: bool = False
    errors: list[str] = field(default_factory=list)


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
        base = resolve_in_workspace(ctx.root, query.path)
        where = relative_display(ctx.root, base)
        run = _Run(
            ctx,
            query,
            ripgrep.TopMatches(query.max_results, MAX_LOCATIONS),
            time.monotonic() + TIME_LIMIT_SECONDS,
        )
        files = ripgrep.TextFiles()
        try:
            if base.is_dir():
                await _search_tree(run, base, files)
            else:
                await _search_one(run, base, where, files)
        finally:
            files.close()
        await _recount_lone_carriage_returns(run)
        return _report(run, where)


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
    return _Query(
        pattern=pattern,
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

    return GitIgnoreSpec.from_lines(_expand_braces(glob), backend=LINEAR)


def _glob_matches(query: _Query, root: Path, base: Path, file: Path) -> bool:
    if query.globs is None:
        return True
    for anchor in (root, base):
        if query.globs.check_file(file.relative_to(anchor).as_posix()).include:
            return True
    return False


def _rg_options(query: _Query) -> list[str]:
    options = [
        "--no-config",  # not the user's RIPGREP_CONFIG_PATH
        "--heading",
        "--null",
        "--line-number",
        "--with-filename",
        "--color=never",
        "--crlf",  # `$` matches before a CRLF line end, as it does in the editor's lines
        "--engine=auto",  # look-around and backreferences fall back to PCRE2
        f"--max-filesize={MAX_FILE_BYTES}",
        # .gitignore files only (also outside a git repository), as the workspace walk does.
        "--no-require-git",
        "--no-ignore-dot",
        "--no-ignore-global",
        "--no-ignore-exclude",
    ]
    if not query.case_sensitive:
        options.append("--ignore-case")
    return options


def _globs(query: _Query, root: Path, base: Path) -> list[str]:
    if query.glob is None:
        return []
    globs = [query.glob]
    if "/" in query.glob.strip("/") and base != root:
        globs.append(f"{base.relative_to(root).as_posix()}/{query.glob.lstrip('/')}")
    return [f"--glob={glob}" for glob in globs]


async def _search_tree(run: _Run, base: Path, files: ripgrep.TextFiles) -> None:
    ctx, query = run.ctx, run.query
    buffers = await asyncio.to_thread(_open_buffers, ctx, query, base)
    for path, text in buffers.items():
        files.add(path, text)
    root_prefix = b"./"

    def resolve(name: bytes) -> tuple[bytes, Path] | None:
        buffered = files.names.get(name)
        if buffered is not None:
            return ripgrep.sort_key(os.fsencode(buffered.relative_to(ctx.root))), buffered
        rel = name[len(root_prefix) :] if name.startswith(root_prefix) else name
        path = ctx.root / os.fsdecode(rel)
        if path in buffers:
            return None  # the editor's buffer stands for it
        return ripgrep.sort_key(rel), path

    start = "." if base == ctx.root else base.relative_to(ctx.root).as_posix()
    argv = [*_globs(query, ctx.root, base), "--", start, *files.names_as_args()]
    await _rg(run, argv, files, resolve)


def _open_buffers(ctx: ToolContext, query: _Query, base: Path) -> dict[Path, str]:
    """The editor's open documents under `base` that a walk would search, by path, with
    their text as rg should see it. Runs on a worker thread."""
    documents = ctx.documents
    if not isinstance(documents, ListsOpenDocuments):
        return {}
    found: dict[Path, str] = {}
    for path in sorted(documents.open_document_paths()):
        if not visible(ctx.root, base, path) or not _glob_matches(query, ctx.root, base, path):
            continue
        text = documents.open_document_text(path)
        if text is not None:
            found[path] = _LONE_CR.sub("\n", text)
    return found


async def _search_one(run: _Run, file: Path, where: str, files: ripgrep.TextFiles) -> None:
    """A file named in `path`: searched even if hidden, ignored or only open in the editor."""
    text = await asyncio.to_thread(_read_named_file, run.ctx, file, where)
    name = files.add(file, _LONE_CR.sub("\n", text))
    key = ripgrep.sort_key(os.fsencode(file.relative_to(run.ctx.root)))
    await _rg(run, ["--", name], files, lambda _name: (key, file))


def _read_named_file(ctx: ToolContext, file: Path, where: str) -> str:
    documents = ctx.documents
    if not file.exists() and (documents is None or documents.open_document_text(file) is None):
        raise ToolError(f"{where} does not exist; search a directory that does, e.g. '.'")
    try:
        return read_text(file, documents, max_bytes=MAX_FILE_BYTES)
    except DocumentReadError as exc:
        raise ToolError(f"{where}: {exc.reason}; nothing was searched") from None


async def _rg(
    run: _Run, paths: list[str], files: ripgrep.TextFiles, resolve: ripgrep.Resolver
) -> None:
    ctx, query = run.ctx, run.query
    argv = [ripgrep.rg_path(), *_rg_options(query), "--regexp", query.pattern, *paths]
    stderr = bytearray()

    def on_error(chunk: bytes) -> None:
        if len(stderr) < 64 << 10:
            stderr.extend(chunk)

    run.top.resolve = resolve
    remaining = max(0.0, run.deadline - time.monotonic())
    finished = await run_guarded(
        argv,
        cwd=ctx.root,
        env=child_env(),
        timeout=remaining,
        on_output=run.top.feed,
        on_error=on_error,
        pass_fds=files.fds,
    )
    run.top.finish()
    run.timed_out = run.timed_out or finished.timed_out
    message = stderr.decode("utf-8", errors="replace").strip()
    if finished.returncode == 2 and _is_pattern_error(message):
        raise ToolError(
            f"invalid regular expression /{cut(query.pattern, 200)}/: {_pattern_error(message)}; "
            "the pattern uses ripgrep's syntax: escape metacharacters such as ( [ . * with a "
            "backslash"
        )
    if message:
        run.errors += [line.removeprefix("rg: ") for line in message.splitlines() if line]


def _is_pattern_error(message: str) -> bool:
    return message.startswith("rg: regex") or "error compiling pattern" in message


def _pattern_error(message: str) -> str:
    """rg's two-engine report, down to its reasons: `unclosed group (PCRE2: missing …)`."""
    reasons = re.findall(r"^error: (.+)$", message, re.MULTILINE)
    pcre = re.findall(r"PCRE2: error compiling pattern at offset \d+: (.+)$", message, re.M)
    if not reasons and not pcre:
        return cut(message.removeprefix("rg: "), MAX_ERROR_CHARS)
    text = "; ".join(reasons) or f"PCRE2: {pcre[0]}"
    if reasons and pcre:
        text += f" (nor as PCRE2: {pcre[0]})"
    return cut(text, MAX_ERROR_CHARS)


async def _recount_lone_carriage_returns(run: _Run) -> None:
    """Shown files whose lines end in a lone CR (which rg does not count as a line end, and
    editors do) are searched again with those turned into LF, so line numbers match the
    editor's. Rare, so only the files being shown are checked."""
    if run.timed_out:
        return
    ctx = run.ctx
    shown = run.top.shown_files()
    texts = await asyncio.to_thread(_texts_with_lone_carriage_returns, ctx, shown)
    if not texts:
        return
    run.top.drop(set(texts))
    files = ripgrep.TextFiles()
    try:
        for path, text in texts.items():
            files.add(path, _LONE_CR.sub("\n", text))
        keys = {
            name: (ripgrep.sort_key(os.fsencode(path.relative_to(ctx.root))), path)
            for name, path in files.names.items()
        }
        await _rg(run, ["--", *files.names_as_args()], files, keys.get)
    finally:
        files.close()


def _texts_with_lone_carriage_returns(ctx: ToolContext, paths: set[Path]) -> dict[Path, str]:
    found: dict[Path, str] = {}
    for path in paths:
        if ctx.documents is not None and ctx.documents.open_document_text(path) is not None:
            continue  # a buffer: already searched with its line ends made plain
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            continue
        if len(data) <= MAX_FILE_BYTES and ripgrep.lone_carriage_returns(data):
            found[path] = data.decode("utf-8", errors="replace")
    return found


def _report(run: _Run, where: str) -> ToolOutcome:
    ctx, query, top = run.ctx, run.query, run.top
    matches = top.matches()
    lines = [
        f"{relative_display(ctx.root, m.path)}:{m.line}: "
        f"{cut(m.text.decode('utf-8', errors='replace'), MAX_LINE_CHARS)}"
        for m in matches
    ]
    locations = [ToolLocation(str(m.path), m.line) for m in top.locations()]
    if top.total > len(matches):
        lines.append(
            f"[{top.total - len(matches)} more matches not shown; narrow the pattern or path]"
        )
    if run.timed_out:
        lines.append(
            f"[search stopped after {TIME_LIMIT_SECONDS:.0f} s, so results are incomplete; "
            "narrow the path or glob]"
        )
    if run.errors:
        lines.append(
            f"[{len(run.errors)} files could not be searched, e.g. "
            f"{cut(run.errors[0], MAX_ERROR_CHARS)}]"
        )
    if not matches and not run.timed_out:
        filters = [f"glob {query.glob!r}"] if query.glob else []
        if not query.case_sensitive:
            filters.append("case-insensitive")
        extra = f" ({', '.join(filters)})" if filters else ""
        place = "the workspace" if where == "." else where
        lines = [
            f"No matches for /{cut(query.pattern, 200)}/ in {place}{extra}. Hidden, "
            ".gitignore'd, binary and over-2 MB files were skipped.",
            *lines[len(matches) :],
        ]
    return ToolOutcome("\n".join(lines), locations=locations)
