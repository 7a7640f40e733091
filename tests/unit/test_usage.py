"""Usage, cost and context windows: one price table, cache writes priced by their TTL."""

from __future__ import annotations

import pytest

from agentls.agent import stop_reasons
from agentls.agent.usage import PRICES_DATE, PRICES_SOURCE, Usage, context_window, price_for


def test_the_price_table_says_when_and_where_it_was_read() -> None:
    assert PRICES_DATE.count("-") == 2 and PRICES_SOURCE.startswith("https://")


def test_cache_writes_are_priced_by_ttl() -> None:
    usage = Usage.from_api(
        {
            "input_tokens": 1000,
            "output_tokens": 100,
            "cache_read_input_tokens": 10_000,
            "cache_creation_input_tokens": 3000,
            "cache_creation": {
                "ephemeral_5m_input_tokens": 1000,
                "ephemeral_1h_input_tokens": 2000,
            },
        }
    )
    # Haiku 4.5: $1 in, $5 out, $1.25 five-minute writes, $2 one-hour writes, $0.10 reads.
    assert usage.cost("claude-haiku-4-5-20251001") == pytest.approx(
        (1000 * 1 + 100 * 5 + 1000 * 1.25 + 2000 * 2 + 10_000 * 0.1) / 1e6
    )
    # Without the split, every write is a five-minute one.
    plain = Usage(input_tokens=0, cache_write_tokens=1000)
    assert plain.cost("claude-haiku-4-5") == pytest.approx(1000 * 1.25 / 1e6)


def test_longest_prefix_wins_and_unknown_models_have_no_price() -> None:
    opus_4_5, opus_4_1 = price_for("claude-opus-4-5-20251101"), price_for("claude-opus-4-1")
    assert opus_4_5 is not None and opus_4_5.input == 5  # not Opus 4's $15
    assert opus_4_1 is not None and opus_4_1.input == 15
    assert price_for("my-local-model") is None
    assert Usage(input_tokens=10).cost("my-local-model") is None


def test_sonnet_4_5_over_200k_is_billed_at_the_long_context_rate() -> None:
    usage = Usage(input_tokens=250_000, output_tokens=1000)
    assert usage.cost("claude-sonnet-4-5-20250929") == pytest.approx(
        (250_000 * 6 + 1000 * 22.5) / 1e6
    )


def test_context_windows_come_from_the_table_or_the_option() -> None:
    assert context_window("claude-sonnet-4-5-20250929") == 200_000
    assert context_window("claude-opus-4-6") == 1_000_000
    assert context_window("claude-sonnet-4-5", 1_000_000) == 1_000_000
    assert context_window("anything") == 200_000


def test_sums_keep_every_figure() -> None:
    total = Usage()
    total.add(Usage(input_tokens=1, server_tool_use={"web_search_requests": 2}))
    total.add(Usage(input_tokens=2, server_tool_use={"web_search_requests": 1}))
    assert total.input_tokens == 3 and total.server_tool_use == {"web_search_requests": 3}


@pytest.mark.parametrize(
    ("api", "acp", "goes_on", "level"),
    [
        ("end_turn", "end_turn", False, None),
        ("tool_use", None, True, None),
        ("pause_turn", None, True, None),
        ("max_tokens", "max_tokens", False, "warning"),
        ("stop_sequence", "end_turn", False, "info"),
        ("refusal", "refusal", False, "warning"),
        ("model_context_window_exceeded", "max_tokens", False, "warning"),
        (None, "end_turn", False, "warning"),
        ("something_new", "end_turn", False, "warning"),
    ],
)
def test_each_stop_reason_has_an_acp_stop_reason(
    api: str | None, acp: str | None, goes_on: bool, level: str | None
) -> None:
    outcome = stop_reasons.outcome(api, stop_sequence="###", max_tokens=10)
    assert outcome.acp == acp and (outcome.acp is None) == goes_on
    assert (outcome.notice[0] if outcome.notice else None) == level
    assert outcome.compact == (api == "model_context_window_exceeded")
