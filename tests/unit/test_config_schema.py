"""The one configuration schema, and every copy of it: the docs' tables, the Neovim option
list, the VS Code settings. A copy that disagrees fails here; `make config-docs` fixes it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentls import config_render
from agentls.config import OPTIONS, Config, ConfigError, check

ROOT = Path(__file__).resolve().parents[2]


def test_every_copy_of_the_schema_is_current() -> None:
    stale = config_render.sync(ROOT, write=False)
    assert stale == [], f"out of date with server/agentls/config.py: {stale}; run make config-docs"


def test_the_cli_prints_the_schema() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "agentls", "config-schema"],
        capture_output=True,
        text=True,
        check=True,
    )
    names = [entry["name"] for entry in json.loads(out.stdout)]
    assert names == [option.key for option in OPTIONS]


def test_each_default_passes_its_own_check() -> None:
    config = Config()
    for option in OPTIONS:
        assert check(option, option.default) == getattr(config, option.attr)


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"maxTokens": "lots"}, "option 'maxTokens' must be an integer >= 1; got 'lots'"),
        ({"maxTokens": 0}, "option 'maxTokens' must be an integer >= 1; got 0"),
        ({"permissionMode": "yolo"}, "must be one of default, ask, acceptAll, readOnly"),
        ({"commandTimeout": 0}, "option 'commandTimeout' must be a number > 0; got 0"),
        ({"maxTokns": 10}, "unknown option 'maxTokns'"),
        ({"thinking": {"budget_tokens": 5}}, "must be a token budget or an object"),
        ({"thinking": True}, "option 'thinking' must be an integer or an object or null"),
    ],
)
def test_a_bad_option_is_reported_and_skipped(options: dict[str, object], problem: str) -> None:
    merged, problems = Config().merged(options)
    assert merged == Config()
    assert len(problems) == 1 and problem in problems[0]


def test_thinking_takes_a_budget_or_the_apis_object() -> None:
    assert Config().merged({"thinking": 2048})[0].thinking == {
        "type": "enabled",
        "budget_tokens": 2048,
    }
    assert Config().merged({"thinking": 0})[0].thinking is None
    given = {"type": "enabled", "budget_tokens": 4096}
    assert Config().merged({"thinking": given})[0].thinking == given
    with pytest.raises(ConfigError):
        check(next(o for o in OPTIONS if o.key == "thinking"), "high")
