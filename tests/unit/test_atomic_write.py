"""A kill at any moment of a disk write leaves the old content or the new, never a mix."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

WRITER = """
import sys
from pathlib import Path
from agentls.workspace.files import ANYTHING, write_file

path = Path(sys.argv[1]).resolve()
texts = [(sys.argv[2] * 400_000).encode(), (sys.argv[3] * 400_000).encode()]
print("ready", flush=True)
n = 0
while True:
    write_file(path.parent, path, texts[n % 2], expected=ANYTHING)
    n += 1
"""


def test_kill_during_writes_never_leaves_a_mix(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    old, new = "old line\n" * 400_000, "new text\n" * 400_000
    path.write_text(old)
    randomness = random.Random(7)
    for _attempt in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), "old line\n", "new text\n"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
        # Random kill points across many writes; this samples timing, it does not sync.
        try:
            writer.wait(timeout=randomness.uniform(0.05, 0.4))
        except subprocess.TimeoutExpired:
            writer.kill()
        writer.wait()
        assert path.read_text() in (old, new)
        leftovers = [p.name for p in tmp_path.iterdir() if p.name != "data.txt"]
        for name in leftovers:  # a killed writer may leave its temporary file, never a mix
            assert name.startswith(".data.txt.") and name.endswith(".agentls")
