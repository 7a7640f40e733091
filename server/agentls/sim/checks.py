"""Strict checks for script data: a typo in a test script fails loudly at load time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast


class ScriptError(ValueError):
    """A script (or one of its turns) does not have the documented shape."""


def mapping(spec: object, where: str) -> Mapping[str, Any]:
    if not isinstance(spec, Mapping):
        raise ScriptError(f"{where}: expected a JSON object, got {type(spec).__name__}")
    return cast(Mapping[str, Any], spec)


def no_unknown_keys(obj: Mapping[str, Any], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise ScriptError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def string(value: object, where: str, *, non_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise ScriptError(f"{where}: expected a string, got {type(value).__name__}")
    if non_empty and not value:
        raise ScriptError(f"{where}: must not be empty")
    return value


def optional_string(value: object, where: str) -> str | None:
    return None if value is None else string(value, where)


def integer(value: object, where: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScriptError(f"{where}: expected an integer >= {minimum}, got {value!r}")
    return value


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
