"""Every use of pygls beyond its public API, in one place.

pygls is pinned exactly (pyproject.toml); tests/unit/test_pygls_adapter.py fails on an
upgrade that breaks any of these, so that is where to look first.
"""

from __future__ import annotations

from typing import Any

from cattrs import Converter
from lsprotocol import converters
from pygls.protocol import (
    JsonRPCNotification,
    JsonRPCProtocol,
    JsonRPCRequestMessage,
    JsonRPCResponseMessage,
)


def plain_json_converter() -> Converter:
    """pygls's default converter turns the params of non-LSP methods into namedtuples
    (renaming keys such as `_meta`, and building a class per object). ACP params stay
    plain JSON objects here."""
    converter = converters.get_converter()
    for message_type in (JsonRPCRequestMessage, JsonRPCResponseMessage, JsonRPCNotification):
        converter.register_structure_hook(message_type, lambda obj, cls: cls(**obj))
    return converter


def send_raw(protocol: JsonRPCProtocol, message: dict[str, Any]) -> None:
    """Write a message that is plain JSON already, skipping pygls's typed conversion."""
    protocol._send_data(message)


def converter(protocol: JsonRPCProtocol) -> Converter:
    return protocol._converter


def forget_request(protocol: JsonRPCProtocol, msg_id: str) -> None:
    """Drop the future of a request to the client we cancelled, so a late answer is ignored."""
    protocol._request_futures.pop(msg_id, None)


def is_shut_down(protocol: JsonRPCProtocol) -> bool:
    """Whether the client sent `shutdown` (pygls keeps it on the protocol)."""
    return bool(protocol._shutdown)
