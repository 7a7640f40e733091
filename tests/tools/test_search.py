from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentls.tools import ToolContext, ripgrep
from agentls.tools import search as search_module
from agentls.tools.search import SearchTool

from .helpers import FakeDocuments, call, search, write


def _files(text: str) -> list[str]:
    if text.startswith("No matches"):
        return []
    return [line.split(":", 1)[0] for line in text.splitlines() if not line.startswith("[")]


def test_definition_is_a_valid_custom_tool() -> None:
    definition = SearchTool().definition()
    assert definition["name"] == "search"
    assert len(definition["description"]) > 200
    schema = definition["input_schema"]
    assert schema["type"] == "object"
    assert schema["required"] == ["pattern"]
    assert set(schema["properties"]) == {"pattern", "path", "glob", "case_sensitive", "max_results"}


async def test_matches_are_sorted_by_path_then_line(ctx: ToolContext, root: Path) -> None:
    write(root, "b.py", "x = 1\nfoo()\nfoo again\n")
    write(root, "a/z.py", "foo\n")
    write(root, "a.py", "nothing\nfoo\n")
    outcome = await search(ctx, r"foo")
    assert not outcome.is_error
    assert outcome.text.splitlines() == [
        "a/z.py:1: foo",
        "a.py:2: foo",
        "b.py:2: foo()",
        "b.py:3: foo again",
    ]
    assert [(loc.path, loc.line) for loc in outcome.locations] == [
        (str(root / "a/z.py"), 1),
        (str(root / "a.py"), 2),
        (str(root / "b.py"), 2),
    ]


async def test_line_numbers_follow_editor_line_breaks(ctx: ToolContext, root: Path) -> None:
    write(root, "crlf.txt", b"a\r\nb\rneedle\n")
    assert (await search(ctx, "needle$")).text == "crlf.txt:3: needle"


async def test_gitignore_root_nested_and_negation(ctx: ToolContext, root: Path) -> None:
    write(root, ".gitignore", "*.log\nbuild/\n")
    write(root, "app.py", "hit\n")
    write(root, "debug.log", "hit\n")
    write(root, "build/out.js", "hit\n")
    write(root, "pkg/.gitignore", "generated/\n!keep.log\n")
    write(root, "pkg/generated/gen.py", "hit\n")
    write(root, "pkg/keep.log", "hit\n")
    write(root, "pkg/other.log", "hit\n")
    # pkg's rules apply only inside pkg.
    write(root, "generated/top.py", "hit\n")
    write(root, "pkg/sub/.gitignore", "*.py\n")
    write(root, "pkg/sub/a.py", "hit\n")
    write(root, "pkg/sub/a.txt", "hit\n")
    outcome = await search(ctx, "hit")
    assert _files(outcome.text) == [
        "app.py",
        "generated/top.py",
        "pkg/keep.log",
        "pkg/sub/a.txt",
    ]
    # Searching below the root still applies the ancestors' .gitignore files.
    assert _files((await search(ctx, "hit", path="pkg")).text) == ["pkg/keep.log", "pkg/sub/a.txt"]
    # Naming an ignored directory or file explicitly searches it.
    assert _files((await search(ctx, "hit", path="build")).text) == ["build/out.js"]
    assert _files((await search(ctx, "hit", path="debug.log")).text) == ["debug.log"]


async def test_named_directory_inside_an_ignored_one(ctx: ToolContext, root: Path) -> None:
    write(root, ".gitignore", "node_modules\n*.map\n")
    write(root, "node_modules/pkg/index.js", "hit\n")
    write(root, "node_modules/pkg/index.js.map", "hit\n")
    write(root, "node_modules/pkg/.gitignore", "dist/\n")
    write(root, "node_modules/pkg/dist/x.js", "hit\n")
    assert _files((await search(ctx, "hit")).text) == []
    outcome = await search(ctx, "hit", path="node_modules/pkg")
    # Only the patterns that ignore the named directory itself are lifted.
    assert _files(outcome.text) == ["node_modules/pkg/index.js"]


async def test_pipes_and_sockets_are_skipped(ctx: ToolContext, root: Path) -> None:
    os.mkfifo(root / "fifo")  # opening it would block forever
    write(root, "ok.txt", "hit\n")
    assert _files((await search(ctx, "hit")).text) == ["ok.txt"]
    outcome = await search(ctx, "hit", path="fifo")
    assert outcome.is_error and "not a regular file" in outcome.text


async def test_search_a_file_open_only_in_the_editor(root: Path) -> None:
    ctx = ToolContext(root, FakeDocuments({root / "draft.py": "hit\n"}))
    assert (await search(ctx, "hit", path="draft.py")).text == "draft.py:1: hit"


async def test_hidden_binary_and_large_files_are_skipped(ctx: ToolContext, root: Path) -> None:
    write(root, ".git/config", "hit\n")
    write(root, ".venv/lib.py", "hit\n")
    write(root, ".env", "hit\n")
    write(root, "bin.dat", b"hit\0\n")
    write(root, "big.txt", "hit\n" + "x" * 2_100_000)
    write(root, "ok.txt", "hit\n")
    assert _files((await search(ctx, "hit")).text) == ["ok.txt"]
    outcome = await search(ctx, "hit", path="bin.dat")
    assert outcome.is_error and "binary file" in outcome.text


async def test_glob(ctx: ToolContext, root: Path) -> None:
    for rel in ("a.py", "src/b.py", "src/deep/c.py", "src/d.ts", "e.tsx", "f.md"):
        write(root, rel, "hit\n")
    assert _files((await search(ctx, "hit", glob="*.py")).text) == [
        "a.py",
        "src/b.py",
        "src/deep/c.py",
    ]
    assert _files((await search(ctx, "hit", glob="*.{ts,tsx}")).text) == ["e.tsx", "src/d.ts"]
    assert _files((await search(ctx, "hit", glob="src/**/*.py")).text) == [
        "src/b.py",
        "src/deep/c.py",
    ]
    # A glob with a slash may also be relative to `path`.
    assert _files((await search(ctx, "hit", path="src", glob="deep/*.py")).text) == [
        "src/deep/c.py"
    ]
    outcome = await search(ctx, "hit", glob="*.rs")
    assert outcome.text.startswith("No matches for /hit/ in the workspace (glob '*.rs')")


async def test_case_sensitivity(ctx: ToolContext, root: Path) -> None:
    write(root, "a.txt", "Hello\nhello\nHELLO\n")
    assert len((await search(ctx, "hello")).text.splitlines()) == 1
    outcome = await search(ctx, "hello", case_sensitive=False)
    assert outcome.text.splitlines() == ["a.txt:1: Hello", "a.txt:2: hello", "a.txt:3: HELLO"]


async def test_max_results_and_cap(ctx: ToolContext, root: Path) -> None:
    write(root, "many.txt", "hit\n" * 700)
    outcome = await search(ctx, "hit", max_results=5)
    lines = outcome.text.splitlines()
    assert lines[:5] == [f"many.txt:{n}: hit" for n in range(1, 6)]
    assert lines[5:] == ["[695 more matches not shown; narrow the pattern or path]"]
    default = (await search(ctx, "hit")).text.splitlines()
    assert len(default) == 101 and default[-1].startswith("[600 more")
    capped = (await search(ctx, "hit", max_results=10_000)).text.splitlines()
    assert len(capped) == 501 and capped[-1].startswith("[200 more")


async def test_locations_are_capped(ctx: ToolContext, root: Path) -> None:
    for n in range(30):
        write(root, f"f{n:02d}.txt", "hit\nhit\n")
    outcome = await search(ctx, "hit")
    assert len(outcome.locations) == 20
    assert all(loc.line == 1 for loc in outcome.locations)


async def test_long_lines_are_cut(ctx: ToolContext, root: Path) -> None:
    write(root, "wide.txt", "hit" + "y" * 1000 + "\n")
    line = (await search(ctx, "hit")).text
    assert line == "wide.txt:1: hit" + "y" * 297 + "… [703 more characters]"


async def test_invalid_regex(ctx: ToolContext) -> None:
    outcome = await search(ctx, "foo(")
    assert outcome.is_error
    assert outcome.text == (
        "invalid regular expression /foo(/: unclosed group (nor as PCRE2: missing closing "
        "parenthesis); the pattern uses ripgrep's syntax: escape metacharacters such as ( [ . * "
        "with a backslash"
    )


async def test_python_style_patterns_work(ctx: ToolContext, root: Path) -> None:
    write(root, "a.py", "def on_click_handler(x):\nfoo = bar\nfoo_bar = 1\n")
    assert (await search(ctx, r"def \w+_handler\(")).text == "a.py:1: def on_click_handler(x):"
    # Look-around and backreferences, which ripgrep's default engine lacks, work too.
    assert (await search(ctx, r"foo(?!_)")).text == "a.py:2: foo = bar"
    assert (await search(ctx, r"(o)\1")).text.splitlines()[0] == "a.py:2: foo = bar"
    assert (await search(ctx, r"(?i)DEF")).text == "a.py:1: def on_click_handler(x):"


async def test_a_catastrophic_pattern_answers_at_once(ctx: ToolContext, root: Path) -> None:
    write(root, "evil.txt", ("a" * 5000 + "!\n") * 100 + "aaa\n")
    started = time.monotonic()
    outcome = await search(ctx, "(a+)+$")
    assert outcome.text == "evil.txt:101: aaa"
    assert time.monotonic() - started < 10


async def test_patterns_starting_with_a_dash_are_patterns(ctx: ToolContext, root: Path) -> None:
    write(root, "a.txt", "x --version y\n")
    assert (await search(ctx, "--version")).text == "a.txt:1: x --version y"


async def test_no_matches_message(ctx: ToolContext, root: Path) -> None:
    write(root, "src/a.py", "x\n")
    outcome = await search(ctx, "zzz", path="src", case_sensitive=False)
    assert not outcome.is_error
    assert outcome.text.startswith("No matches for /zzz/ in src (case-insensitive).")
    assert outcome.locations == []


async def test_buffers_win_over_disk(root: Path) -> None:
    path = write(root, "a.py", "old text\n")
    write(root, "b.py", "old text\n")
    docs = FakeDocuments({path: "line\nnew text\n"})
    ctx = ToolContext(root, docs)
    assert (await search(ctx, "new")).text == "a.py:2: new text"
    assert (await search(ctx, "old")).text == "b.py:1: old text"
    # Buffer lookups run off the event loop thread.
    assert threading.get_ident() not in docs.threads


async def test_unsaved_buffers_follow_the_walk_rules(root: Path) -> None:
    write(root, ".gitignore", "build/\n")
    write(root, "src/other.txt", "nothing\n")
    buffers = {
        root / "new.py": "hit in a file not yet on disk\n",
        root / "src" / "deep.py": "x\nhit deep\n",
        root / "build" / "gen.py": "hit\n",  # ignored
        root / ".hidden" / "h.py": "hit\n",  # hidden
        root / "notes.md": "hit in markdown\n",
    }
    ctx = ToolContext(root, FakeDocuments(buffers))
    assert (await search(ctx, "hit")).text.splitlines() == [
        "new.py:1: hit in a file not yet on disk",
        "notes.md:1: hit in markdown",
        "src/deep.py:2: hit deep",
    ]
    assert _files((await search(ctx, "hit", glob="*.py")).text) == ["new.py", "src/deep.py"]
    assert _files((await search(ctx, "hit", path="src")).text) == ["src/deep.py"]
    # Named directly, a buffer is searched whatever the rules say.
    assert (await search(ctx, "hit", path="build/gen.py")).text == "build/gen.py:1: hit"


async def test_many_files_keep_path_order_and_counts(ctx: ToolContext, root: Path) -> None:
    for n in range(300):
        write(root, f"d{n % 7}/f{n:03d}.txt", "hit\n" * (1 + n % 3))
    total = sum(1 + n % 3 for n in range(300))
    outcome = await search(ctx, "hit", max_results=50)
    lines = outcome.text.splitlines()
    expected = sorted(
        (f"d{n % 7}/f{n:03d}.txt", line) for n in range(300) for line in range(1, 2 + n % 3)
    )[:50]
    assert lines[:50] == [f"{path}:{line}: hit" for path, line in expected]
    assert lines[50] == f"[{total - 50} more matches not shown; narrow the pattern or path]"
    files = sorted(f"d{n % 7}/f{n:03d}.txt" for n in range(300))[:20]
    assert [(loc.path, loc.line) for loc in outcome.locations] == [
        (str(root / path), 1) for path in files
    ]


async def test_a_lone_carriage_return_in_an_earlier_line_keeps_numbers_right(
    ctx: ToolContext, root: Path
) -> None:
    write(root, "mac.txt", b"one\rtwo\r\nthree\nneedle\n")
    assert (await search(ctx, "needle")).text == "mac.txt:4: needle"
    assert (await search(ctx, "^two$")).text == "mac.txt:2: two"


class FakeRg:
    """A stand-in for `rg` that never finishes and leaves a child in a session of its own,
    so the test sees whether a cancel or the time limit ends them both."""

    def __init__(self, directory: Path) -> None:
        self.pids = directory / "pids"
        self.path = directory / "fake-rg"
        self.path.write_text(
            "#!/bin/sh\n"
            f"setsid sh -c 'echo $$ >> {self.pids}; exec sleep 300' &\n"
            f"echo $$ >> {self.pids}\n"
            "exec sleep 300\n"
        )
        self.path.chmod(0o755)

    def running(self) -> list[int]:
        if not self.pids.exists():
            return []
        return [int(pid) for pid in self.pids.read_text().split()]

    def survivors(self) -> list[int]:
        return [pid for pid in self.running() if _alive(pid)]


@pytest.fixture
def fake_rg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRg]:
    fake = FakeRg(tmp_path)
    monkeypatch.setattr(ripgrep, "rg_path", lambda: str(fake.path))
    yield fake
    for pid in fake.survivors():
        os.kill(pid, signal.SIGKILL)


async def _until(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_cancel_kills_the_search_and_all_it_started(
    ctx: ToolContext, fake_rg: FakeRg
) -> None:
    task = asyncio.create_task(search(ctx, "x"))
    await _until(lambda: len(fake_rg.running()) == 2, "the search to start")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _until(lambda: not fake_rg.survivors(), "every search process to die")


async def test_the_time_limit_kills_the_search(
    ctx: ToolContext, fake_rg: FakeRg, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_module, "TIME_LIMIT_SECONDS", 1.0)
    started = time.monotonic()
    outcome = await search(ctx, "x")
    assert time.monotonic() - started < 8
    assert "[search stopped after 1 s, so results are incomplete" in outcome.text
    await _until(lambda: not fake_rg.survivors(), "every search process to die")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


@pytest.mark.parametrize(
    ("tool_input", "message"),
    [
        ({}, "missing required field `pattern`"),
        ({"pattern": 3}, "`pattern` must be a string, got integer"),
        ({"pattern": ""}, "`pattern` is empty"),
        ({"pattern": "x", "path": ["a"]}, "`path` must be a string, got array"),
        ({"pattern": "x", "glob": 1}, "`glob` must be a string"),
        (
            {"pattern": "x", "case_sensitive": "yes"},
            "`case_sensitive` must be a boolean, got string",
        ),
        ({"pattern": "x", "max_results": "10"}, "`max_results` must be an integer, got string"),
        ({"pattern": "x", "max_results": True}, "`max_results` must be an integer, got boolean"),
        ({"pattern": "x", "max_results": 0}, "`max_results` must be at least 1"),
        ({"pattern": "x", "path": "missing"}, "missing does not exist"),
    ],
)
async def test_bad_input(ctx: ToolContext, tool_input: dict[str, object], message: str) -> None:
    outcome = await call(ctx, "search", tool_input)
    assert outcome.is_error
    assert message in outcome.text


def test_title() -> None:
    tool = SearchTool()
    assert tool.title({"pattern": "foo", "path": "src"}) == "Search /foo/ in src"
    assert tool.title({"pattern": "foo"}) == "Search /foo/"
    assert tool.title({}) == "Search"
    assert tool.kind_for({}) == "search"
