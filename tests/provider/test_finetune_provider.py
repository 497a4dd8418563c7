"""FineTunedModel through the SDK's own dynamic provider server (`python -m pulumi.dynamic`) over gRPC,
as the Pulumi engine drives it, against the emulator: configure -> check -> create/read/diff/update/delete.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime.proto import provider_pb2
from pulumi.runtime.rpc import UNKNOWN

from cortex_provider.pulumi.finetuned_model import FineTunedModelProvider
from tests.provider.grpc_provider import ProviderError, ProviderServer, StackConfig
from tests.resources.finetune_support import seed, slow, spec

URN = "urn:pulumi:test::cortex::pulumi-python:dynamic/cortex:FineTunedModel::model"
PROVIDER = serialize_provider(FineTunedModelProvider())


class Harness:
    def __init__(self, emulator: Any, tmp: Path) -> None:
        self.emulator = emulator
        self.account = emulator.new_account()
        self.conn = emulator.connect(account=self.account)
        seed(self.conn)
        stack = StackConfig(tmp, emulator.stack_config(self.account), {"cortex:password"})
        self.lines: list[str] = []
        self.server = ProviderServer(stack, self.lines.append)
        self.server.configure()

    def statements(self, needle: str = "") -> list[str]:
        return [str(e["statement"]) for e in self.emulator.query_log(self.account)
                if needle.upper() in str(e["statement"]).upper()]

    def check(self, props: dict[str, Any], olds: dict[str, Any] | None = None
              ) -> tuple[dict[str, Any], list[str]]:
        return self.server.check(URN, olds or {}, {"__provider": PROVIDER, **props})

    def create(self, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        inputs, failures = self.check(props)
        assert not failures, failures
        return self.server.create(URN, inputs, 0)

    def diff(self, res_id: str, olds: dict[str, Any], props: dict[str, Any]) -> Any:
        news, failures = self.check(props, olds)
        assert not failures, failures
        return self.server.diff(URN, res_id, olds, olds, news, [])


@pytest.fixture
def h(emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CORTEX_PROVIDER_POLL_INITIAL_S", "0.05")
    monkeypatch.setenv("CORTEX_PROVIDER_POLL_MAX_S", "0.2")
    monkeypatch.setenv("CORTEX_PROVIDER_PROGRESS_LOG_S", "0.3")
    harness = Harness(emulator, tmp_path)
    yield harness
    harness.server.close()


def test_create_read_noop_diff_update_delete(h: Harness) -> None:
    res_id, outs = h.create(slow(0.3))
    assert res_id == "DB.S.TUNED" and outs["status"] == "SUCCESS" and outs["job_id"].startswith("ft_")
    assert outs["estimated_trained_tokens"] == outs["trained_tokens"] > 0
    # progress reached the engine's log stream (pulumi.log from the provider process), throttled
    progress = [ln for ln in h.lines if re.search(r"job ft_\S+ IN_PROGRESS, \d+%", ln)]
    assert 1 <= len(progress) <= 6, h.lines
    assert len(h.statements("FINETUNE('CREATE'")) == 1

    rid, live, _ = h.server.read(URN, res_id, outs, outs)
    assert rid == res_id and live["status"] == "SUCCESS" and live["job_id"] == outs["job_id"]
    assert h.diff(res_id, live, slow(0.3)).changes == provider_pb2.DiffResponse.DIFF_NONE

    before = len(h.statements())
    d = h.diff(res_id, live, slow(0.3, wait="none", timeout_minutes=3, retain_on_delete=False))
    assert d.changes == provider_pb2.DiffResponse.DIFF_SOME and list(d.replaces) == []
    news, _ = h.check(slow(0.3, wait="none", timeout_minutes=3, retain_on_delete=False), live)  # as Pulumi: olds
    updated = h.server.update(URN, res_id, live, live, news, 0, [])
    assert updated["retain_on_delete"] is False and updated["job_id"] == outs["job_id"]
    assert len(h.statements()) == before  # diff + update sent nothing

    d = h.diff(res_id, updated, slow(0.3, base_model="llama3-8b", retain_on_delete=False))
    assert list(d.replaces) == ["base_model"] and d.deleteBeforeReplace

    h.server.delete(URN, res_id, updated, updated, 0)
    assert len(h.statements("DROP MODEL")) == 1


def test_check_reports_field_and_fix_and_tolerates_unknowns(h: Harness) -> None:
    _, failures = h.check(spec(base_model="gpt-4", options={"max_epochs": 0}))
    assert any(f.startswith("base_model:") and "llama3-8b" in f for f in failures)
    assert any(f.startswith("options.max_epochs:") for f in failures)
    # preview before the TrainingView exists: its output is unknown, the rest is still checked
    inputs, failures = h.check(spec(training_query=UNKNOWN))
    assert failures == [] and inputs["training_query"] == UNKNOWN
    _, failures = h.check(spec(training_query=UNKNOWN, base_model="gpt-4"))
    assert len(failures) == 1
    assert h.statements("FINETUNE") == []


def test_retrain_on_data_fingerprint_measured_in_check(h: Harness) -> None:
    inputs, _ = h.check(spec(retrain_on="data"))
    assert inputs["data_fingerprint"].startswith("rows=3;")
    # read-only: the fingerprint's SELECT, and the job list the plan reads (a job from this spec still
    # running would be adopted, not trained); never a CREATE
    assert [s for s in h.statements("FINETUNE") if "FINETUNE('SHOW')" not in s] == []


def test_same_name_retrain_of_a_retained_model_fails_the_plan(h: Harness) -> None:
    res_id, outs = h.create(spec())
    with pytest.raises(ProviderError, match="new `name`"):
        h.diff(res_id, outs, spec(options={"max_epochs": 3}))


def test_job_error_text_reaches_the_user_and_nothing_is_stored(h: Harness) -> None:
    # NULL completions pass the pre-flight's shape check and fail inside the job (asynchronously)
    h.conn.cursor().execute("CREATE TABLE DB.S.VALID (prompt VARCHAR, completion VARCHAR)")
    h.conn.cursor().execute("INSERT INTO DB.S.VALID VALUES ('p', NULL)")
    with pytest.raises(ProviderError) as err:
        h.create(spec(base_model="llama3-8b", validation_query="SELECT prompt, completion FROM DB.S.VALID"))
    assert "ended ERROR" in err.value.message, err.value.message


def test_replace_under_new_name_cancels_old_job_and_retains(h: Harness) -> None:
    old_id, old = h.create(slow(1.0, wait="none"))
    d = h.diff(old_id, old, slow(0.05, name="TUNED_V2", wait="none"))
    assert sorted(d.replaces) == ["name", "options"] and not d.deleteBeforeReplace
    new_id, _new = h.create(slow(0.05, name="TUNED_V2", wait="none"))
    h.server.delete(URN, old_id, old, old, 0)
    assert len(h.statements("FINETUNE('CANCEL'")) == 1 and h.statements("DROP MODEL") == []
    assert any("nothing to drop (the model does not exist)" in ln for ln in h.lines)  # cancelled before a model
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        _, live, _ = h.server.read(URN, new_id, _new, _new)
        if live["status"] == "SUCCESS":
            break
        _new = live
        time.sleep(0.1)
    assert live["status"] == "SUCCESS"


def test_preview_diff_with_unknown_training_query_plans_a_replace(h: Harness) -> None:
    res_id, outs = h.create(spec(name="NEW1"))
    news = {"__provider": PROVIDER, **outs, **spec(name="NEW1", training_query=UNKNOWN)}
    d = h.server.diff(URN, res_id, outs, outs, news, [])
    assert d.changes == provider_pb2.DiffResponse.DIFF_SOME and list(d.replaces) == ["training_query"]
    news = {"__provider": PROVIDER, **outs, **spec(name="NEW1", data_fingerprint=UNKNOWN)}
    d = h.server.diff(URN, res_id, outs, outs, news, [])
    assert list(d.replaces) == []  # retrain_on=spec: the data does not retrain
