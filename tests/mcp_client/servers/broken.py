"""MCP servers that fail: `crash` exits at start, `hang` never answers, `garbage` prints
what is not JSON-RPC on stdout."""

from __future__ import annotations

import sys
import time

if __name__ == "__main__":
    how = sys.argv[1]
    if how == "crash":
        sys.stderr.write("cannot start: missing configuration\n")
        sys.exit(3)
    if how == "hang":
        time.sleep(3600)
    if how == "garbage":
        for _ in range(3):
            sys.stdout.write("this is not JSON-RPC\n")
            sys.stdout.flush()
        time.sleep(3600)
