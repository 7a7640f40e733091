"""The ACP baseline: Zed's Claude adapter, `@zed-industries/claude-agent-acp` from npm,
installed on first use into bench/.tools/ (git-ignored), pinned. Its `initialize` needs no
key and no network; nothing else of it is used."""

from __future__ import annotations

import json
import shutil
import subprocess

from lib import BENCH

PACKAGE = "@zed-industries/claude-agent-acp"
VERSION = "0.23.1"
PREFIX = BENCH / ".tools" / "zed-acp"
ENTRY = PREFIX / "node_modules" / PACKAGE / "dist" / "index.js"


def _installed_version() -> str | None:
    manifest = PREFIX / "node_modules" / PACKAGE / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def install() -> list[str] | str:
    """The command that starts the adapter, or why there is none."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "not run: no node/npm on PATH"
    if _installed_version() != VERSION or not ENTRY.is_file():
        PREFIX.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(
                [
                    *(npm, "install", "--silent", "--no-save", "--no-audit", "--no-fund"),
                    *("--prefix", str(PREFIX), f"{PACKAGE}@{VERSION}"),
                ],
                capture_output=True,
                text=True,
                timeout=600,
                check=True,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", None) or str(exc)
            return f"not run: npm could not install {PACKAGE}@{VERSION} ({detail.strip()[:200]})"
        if _installed_version() != VERSION or not ENTRY.is_file():
            return f"not run: {PACKAGE}@{VERSION} did not install where expected"
    # Node itself, not npm's shim: the process measured is the agent.
    return [node, str(ENTRY)]


if __name__ == "__main__":
    print(install())
