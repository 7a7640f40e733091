"""An MCP server written with the SDK's MCPServer, over stdio (or streamable HTTP with
`--http PORT`): tools with text, image, error and structured results, a read-only one, a
slow one to cancel (it writes a marker when its cancellation reaches it), and one that adds
a tool and announces the list change."""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.utilities.types import Image
from mcp_types import ToolAnnotations

# A 1x1 PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

server = MCPServer("tools")
marker_dir = Path(".")


@server.tool(title="Shout")
def shout(text: str) -> str:
    """Upper-cases the text."""
    return text.upper()


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
def peek() -> str:
    """Reads without changing anything."""
    return "nothing changed"


@server.tool()
def broken() -> str:
    """Always fails."""
    raise ToolError("broken on purpose")


@server.tool()
def picture() -> Image:
    """A tiny picture."""
    return Image(data=PNG, format="png")


@server.tool()
def measure(text: str) -> dict[str, int]:
    """Structured output."""
    return {"length": len(text)}


@server.tool()
async def slow(seconds: float) -> str:
    """Sleeps, then answers; a cancelled call leaves a marker."""
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        (marker_dir / "slow-cancelled").write_text("cancelled")
        raise
    return "slept"


@server.tool()
async def grow(ctx: Context) -> str:
    """Adds a tool `extra` and says the tool list changed."""

    @server.tool(name="extra")
    def extra() -> str:
        """Added later."""
        return "extra here"

    await ctx.notify_tools_changed()
    return "grown"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int)
    parser.add_argument("--markers", default=".")
    args = parser.parse_args()
    marker_dir = Path(args.markers)
    (marker_dir / "tools.pid").write_text(str(__import__("os").getpid()))
    if args.http:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
    else:
        server.run()
    sys.exit(0)
