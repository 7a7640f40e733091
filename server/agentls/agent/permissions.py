"""Whether a tool call may run: the session's permission mode, what the user said to
remember, and otherwise the user, asked through ACP `session/request_permission`.

Two rules no mode relaxes. Edits to files that configure code execution (git's config and
hooks, editor tasks and settings, direnv, the project's agentls settings) ask even in
acceptAll, since the editor or git runs what they say without asking anyone. And "always"
covers exactly what its option says: a command prefix such as `git status …`, or, for
programs that run code named in their arguments (interpreters, shells, `env`, `xargs`,
`find -exec`, `git -c` …), the exact command only.
"""

from __future__ import annotations

import os
import re
import shlex
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

Ask = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

REJECTED = "Rejected by the user: do not retry this call; ask the user or try another way."
ASKING_KINDS = ("edit", "execute", "delete", "move", "mcp")
EDIT_KINDS = ("edit", "delete", "move")
PATH_FIELDS = ("path", "new_path", "destination", "target", "file_path")
MAX_SHOWN_COMMAND = 80

# Files that configure code something runs unasked (an editor opening the folder, git,
# direnv, a shell hook), matched per path component, case-insensitively.
EXEC_CONFIG_DIRS = {".git", ".vscode", ".idea", ".devcontainer", ".husky"}
EXEC_CONFIG_FILES = {".envrc", ".nvim.lua", ".nvimrc", ".exrc", ".pre-commit-config.yaml"}
EXEC_CONFIG_SUFFIXES = (".code-workspace",)
EXEC_CONFIG_PREFIXES = (".agentls",)  # the project's own agentls settings, file or folder

# Programs that run code named in their arguments, so no prefix of theirs is safe to remember.
RUNS_ARGUMENTS = frozenset(
    """
    python pypy node nodejs deno bun ruby irb perl php lua luajit tclsh wish julia rscript r
    guile racket sbcl clisp ghci runghc runhaskell scala kotlin groovy jshell erl escript
    elixir iex swift dotnet pwsh powershell osascript
    bash sh zsh dash ksh mksh fish csh tcsh ash busybox toybox
    env xargs find sudo doas su pkexec runuser timeout nice nohup ionice chrt taskset stdbuf
    unbuffer time command builtin exec eval source . setsid flock chroot unshare nsenter
    strace ltrace gdb lldb valgrind perf watch parallel entr watchexec script expect tmux
    screen at batch crontab systemd-run ssh npx pnpx bunx uvx pipx make gmake cmake ninja
    awk gawk mawk nawk sed vim vi nvim ex emacs tar rsync zip
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# ... or do so through one of their subcommands.
RUNS_ARGUMENTS_VIA = {
    "npm": {"exec", "x", "init", "create", "explore"},
    "pnpm": {"exec", "dlx", "create"},
    "yarn": {"exec", "dlx", "node", "create"},
    "uv": {"run", "tool"},
    "poetry": {"run"},
    "pipenv": {"run"},
    "pdm": {"run"},
    "hatch": {"run"},
    "conda": {"run"},
    "mamba": {"run"},
    "go": {"run", "generate", "tool"},
    "docker": {"run", "exec", "compose"},
    "podman": {"run", "exec"},
    "kubectl": {"exec", "run", "debug"},
}
# git runs code from `-c`, aliases, `--exec`, `--upload-pack`, `-O` …: only these
# subcommands are remembered as a prefix (`git status …`).
GIT_PREFIX_SUBCOMMANDS = {
    "status", "diff", "log", "show", "branch", "rev-parse", "ls-files", "ls-tree", "blame",
    "describe", "shortlog", "add", "rm", "mv", "restore", "switch", "checkout", "stash", "tag",
    "commit", "reset", "merge", "cherry-pick", "revert", "reflog", "cat-file", "remote",
}  # fmt: skip
_VERSION_SUFFIX = re.compile(r"[\d.]+$")
# Code points HFS+ ignores in names, so `.g\u200cit` is `.git` there.
_IGNORABLE = dict.fromkeys(
    [*range(0x200C, 0x2010), *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF]
)


@dataclass(frozen=True)
class Scope:
    """What an "always" answer covers: the key it is remembered by, and the words saying so."""

    key: tuple[str, ...]
    words: str


@dataclass
class PermissionGate:
    ask: Ask
    remembered: dict[tuple[str, ...], bool] = field(default_factory=dict)

    async def check(
        self,
        mode: str,
        session_id: str,
        tool_call: dict[str, Any],
        kind: str,
        tool_input: dict[str, Any],
        *,
        root: Path | None = None,
        tool_name: str = "",
    ) -> str | None:
        """None if the call may run, else the reason it may not (for the tool result)."""
        if kind not in ASKING_KINDS:
            return None
        if mode == "readOnly":
            return (
                "Refused: the session is read-only (permissionMode readOnly), so edits and "
                "commands do not run. Describe the change instead."
            )
        protected = exec_config_path(root, tool_input) if kind in EDIT_KINDS and root else None
        runs_code = kind in ("execute", "mcp")
        if protected is None and (mode == "acceptAll" or (mode == "default" and not runs_code)):
            return None
        scope = scope_of(kind, tool_input, protected, tool_name)
        remembered = self._remembered(kind, tool_input, scope)
        if remembered is not None:
            return None if remembered else REJECTED
        answer = await self.ask(
            {"sessionId": session_id, "toolCall": tool_call, "options": options(scope)}
        )
        outcome = answer.get("outcome") if isinstance(answer, dict) else None
        chosen = outcome.get("optionId") if isinstance(outcome, dict) else None
        if not isinstance(outcome, dict) or outcome.get("outcome") != "selected":
            return "Not run: the permission request was dismissed."
        if chosen in ("allow_always", "reject_always"):
            self.remembered[scope.key] = chosen == "allow_always"
        if chosen in ("allow_once", "allow_always"):
            return None
        if chosen in ("reject_once", "reject_always"):
            return REJECTED
        return f"Not run: the editor answered with an unknown option {chosen!r}."

    def _remembered(self, kind: str, tool_input: dict[str, Any], scope: Scope) -> bool | None:
        if scope.key in self.remembered:
            return self.remembered[scope.key]
        # A rejection may cover more than the question asked about; an allowance never does.
        wider = (
            ("execute", "prefix", command_prefix(str(tool_input.get("command", ""))))
            if kind == "execute"
            else (kind,)
        )
        return False if self.remembered.get(wider) is False else None


def options(scope: Scope) -> list[dict[str, str]]:
    return [
        {"optionId": "allow_once", "name": "Allow", "kind": "allow_once"},
        {"optionId": "allow_always", "name": f"Always allow {scope.words}", "kind": "allow_always"},
        {"optionId": "reject_once", "name": "Reject", "kind": "reject_once"},
        {
            "optionId": "reject_always",
            "name": f"Always reject {scope.words}",
            "kind": "reject_always",
        },
    ]


def scope_of(
    kind: str, tool_input: dict[str, Any], protected: str | None = None, tool_name: str = ""
) -> Scope:
    if protected is not None:
        return Scope((kind, "protected", protected), f"edits to `{protected}`")
    if kind == "mcp":  # per tool: one server's tools can differ wildly in what they do
        return Scope(("mcp", tool_name), f"calls of `{tool_name}`")
    if kind != "execute":
        noun = "edits" if kind == "edit" else f"{kind} calls"
        return Scope((kind,), f"{noun}, except to files that configure code execution")
    command = str(tool_input.get("command", ""))
    if runs_code_from_arguments(command):
        plain = len(command) <= MAX_SHOWN_COMMAND and not any(c in command for c in "`\n")
        words = f"`{command}` (this exact command only)" if plain else "this exact command"
        return Scope(("execute", "exact", command), words)
    prefix = command_prefix(command)
    return Scope(("execute", "prefix", prefix), f"`{prefix} …` commands")


def _is_compound(command: str) -> bool:
    return any(marker in command for marker in (";", "&", "|", "`", "$(", ">", "<", "\n"))


def runs_code_from_arguments(command: str) -> bool:
    """Whether only the exact command may be remembered: compound commands, and programs
    that can run any code given the right arguments."""
    if _is_compound(command):
        return True
    try:
        words = shlex.split(command)
    except ValueError:
        return True
    if not words or "=" in words[0] or "/" in words[0] or "$" in command:
        return True  # an assignment (LD_PRELOAD=…), a path (whatever the file says now)
    program = _VERSION_SUFFIX.sub("", words[0].lower()) or words[0]
    second = words[1] if len(words) > 1 else ""
    if program in RUNS_ARGUMENTS or second in RUNS_ARGUMENTS_VIA.get(program, ()):
        return True
    return program == "git" and second not in GIT_PREFIX_SUBCOMMANDS


def command_prefix(command: str) -> str:
    """What "always allow" covers for a command: its program and, when the second word is
    a subcommand rather than an option or a path, that too (`git status`, `npm test`)."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if not words:
        return ""
    second = words[1] if len(words) > 1 else "-"
    if not second.startswith("-") and "/" not in second and "." not in second:
        return f"{words[0]} {words[1]}"
    return words[0]


# ---- files that configure code execution ---------------------------------------------------


def exec_config_path(root: Path, tool_input: dict[str, Any]) -> str | None:
    """The workspace-relative path of the file this call would change, if that file
    configures code execution; spelled as it really is (symlinks resolved)."""
    for name in PATH_FIELDS:
        value = tool_input.get(name)
        if isinstance(value, str) and value and "\0" not in value:
            found = _protected(root, value)
            if found is not None:
                return found
    return None


def _protected(root: Path, user_path: str) -> str | None:
    candidate = Path(user_path) if os.path.isabs(user_path) else root / user_path
    lexical = Path(os.path.normpath(candidate))
    spellings = []
    try:
        real_root = root.resolve()
        resolved = candidate.resolve()
        if resolved.is_relative_to(real_root):
            spellings.append(resolved.relative_to(real_root))
    except (OSError, RuntimeError):
        pass  # the tool refuses what cannot be resolved
    if lexical.is_relative_to(root):
        spellings.append(lexical.relative_to(root))
    for rel in spellings:
        if any(_configures_execution(part) for part in rel.parts):
            return PurePosixPath(spellings[0]).as_posix()
    return None


def _configures_execution(name: str) -> bool:
    normal = _normal(name)
    return (
        normal in EXEC_CONFIG_DIRS
        or normal in EXEC_CONFIG_FILES
        or normal.endswith(EXEC_CONFIG_SUFFIXES)
        or normal.startswith(EXEC_CONFIG_PREFIXES)
    )


def _normal(name: str) -> str:
    """A name as case-insensitive, normalising file systems see it: case folded, HFS+
    ignorable code points dropped, NTFS trailing dots and spaces and 8.3 `GIT~1` undone."""
    name = unicodedata.normalize("NFC", name).translate(_IGNORABLE).casefold().rstrip(". ")
    return ".git" if name == "git~1" else name
