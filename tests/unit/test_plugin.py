"""The provider plugin's own logic, without the engine: schema, wire values, secrets, custom timeouts."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pulumi.dynamic import CreateResult
from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime.rpc import UNKNOWN

from cortex_provider.plugin.kinds import KINDS
from cortex_provider.plugin.provider import CortexProvider, CustomTimeout, config_from
from cortex_provider.plugin.schema import schema_text
from cortex_provider.plugin.values import inbound, outbound

ROOT = Path(__file__).resolve().parents[2]
URN = "urn:pulumi:dev::proj::cortex:index:{}::r"


def test_committed_schema_is_the_generated_one() -> None:
    assert (ROOT / "plugin" / "schema.json").read_text() == schema_text(), (
        "plugin/schema.json is stale: python -m cortex_provider.plugin schema > plugin/schema.json"
    )


def test_schema_names_every_kind_its_replacing_inputs_and_secret_credentials() -> None:
    schema = json.loads(schema_text())
    assert set(schema["resources"]) == set(KINDS)
    model = schema["resources"]["cortex:index:FineTunedModel"]
    assert model["inputProperties"]["baseModel"]["replaceOnChanges"] is True
    assert "replaceOnChanges" not in model["inputProperties"]["retainOnDelete"]
    assert {"jobId", "status", "trainedTokens", "trainingPlan"} <= set(model["properties"])
    assert "pulumi import cortex:index:FineTunedModel NAME DB.SCHEMA.MODEL" in model["description"]
    for kind in KINDS.values():
        inputs = schema["resources"][kind.token]["inputProperties"]
        assert {k for k, v in inputs.items() if v.get("replaceOnChanges")} == {
            "".join(w if i == 0 else w.title() for i, w in enumerate(f.split("_"))) for f in kind.core.replace_on
        }
    secrets = {k for k, v in schema["config"]["variables"].items() if v.get("secret")}
    assert secrets == {"password", "privateKey", "privateKeyPassphrase"}


def test_wire_values_rename_top_level_keys_only_and_keep_unknowns_and_secrets() -> None:
    wire = {
        "baseModel": PropertyValue("llama3.1-8b"),
        "options": PropertyValue({"max_epochs": PropertyValue(2.0)}),
        "trainingQuery": PropertyValue(UNKNOWN),
        "secretQuery": PropertyValue("SELECT 1", is_secret=True),
    }
    props = inbound(wire)
    assert props == {"base_model": "llama3.1-8b", "options": {"max_epochs": 2},
                     "training_query": UNKNOWN, "secret_query": "SELECT 1"}
    back = outbound({**props, "job_id": "ft_1"}, secrets={"secretQuery"})
    assert back["secretQuery"].is_secret and not back["baseModel"].is_secret
    assert back["trainingQuery"].value == UNKNOWN and back["jobId"].value == "ft_1"
    assert back["options"].value["max_epochs"].value == 2.0  # type: ignore[index]


def test_check_config_marks_credentials_secret_and_configure_reads_them() -> None:
    provider = CortexProvider()
    news = {"password": PropertyValue("pw"), "account": PropertyValue("LOCAL")}
    checked = asyncio.run(provider.check_config(p.CheckRequest("urn", {}, news, b"")))
    assert checked.inputs is not None
    assert checked.inputs["password"].is_secret and not checked.inputs["account"].is_secret
    config = config_from({"cortex:config:role": "R"}, {"password": PropertyValue("pw", is_secret=True),
                                                       "version": PropertyValue("0.1.0")})
    assert config == {"cortex:role": "R", "cortex:password": "pw"}


class _Recorder:
    """Stands in for a kind's dynamic provider: records what create was given."""

    def __init__(self, sleep: float = 0.0) -> None:
        self.got: dict[str, Any] = {}
        self.sleep = sleep

    def create(self, props: dict[str, Any]) -> CreateResult:
        self.got = props
        time.sleep(self.sleep)
        return CreateResult("X", {**props, "status": "SUCCESS"})


def _create(monkeypatch: pytest.MonkeyPatch, kind: str, fake: _Recorder, props: dict[str, Any],
             timeout: float) -> p.CreateResponse:
    monkeypatch.setattr(KINDS[f"cortex:index:{kind}"].provider, "create", fake.create)
    wire = {k: PropertyValue(v) for k, v in props.items()}
    return asyncio.run(CortexProvider().create(p.CreateRequest(URN.format(kind), wire, timeout, False)))


def test_custom_timeout_bounds_a_training_wait_and_state_keeps_the_declared_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _Recorder()
    resp = _create(monkeypatch, "FineTunedModel", fake, {"name": "D.S.M", "timeoutMinutes": None}, 120.0)
    assert fake.got["timeout_minutes"] == 2.0  # the job's own wait bound: a timeout never cancels the job
    assert resp.properties["timeoutMinutes"].value is None  # no diff on the next up
    declared = _Recorder()
    resp = _create(monkeypatch, "FineTunedModel", declared, {"name": "D.S.M", "timeoutMinutes": 5.0}, 120.0)
    assert declared.got["timeout_minutes"] == 5.0 and resp.properties["timeoutMinutes"].value == 5.0


def test_custom_timeout_is_a_deadline_for_other_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CustomTimeout, match=r"custom timeout \(0.2 s, customTimeouts.create\)"):
        _create(monkeypatch, "CortexUserGrant", _Recorder(sleep=1.0), {"role": "R"}, 0.2)
    assert _create(monkeypatch, "CortexUserGrant", _Recorder(), {"role": "R"}, 0.0).resource_id == "X"


def test_diff_details_name_each_changed_input_and_the_replacing_ones() -> None:
    olds = {"role": "A", "database": "D", "schema": "S", "managedPrivileges": []}
    news = {"role": PropertyValue("B"), "database": PropertyValue("D"), "schema": PropertyValue("S")}
    req = p.DiffRequest(URN.format("ModelCreatorGrant"), "A|D.S", {k: PropertyValue(v) if not isinstance(v, list)
                        else PropertyValue([]) for k, v in olds.items()}, news, [])
    resp = asyncio.run(CortexProvider().diff(req))
    assert resp.changes and resp.replaces == ["role"]
    assert set(resp.detailed_diff) == {"role"}
    assert resp.detailed_diff["role"].kind == p.PropertyDiffKind.UPDATE_REPLACE
