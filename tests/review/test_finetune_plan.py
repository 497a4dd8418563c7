"""training_plan: computed for a create or a retraining change, carried unchanged otherwise (a no-op
stays a no-op and sends no SQL), and never fails a check when the data cannot be measured yet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.resources.finetune import plan as fp
from tests.review.samples import model

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


class Meter:
    def __init__(self, rows: int = 300, tokens_per_epoch: int = 9000, fail: Exception | None = None) -> None:
        self.calls: list[tuple[str, str, int | None, bool]] = []
        self.rows, self.tokens, self.fail = rows, tokens_per_epoch, fail

    def __call__(self, query: str, base: str, epochs: int | None, auto_split: bool) -> fp.Measured:
        self.calls.append((query, base, epochs, auto_split))
        if self.fail is not None:
            raise self.fail
        return fp.Measured(self.rows, self.tokens * (epochs or 1), "SNOWFLAKE.CORTEX.COUNT_TOKENS")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    fp.CACHE.clear()
    yield
    fp.CACHE.clear()


def news(**over: Any) -> dict[str, Any]:
    props = model(**over)
    props.pop("training_plan")
    return props


def test_a_new_model_is_planned_as_train_with_rows_and_tokens() -> None:
    meter = Meter()
    plan = fp.plan_for({}, news(), set(), meter)
    assert plan is not None
    assert plan["action"] == "train" and plan["base_model"] == "llama3.1-8b" and plan["epochs"] == 2
    assert (plan["rows"], plan["estimated_trained_tokens"]) == (300, 18000)
    assert plan["validation"] is True and plan["note"] is None and len(meter.calls) == 1


def test_nothing_retraining_changed_carries_the_old_plan_without_measuring() -> None:
    meter = Meter()
    olds = {**news(), "training_plan": {"action": "train", "rows": 300.0}}  # wire numbers come back as floats
    assert fp.plan_for(olds, news(wait="none", retain_on_delete=False), set(), meter) == olds["training_plan"]
    assert fp.plan_for(news(), news(), set(), meter) is None  # state from before plans existed: stays absent
    assert meter.calls == []


def test_a_retraining_change_is_planned_as_retrain_with_its_reasons() -> None:
    meter = Meter()
    olds = {**news(), "training_plan": {"action": "train"}}
    plan = fp.plan_for(olds, news(options={"max_epochs": 3}, base_model="llama3.2-1b"), set(), meter)
    assert plan is not None and plan["action"] == "retrain"
    assert plan["changed"] == ["base_model", "options"] and plan["estimated_trained_tokens"] == 27000


def test_data_change_retrains_only_with_retrain_on_data() -> None:
    olds = news(retrain_on="data", data_fingerprint="rows=3;h=1")
    plan = fp.plan_for(olds, news(retrain_on="data", data_fingerprint="rows=4;h=2"), set(), Meter())
    assert plan is not None and plan["changed"] == ["data_fingerprint"]
    assert fp.plan_for(news(data_fingerprint="a"), news(data_fingerprint="b"), set(), Meter()) is None


def test_unknown_query_in_preview_gives_rows_unknown() -> None:
    meter = Meter()
    plan = fp.plan_for({}, news(training_query=UNKNOWN), {"training_query"}, meter)
    assert plan is not None and plan["rows"] is None and plan["note"] == fp.ROWS_UNKNOWN
    assert meter.calls == []


def test_an_unreadable_view_never_fails_the_check() -> None:
    err = SnowflakeStatementError("PREFLIGHT", "Object 'DB.S.V' does not exist or not authorized.", 2003)
    plan = fp.plan_for({}, news(), set(), Meter(fail=err))
    assert plan is not None and plan["rows"] is None and plan["estimated_trained_tokens"] is None
    assert plan["note"].startswith(fp.ROWS_UNKNOWN)


def test_measurements_are_reused_within_the_cache_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    meter = Meter()
    fp.plan_for({}, news(), set(), meter)
    fp.plan_for({}, news(), set(), meter)
    assert len(meter.calls) == 1
    monkeypatch.setenv(fp.CACHE_TTL_ENV, "0")
    fp.plan_for({}, news(), set(), meter)
    assert len(meter.calls) == 2


def test_declared_credit_rate_prices_the_plan_and_the_split_is_asked_for() -> None:
    meter = Meter()
    plan = fp.plan_for({}, news(validation_query=None), set(), meter, {"llama3.1-8b": 2.5})
    assert plan is not None and plan["validation"] is False
    assert meter.calls[0][3] is True  # no validation query: measured with the automatic split
    assert plan["credits_per_million_tokens"] == 2.5 and plan["estimated_credits"] == 18000 * 2.5 / 1e6
    undeclared = fp.plan_for({}, news(base_model="mistral-7b"), set(), Meter(), {"llama3.1-8b": 2.5})
    assert undeclared is not None and "estimated_credits" not in undeclared


def test_a_failed_measure_keeps_its_whole_message() -> None:
    text = ("no credential for user 'ADMIN'. Fix: `pulumi config set --secret cortex:password <pw>` (or "
            "cortex:privateKey / cortex:privateKeyPath for key-pair auth, or SNOWFLAKE_PASSWORD / "
            "SNOWFLAKE_PRIVATE_KEY_PATH in the environment)")
    plan = fp.plan_for({}, news(), set(), Meter(fail=ValueError(text)))
    assert plan is not None and plan["note"] == f"{fp.ROWS_UNKNOWN} ({text})"
