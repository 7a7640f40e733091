"""Every validation rule rejects with 400 (without consuming the turn) like the real API."""

from __future__ import annotations

from typing import Any

import aiohttp
import anthropic
import pytest
from anthropic import AsyncAnthropic

from agentls.sim import Simulator, thinking_signature

from .conftest import USER

TOOL = {"name": "search", "description": "d", "input_schema": {"type": "object"}}
THINKING = {"type": "enabled", "budget_tokens": 1024}


def tool_use(tid: str = "toolu_1", name: str = "search") -> dict[str, Any]:
    return {"type": "tool_use", "id": tid, "name": name, "input": {}}


def tool_result(tid: str = "toolu_1", content: Any = "ok") -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": tid, "content": content}


def thinking(text: str = "hmm", signature: str | None = None) -> dict[str, Any]:
    sig = thinking_signature(text) if signature is None else signature
    return {"type": "thinking", "thinking": text, "signature": sig}


def convo(*assistant_then_user: Any) -> list[dict[str, Any]]:
    """user "hi", then alternating assistant / user contents."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
    for i, content in enumerate(assistant_then_user):
        messages.append({"role": "assistant" if i % 2 == 0 else "user", "content": content})
    return messages


# (id, request overrides, expected substring of the API error message)
REJECTED: list[tuple[str, dict[str, Any], str]] = [
    ("empty model", {"model": ""}, "model:"),
    ("zero max_tokens", {"max_tokens": 0}, "max_tokens: Input should be greater than"),
    ("no messages", {"messages": []}, "at least one message is required"),
    (
        "assistant first",
        {"messages": [{"role": "assistant", "content": "hi"}]},
        'first message must use the "user" role',
    ),
    (
        "bad role",
        {"messages": [*USER, {"role": "system", "content": "x"}]},
        "messages.1.role: Input should be 'user' or 'assistant'",
    ),
    (
        "empty string content",
        {"messages": [{"role": "user", "content": ""}]},
        "all messages must have non-empty content",
    ),
    (
        "empty list content",
        {"messages": [{"role": "user", "content": []}]},
        "all messages must have non-empty content",
    ),
    (
        "empty text block",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]},
        "text content blocks must be non-empty",
    ),
    (
        "tool_use without tool_result",
        {"messages": convo([tool_use()], "next"), "tools": [TOOL]},
        "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1",
    ),
    (
        "tool_result not first",
        {
            "messages": convo([tool_use()], [{"type": "text", "text": "x"}, tool_result()]),
            "tools": [TOOL],
        },
        "`tool_use` ids were found without `tool_result` blocks immediately after",
    ),
    (
        "trailing tool_use",
        {"messages": convo([tool_use()]), "tools": [TOOL]},
        "`tool_use` ids were found without `tool_result` blocks immediately after",
    ),
    (
        "stray tool_result",
        {"messages": convo("text", [tool_result("toolu_9")]), "tools": [TOOL]},
        "unexpected `tool_use_id` found in `tool_result` blocks: toolu_9",
    ),
    (
        "duplicate tool_use ids",
        {
            "messages": convo([tool_use(), tool_use()], [tool_result()]),
            "tools": [TOOL],
        },
        "`tool_use` ids must be unique",
    ),
    (
        "missing signature",
        {
            "messages": convo(
                [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "a"}], "b"
            )
        },
        "Invalid `signature` in `thinking` block",
    ),
    (
        "forged redacted_thinking",
        {"messages": convo([{"type": "redacted_thinking", "data": "never-sent"}], "b")},
        "Invalid `data` in `redacted_thinking` block",
    ),
    (
        "thinking on, tool_use without thinking",
        {
            "messages": convo([tool_use()], [tool_result()]),
            "tools": [TOOL],
            "thinking": THINKING,
            "max_tokens": 2000,
        },
        "Expected `thinking` or `redacted_thinking`, but found `tool_use`",
    ),
    (
        "thinking budget too small",
        {"thinking": {"type": "enabled", "budget_tokens": 1000}, "max_tokens": 2000},
        "budget_tokens: Input should be greater than or equal to 1024",
    ),
    (
        "thinking budget not below max_tokens",
        {"thinking": THINKING, "max_tokens": 1024},
        "`max_tokens` must be greater than `thinking.budget_tokens`",
    ),
    (
        "bad thinking type",
        {"thinking": {"type": "sometimes"}},
        "thinking: Input tag 'sometimes'",
    ),
    (
        "bad tool name",
        {"tools": [{**TOOL, "name": "has space"}]},
        "tools.0.custom.name: String should match pattern",
    ),
    (
        "duplicate tool names",
        {"tools": [TOOL, TOOL]},
        "Tool names must be unique",
    ),
    (
        "missing input_schema",
        {"tools": [{"name": "x"}]},
        "tools.0.custom.input_schema: Field required",
    ),
    (
        "input_schema not an object schema",
        {"tools": [{"name": "x", "input_schema": {"type": "array"}}]},
        "input_schema.type: Input should be 'object'",
    ),
    (
        "unknown server tool",
        {"tools": [{"type": "web_search_20990101", "name": "web_search"}]},
        "Input tag 'web_search_20990101' found using 'type'",
    ),
    (
        "beta server tool without its beta header",
        {"tools": [{"type": "web_fetch_20250910", "name": "web_fetch"}]},
        "Input tag 'web_fetch_20250910' found using 'type'",
    ),
    (
        "context management without its beta header",
        {"context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}},
        "context_management: Extra inputs are not permitted",
    ),
    (
        "server tool with wrong name",
        {"tools": [{"type": "bash_20250124", "name": "shell"}]},
        "tools.0.bash_20250124.name: Input should be 'bash'",
    ),
    (
        "too many cache_control blocks",
        {
            "system": [
                {"type": "text", "text": f"s{i}", "cache_control": {"type": "ephemeral"}}
                for i in range(5)
            ]
        },
        "A maximum of 4 blocks with cache_control may be provided. Found 5.",
    ),
    (
        "system not text blocks",
        {"system": [{"type": "image", "source": {}}]},
        "system.0.type: Input should be 'text'",
    ),
]


@pytest.mark.parametrize(
    ("overrides", "expected"), [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED]
)
async def test_rejected(
    sim: Simulator, client: AsyncAnthropic, overrides: dict[str, Any], expected: str
) -> None:
    sim.load(["never consumed"])
    params: dict[str, Any] = {"model": "m", "max_tokens": 100, "messages": USER}
    # Fields the SDK's typed create() does not know (beta features) go as extra_body.
    known = {key: value for key, value in overrides.items() if key != "context_management"}
    extra = {key: value for key, value in overrides.items() if key == "context_management"}
    with pytest.raises(anthropic.BadRequestError) as info:
        await client.messages.create(**{**params, **known}, extra_body=extra or None)
    assert info.value.status_code == 400
    assert info.value.type == "invalid_request_error"
    assert expected in (info.value.api_message or ""), info.value.api_message
    assert info.value.request_id is not None
    entry = sim.requests[-1]
    assert entry["status"] == 400
    assert expected in entry["error"]
    assert sim.remaining == 1


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    (
        "tool loop",
        {
            "messages": convo([tool_use()], [tool_result(), {"type": "text", "text": "go"}]),
            "tools": [TOOL],
        },
    ),
    (
        "parallel tools",
        {
            "messages": convo(
                [{"type": "text", "text": "a"}, tool_use("toolu_a"), tool_use("toolu_b")],
                [tool_result("toolu_b"), tool_result("toolu_a", [{"type": "text", "text": "r"}])],
            ),
            "tools": [TOOL],
        },
    ),
    (
        "thinking on with signed thinking first",
        {
            "messages": convo([thinking(), tool_use()], [tool_result()]),
            "tools": [TOOL],
            "thinking": THINKING,
            "max_tokens": 2000,
        },
    ),
    (
        "thinking on, earlier turn without thinking",
        {
            "messages": convo(
                [tool_use("toolu_a")], [tool_result("toolu_a")], "fine", "more please"
            ),
            "tools": [TOOL],
            "thinking": THINKING,
            "max_tokens": 2000,
        },
    ),
    (
        "server tools",
        {
            "tools": [
                {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
                {"type": "bash_20250124", "name": "bash"},
                {**TOOL, "type": "custom"},
            ]
        },
    ),
    (
        "older text editor",
        {"tools": [{"type": "text_editor_20250124", "name": "str_replace_based_edit_tool"}]},
    ),
    ("thinking disabled", {"thinking": {"type": "disabled"}}),
    (
        "four cache_control blocks",
        {
            "system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
            "tools": [{**TOOL, "cache_control": {"type": "ephemeral"}}],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": f"t{i}", "cache_control": {"type": "ephemeral"}}
                        for i in range(2)
                    ],
                }
            ],
        },
    ),
    ("system string", {"system": "be brief"}),
    ("assistant prefill", {"messages": convo("The answer is")}),
]


@pytest.mark.parametrize("overrides", [a[1] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED])
async def test_accepted(sim: Simulator, client: AsyncAnthropic, overrides: dict[str, Any]) -> None:
    sim.load(["ok"])
    params: dict[str, Any] = {"model": "m", "max_tokens": 100, "messages": USER, **overrides}
    message = await client.messages.create(**params)
    assert message.content[0].type == "text"
    assert sim.remaining == 0


async def test_signature_round_trip(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load(
        [
            {
                "blocks": [
                    {"type": "thinking", "thinking": "I should look."},
                    {"type": "redacted_thinking", "data": "secret-sauce"},
                    {"type": "tool_use", "name": "search", "input": {"q": "x"}},
                ]
            },
            "done",
            "unreachable",
        ]
    )
    kwargs: dict[str, Any] = {
        "model": "m",
        "max_tokens": 2000,
        "tools": [TOOL],
        "thinking": THINKING,
    }
    async with client.messages.stream(messages=USER, **kwargs) as stream:
        first = await stream.get_final_message()
    tool_id = first.content[2].id  # type: ignore[union-attr]
    assistant = [block.model_dump(exclude_none=True) for block in first.content]
    history: list[Any] = [
        *USER,
        {"role": "assistant", "content": assistant},
        {"role": "user", "content": [tool_result(tool_id)]},
    ]
    second = await client.messages.create(messages=history, **kwargs)
    assert second.content[0].type == "text"

    altered = [dict(assistant[0], thinking="I should look!"), *assistant[1:]]
    history[1] = {"role": "assistant", "content": altered}
    with pytest.raises(anthropic.BadRequestError, match="Invalid `signature` in `thinking` block"):
        await client.messages.create(messages=history, **kwargs)

    retouched = [assistant[0], {"type": "redacted_thinking", "data": "secret-sauce2"}, assistant[2]]
    history[1] = {"role": "assistant", "content": retouched}
    with pytest.raises(anthropic.BadRequestError, match="Invalid `data` in `redacted_thinking`"):
        await client.messages.create(messages=history, **kwargs)
    assert sim.remaining == 1


async def test_expectation(sim: Simulator, client: AsyncAnthropic) -> None:
    sim.load([{"blocks": [{"type": "text", "text": "ok"}], "expect": {"last_user_contains": "42"}}])
    with pytest.raises(anthropic.BadRequestError, match="simulator expectation failed"):
        await client.messages.create(model="m", max_tokens=10, messages=USER)
    assert sim.remaining == 1
    messages: Any = convo([tool_use()], [tool_result(content=[{"type": "text", "text": "got 42"}])])
    await client.messages.create(model="m", max_tokens=10, messages=messages, tools=[TOOL])  # type: ignore[list-item]
    assert sim.remaining == 0


async def _raw_post(sim: Simulator, headers: dict[str, str], body: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sim.base_url}/v1/messages", json=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


async def test_headers_required(sim: Simulator) -> None:
    body = {"model": "m", "max_tokens": 10, "messages": USER}
    status, payload = await _raw_post(sim, {"anthropic-version": "2023-06-01"}, body)
    assert status == 401
    assert payload["error"]["type"] == "authentication_error"
    status, payload = await _raw_post(sim, {"x-api-key": "k"}, body)
    assert status == 400
    assert "anthropic-version" in payload["error"]["message"]
    status, payload = await _raw_post(sim, {"x-api-key": "k", "anthropic-version": "v"}, body)
    assert status == 200
    assert [r["status"] for r in sim.requests] == [401, 400, 200]


async def test_missing_required_fields(sim: Simulator) -> None:
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    for field in ("model", "max_tokens", "messages"):
        body = {"model": "m", "max_tokens": 10, "messages": USER}
        del body[field]
        status, payload = await _raw_post(sim, headers, body)
        assert status == 400
        assert payload["error"]["message"] == f"{field}: Field required"
