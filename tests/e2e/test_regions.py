"""Issue 6: the multi-region stacks (primary, eu, apac) through the offline runner, against a fresh
emulator whose accounts stand for regions: PRIMARY trains, shares to CONSUMER (same region) and
replicates to EU and APAC; the eu/apac stacks read the primary's outputs through a StackReference.

One ordered suite on one copy of the project (after a failure the later steps skip). Assertions read
the emulator through the real driver, in each account, and the runner's step data.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from snowflake.connector.errors import ProgrammingError

from cortex_provider.offline import RunResult
from tests.conftest import Emulator
from tests.e2e.support import (
    PASSWORD,
    copy_project,
    load_stack,
    run_verb,
    save_stack,
    seed_demo,
    skip_after_failure,
    stub_runs,
)

DB, SCHEMA = "CORTEX_DEMO", "MODELS"
MODEL = f"{DB}.{SCHEMA}.SUPPORT_EXTRACTOR"
NEW = "SUPPORT_TRIAGE"
REGIONS = {"eu": "EU", "apac": "APAC"}
GROUP, SHARE = "CORTEX_MODELS", "SUPPORT_MODELS"


@dataclass
class Regions:
    emu: Emulator
    project: Path
    conns: dict[str, Any] = field(default_factory=dict)
    runs: dict[str, RunResult] = field(default_factory=dict)

    def run(self, verb: str, stack: str) -> RunResult:
        result = run_verb(self.project, verb, stack=stack)
        assert result.ok, f"{verb} {stack} failed: {result.errors}"
        self.runs[f"{verb}:{stack}"] = result
        return result

    def conn(self, account: str) -> Any:
        if account not in self.conns:
            self.conns[account] = self.emu.connect(account=account, password=PASSWORD)
        return self.conns[account]

    def sql(self, account: str, text: str) -> list[dict[str, Any]]:
        from snowflake.connector import DictCursor

        rows: list[dict[str, Any]] = self.conn(account).cursor(DictCursor).execute(text).fetchall()
        return rows

    def models(self, account: str, database: str = DB) -> set[str]:
        return {r["name"] for r in self.sql(account, f"SHOW MODELS IN DATABASE {database}")}

    def complete(self, account: str, model: str = MODEL, **who: Any) -> str:
        cur = (self.emu.connect(account=account, **who) if who else self.conn(account)).cursor()
        row = cur.execute(f"SELECT SNOWFLAKE.CORTEX.COMPLETE('{model}', 'Extract the condition from: cough')")
        return str(row.fetchone()[0])

    def edit_spec(self, stack: str, change: Any) -> None:
        data = load_stack(self.project, stack)
        change(data["config"]["cortex:spec"])
        save_stack(self.project, data, stack)


@pytest.fixture(scope="module")
def rg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Regions]:
    root = tmp_path_factory.mktemp("regions")
    emu = Emulator(root / "data", engine="stub")
    emu.start()
    try:
        seed_demo(emu.port, account="PRIMARY")
        for account in ("EU", "APAC", "CONSUMER"):
            seed_demo(emu.port, account=account, roles_only=True)
        project = copy_project(root / "project", emu.port)
        with stub_runs("regions-test"):
            yield Regions(emu, project)
    finally:
        emu.stop()


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "regions")


def test_region_before_primary_fails_with_the_fix(rg: Regions) -> None:
    result = run_verb(rg.project, "up", stack="eu")
    assert not result.ok
    assert "unknown stack 'primary'" in result.errors[0] and "run `up` for that stack first" in result.errors[0]


def test_primary_then_regions_replicate_and_grant(rg: Regions) -> None:
    primary = rg.run("up", "primary")
    job = primary.outputs["model:SUPPORT_EXTRACTOR"]["job_id"]
    assert primary.outputs["share:SUPPORT_MODELS"] == f"LOCALORG.PRIMARY.{SHARE}"
    # a regional analyst: no access until the region's stack grants it
    for stack, account in REGIONS.items():
        rg.sql(account, "CREATE USER ANA PASSWORD = 'ana-pw'")
        rg.sql(account, "GRANT ROLE ANALYST TO USER ANA")
        with pytest.raises(ProgrammingError, match=r"SNOWFLAKE\.CORTEX_USER"):
            rg.complete(account, user="ANA", password="ana-pw", role="ANALYST")
        result = rg.run("up", stack)
        ops = result.ops()
        ops.pop(f"cortex-{stack}")  # the eu stack itself exists since its failed first up, as with Pulumi
        assert ops == {"regional-cortex-user-analyst": "create", "replica-usage-support-extractor-analyst": "create"}
        assert result.outputs["consumed:SUPPORT_EXTRACTOR"] == {
            "model": MODEL, "primary_job_id": job, "primary_status": "SUCCESS", "visible": True,
            "account": account, "primary_stack": "primary"}
        assert rg.models(account) == {"SUPPORT_EXTRACTOR"}
        assert rg.complete(account) == rg.complete("PRIMARY") and "adapter:" + MODEL in rg.complete(account)
        assert "adapter:" + MODEL in rg.complete(account, user="ANA", password="ana-pw", role="ANALYST")


def test_consumer_in_the_primary_region_uses_the_share(rg: Regions) -> None:
    rg.sql("CONSUMER", f"CREATE DATABASE SHARED_MODELS FROM SHARE LOCALORG.PRIMARY.{SHARE}")
    assert rg.models("CONSUMER", "SHARED_MODELS") == {"SUPPORT_EXTRACTOR"}
    assert "adapter:" in rg.complete("CONSUMER", "SHARED_MODELS.MODELS.SUPPORT_EXTRACTOR")


def test_second_up_of_every_stack_changes_nothing(rg: Regions) -> None:
    for stack in ("primary", "eu", "apac"):
        result = rg.run("up", stack)
        assert set(result.ops().values()) == {"same"}, (stack, result.ops())
        assert not {"Create", "Update", "Delete"} & set(result.methods())


def test_new_model_reaches_every_target_on_the_next_primary_up(rg: Regions) -> None:
    def add_model(spec: dict[str, Any]) -> None:
        spec["models"].append({"name": NEW, "base_model": "mistral-7b", "training_view": "SUPPORT_TRAIN"})
        spec["shares"][0]["models"].append(NEW)

    rg.edit_spec("primary", add_model)
    primary = rg.run("up", "primary")
    ops = primary.ops()
    assert ops[f"model-{NEW.lower().replace('_', '-')}"] == "create"
    assert ops["replication-cortex-models"] == "update" and ops["share-support-models"] == "update"
    new_job = primary.outputs[f"model:{NEW}"]["job_id"]
    for account in REGIONS.values():
        assert rg.models(account) == {"SUPPORT_EXTRACTOR", NEW}
        assert f"adapter:{DB}.{SCHEMA}.{NEW}" in rg.complete(account, f"{DB}.{SCHEMA}.{NEW}")
    assert rg.models("CONSUMER", "SHARED_MODELS") == {"SUPPORT_EXTRACTOR", NEW}
    # the region picks the new model up from the primary's outputs
    rg.edit_spec("eu", lambda spec: spec["consume"]["models"].append(NEW))
    eu = rg.run("up", "eu")
    assert eu.outputs[f"consumed:{NEW}"]["primary_job_id"] == new_job
    assert eu.outputs[f"consumed:{NEW}"]["visible"] is True


def test_drift_by_hand_is_repaired_by_refresh_and_up(rg: Regions) -> None:
    rg.sql("PRIMARY", f"ALTER SHARE {SHARE} REMOVE ACCOUNTS = LOCALORG.CONSUMER")
    rg.sql("EU", f"DROP REPLICATION GROUP {GROUP}")
    assert not [r for r in rg.sql("EU", "SHOW REPLICATION GROUPS") if r["account_name"] == "EU"]
    refreshed = rg.run("refresh", "primary")
    drift = {s.name: s.changed for s in refreshed.steps if s.note == "drift"}
    assert "consumer_accounts" in drift["share-support-models"]
    assert "target_accounts" in drift["replication-cortex-models"]
    repaired = rg.run("up", "primary")
    assert repaired.ops()["share-support-models"] == "update"
    assert repaired.ops()["replication-cortex-models"] == "update"
    eu_groups = [r for r in rg.sql("EU", "SHOW REPLICATION GROUPS") if r["account_name"] == "EU"]
    assert [(r["name"], r["is_primary"]) for r in eu_groups] == [(GROUP, "false")]
    assert rg.models("EU") == {"SUPPORT_EXTRACTOR", NEW}
    shares = rg.sql("PRIMARY", f"SHOW SHARES LIKE '{SHARE}'")
    assert "LOCALORG.CONSUMER" in str(shares[0]["to"]).upper()
    assert rg.models("CONSUMER", "SHARED_MODELS") == {"SUPPORT_EXTRACTOR", NEW}
    assert set(rg.run("up", "primary").ops().values()) == {"same"}


def test_destroy_regions_then_primary_keeps_database_and_models(rg: Regions) -> None:
    for stack in ("apac", "eu"):
        result = rg.run("destroy", stack)
        assert {s.op for s in result.steps} == {"delete"}
    grants = rg.sql("EU", f"SHOW GRANTS ON MODEL {MODEL}")
    assert "ANALYST" not in {g["grantee_name"] for g in grants}  # the region's grants are revoked
    before = copy.deepcopy(rg.models("PRIMARY"))
    rg.run("destroy", "primary")
    assert rg.models("PRIMARY") == before == {"SUPPORT_EXTRACTOR", NEW}  # retained models stay
    assert DB in {d["name"] for d in rg.sql("PRIMARY", "SHOW DATABASES")}
    assert not rg.sql("PRIMARY", f"SHOW SHARES LIKE '{SHARE}'")
    assert not [r for r in rg.sql("PRIMARY", "SHOW REPLICATION GROUPS") if r["name"] == GROUP]
    # with the primary gone, a region's up says what is missing instead of granting blindly
    failed = run_verb(rg.project, "up", stack="eu")
    assert not failed.ok and "exports no trained model" in failed.errors[0]
    assert "(it exports: none). Fix: run `up` for 'primary' first" in failed.errors[0]
