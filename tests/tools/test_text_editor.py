from __future__ import annotations

from pathlib import Path

import pytest

from agentls.tools import ToolContext, ToolLocation
from agentls.tools.text_editor import MAX_VIEW_CHARS, TextEditorTool

from .helpers import EDITOR, FakeDocuments, call, view, write


def test_definition_is_the_anthropic_schema_less_tool() -> None:
    assert TextEditorTool().definition() == {
        "type": "text_editor_20250728",
        "name": "str_replace_based_edit_tool",
    }


async def test_view_file_with_line_numbers(ctx: ToolContext, root: Path) -> None:
    write(root, "src/app.py", "import os\n\ndef main():\n    pass\n")
    outcome = await view(ctx, "src/app.py")
    assert not outcome.is_error
    assert outcome.text == "     1\timport os\n     2\t\n     3\tdef main():\n     4\t    pass"
    assert outcome.locations == [ToolLocation(str(root / "src/app.py"), 1)]


async def test_view_accepts_absolute_path_inside(ctx: ToolContext, root: Path) -> None:
    write(root, "a.txt", "hello\n")
    outcome = await view(ctx, str(root / "a.txt"))
    assert outcome.text == "     1\thello"


async def test_view_counts_lines_like_the_editor(ctx: ToolContext, root: Path) -> None:
    write(root, "mixed.txt", b"one\r\ntwo\rthree\x0cstill three\nfour")
    outcome = await view(ctx, "mixed.txt")
    assert outcome.text.split("\n")[2] == "     3\tthree\x0cstill three"
    assert outcome.text.endswith("     4\tfour")


@pytest.mark.parametrize(
    ("view_range", "first", "last"),
    [([2, 3], 2, 3), ([2, -1], 2, 5), ([5, 5], 5, 5), ([1, 1], 1, 1)],
)
async def test_view_range(
    ctx: ToolContext, root: Path, view_range: list[int], first: int, last: int
) -> None:
    write(root, "f.txt", "".join(f"line {n}\n" for n in range(1, 6)))
    outcome = await view(ctx, "f.txt", view_range=view_range)
    assert not outcome.is_error
    numbers = [int(line.split("\t")[0]) for line in outcome.text.splitlines()]
    assert numbers == list(range(first, last + 1))
    assert outcome.locations[0].line == first


async def test_view_range_end_past_the_file_is_clamped(ctx: ToolContext, root: Path) -> None:
    write(root, "f.txt", "a\nb\nc\n")
    outcome = await view(ctx, "f.txt", view_range=[2, 99])
    assert not outcome.is_error
    assert outcome.text == "     2\tb\n     3\tc\n[f.txt ends at line 3]"


@pytest.mark.parametrize(
    ("view_range", "message"),
    [
        ([0, 2], "start 0 is outside f.txt, which has 3 lines"),
        ([4, 5], "start 4 is outside"),
        ([-1, 2], "start -1 is outside"),
        ([3, 2], "end 2 is before its start 3"),
        ([2, -2], "end -2 is before"),
        ([1], "must be two integers"),
        ([1, 2, 3], "must be two integers"),
        ("1,2", "must be two integers"),
        ([1.0, 2], "must be two integers"),
        ([True, 2], "must be two integers"),
        ({"start": 1}, "must be two integers"),
    ],
)
async def test_view_range_errors(
    ctx: ToolContext, root: Path, view_range: object, message: str
) -> None:
    write(root, "f.txt", "a\nb\nc\n")
    outcome = await view(ctx, "f.txt", view_range=view_range)
    assert outcome.is_error
    assert message in outcome.text


async def test_view_range_on_empty_file_and_directory(ctx: ToolContext, root: Path) -> None:
    write(root, "empty.txt", "")
    assert (await view(ctx, "empty.txt")).text == "[empty.txt is empty]"
    outcome = await view(ctx, "empty.txt", view_range=[1, 1])
    assert outcome.is_error and "empty" in outcome.text
    write(root, "d/x.txt", "x")
    outcome = await view(ctx, "d", view_range=[1, 2])
    assert outcome.is_error and "d is a directory" in outcome.text


async def test_truncation_by_lines(ctx: ToolContext, root: Path) -> None:
    write(root, "blank.txt", "\n" * 5234)
    outcome = await view(ctx, "blank.txt")
    lines = outcome.text.splitlines()
    assert (
        lines[-1]
        == "[truncated: showing lines 1-2000 of 5234; use view_range [2001, -1] to see more]"
    )
    assert len(lines) == 2001


async def test_truncation_by_characters(ctx: ToolContext, root: Path) -> None:
    write(root, "wide.txt", "".join(f"{n:04d}" + "x" * 96 + "\n" for n in range(1, 1001)))
    outcome = await view(ctx, "wide.txt", view_range=[10, 900])
    body, note = outcome.text.rsplit("\n", 1)
    assert len(body) <= MAX_VIEW_CHARS
    last = int(body.splitlines()[-1].split("\t")[0])
    assert note == (
        f"[truncated: showing lines 10-{last} of 1000; "
        f"use view_range [{last + 1}, 900] to see more]"
    )


async def test_one_huge_line_is_cut(ctx: ToolContext, root: Path) -> None:
    write(root, "min.js", "y" * 100_000 + "\nsecond\n")
    outcome = await view(ctx, "min.js")
    assert "[98000 more characters]" in outcome.text
    assert "     2\tsecond" in outcome.text
    assert len(outcome.text) < MAX_VIEW_CHARS


async def test_view_directory_two_levels(ctx: ToolContext, root: Path) -> None:
    write(root, ".gitignore", "*.log\nbuild/\n")
    write(root, "README.md", "r")
    write(root, "src/app.py", "a")
    write(root, "src/pkg/mod.py", "m")
    write(root, "src/pkg/deep/too_deep.py", "d")
    write(root, "src/debug.log", "ignored")
    write(root, "build/out.js", "ignored")
    write(root, ".hidden/x", "hidden")
    write(root, "src/.env", "hidden")
    outcome = await view(ctx, ".")
    assert not outcome.is_error
    header, *entries = outcome.text.splitlines()
    assert "2 levels deep in the workspace root" in header
    assert entries == ["README.md", "src/", "src/app.py", "src/pkg/"]
    sub = await view(ctx, "src/")
    assert sub.text.splitlines()[1:] == [
        "src/app.py",
        "src/pkg/",
        "src/pkg/deep/",
        "src/pkg/mod.py",
    ]
    assert sub.locations == [ToolLocation(str(root / "src"))]


async def test_view_ignored_directory_by_name(ctx: ToolContext, root: Path) -> None:
    write(root, ".gitignore", "build/\n")
    write(root, "build/out.js", "x")
    assert (await view(ctx, ".")).text.splitlines()[1:] == ["(no entries)"]
    assert (await view(ctx, "build")).text.splitlines()[1:] == ["build/out.js"]


async def test_view_directory_truncated(ctx: ToolContext, root: Path) -> None:
    for n in range(600):
        write(root, f"many/f{n:03d}.txt", "x")
    outcome = await view(ctx, "many")
    lines = outcome.text.splitlines()
    assert len(lines) == 1 + 500 + 1
    assert lines[-1] == "[truncated: showing 500 of 600 entries; view a subdirectory to see more]"


async def test_view_empty_directory(ctx: ToolContext, root: Path) -> None:
    (root / "empty").mkdir()
    assert (await view(ctx, "empty")).text.endswith("(no entries)")


async def test_buffer_wins_over_disk(root: Path) -> None:
    path = write(root, "a.py", "on disk\n")
    docs = FakeDocuments({path: "unsaved\nedit\n", root / "new.py": "never saved\n"})
    ctx = ToolContext(root, docs)
    assert (await view(ctx, "a.py")).text == "     1\tunsaved\n     2\tedit"
    assert (await view(ctx, "new.py")).text == "     1\tnever saved"
    assert (await view(ctx, "a.py", view_range=[2, 2])).text == "     2\tedit"


async def test_missing_and_binary_files(ctx: ToolContext, root: Path) -> None:
    outcome = await view(ctx, "nope.py")
    assert outcome.is_error and "nope.py does not exist" in outcome.text
    write(root, "img.png", b"\x89PNG\0\0\0")
    outcome = await view(ctx, "img.png")
    assert outcome.is_error and outcome.text == "img.png: binary file, not shown"


async def test_unknown_and_missing_command(ctx: ToolContext) -> None:
    outcome = await call(ctx, EDITOR, {"command": "delete", "path": "a"})
    assert (
        outcome.is_error and "unknown command `delete`" in outcome.text and "`view`" in outcome.text
    )
    outcome = await call(ctx, EDITOR, {"path": "a"})
    assert outcome.is_error and "missing required field `command`" in outcome.text
    outcome = await call(ctx, EDITOR, {"command": "view"})
    assert outcome.is_error and "missing required field `path`" in outcome.text
    outcome = await call(ctx, EDITOR, {"command": "view", "path": 3})
    assert outcome.is_error and "`path` must be a string, got integer" in outcome.text


def test_title_and_kind(root: Path) -> None:
    tool = TextEditorTool()
    (root / "src").mkdir()
    assert tool.title({"command": "view", "path": "src/app.py"}) == "Read src/app.py"
    assert tool.title({"command": "view", "path": "src"}, root) == "List src"
    assert tool.title({"command": "view", "path": str(root / "a.py")}, root) == "Read a.py"
    assert tool.title({"command": "view", "path": "./"}) == "List ./"
    assert tool.title({"command": "str_replace", "path": "a.py"}) == "Edit a.py"
    assert tool.title({"command": "create"}) == "Create"
    assert tool.title({}) == "Text editor"
    assert tool.title({"command": 5, "path": None}) == "Text editor"
    assert tool.kind_for({"command": "view"}) == "read"
    assert tool.kind_for({"command": "insert"}) == "edit"
    assert tool.kind_for({}) == "edit"
