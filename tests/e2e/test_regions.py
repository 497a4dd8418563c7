"""Issues 6 and 15: the multi-region stacks (primary, consumer, eu, apac) on the real Pulumi engine,
against a fresh emulator whose accounts stand for regions: PRIMARY trains, shares to CONSUMER (same
region; the `consumer` stack mounts the share) and replicates to EU and APAC; the other stacks read the
primary's outputs through Pulumi's own StackReference.

One ordered suite on one copy of the project (after a failure the later steps skip). Assertions read
the emulator through the real driver, in each account, and the engine's events and state.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from snowflake.connector.errors import ProgrammingError

from cortex_provider.engine import VerbResult
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import PASSWORD, seed_demo, skip_after_failure

DB, SCHEMA = "CORTEX_DEMO", "MODELS"
MODEL = f"{DB}.{SCHEMA}.SUPPORT_EXTRACTOR"
SHARED = "SUPPORT_SHARED.MODELS.SUPPORT_EXTRACTOR"
NEW = "SUPPORT_TRIAGE"
REGIONS = {"eu": "EU", "apac": "APAC"}
GROUP, SHARE = "CORTEX_MODELS", "SUPPORT_MODELS"
ANALYST = {"user": "ANA", "password": "ana-pw", "role": "ANALYST"}


@dataclass
class Regions:
    emu: Emulator
    project: EngineProject
    conns: dict[str, Any] = field(default_factory=dict)

    def run(self, verb: str, stack: str, *, ok: bool = True) -> VerbResult:
        result = self.project.run(verb, stack)
        assert result.ok is ok, f"{verb} {stack}:\n{result.stdout[-3000:]}\n{result.stderr[-1500:]}"
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

    def add_analyst(self, account: str) -> None:
        self.sql(account, "CREATE USER ANA PASSWORD = 'ana-pw'")
        self.sql(account, "GRANT ROLE ANALYST TO USER ANA")

    def edit_spec(self, stack: str, change: Any) -> None:
        spec = self.project.spec(stack)
        change(spec)
        self.project.set_spec(spec, stack)


@pytest.fixture(scope="module")
def rg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Regions]:
    root = tmp_path_factory.mktemp("regions")
    emu = Emulator(root / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port, account="PRIMARY")
        for account in ("EU", "APAC", "CONSUMER"):
            seed_demo(emu.port, account=account, roles_only=True)
        yield Regions(emu, EngineProject(root / "project", emu.port))
    finally:
        emu.stop()


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "regions")


def test_region_before_primary_fails_with_the_engines_message(rg: Regions) -> None:
    result = rg.run("up", "eu", ok=False)
    assert 'unknown stack "primary"' in result.stdout  # Pulumi's own StackReference error
    # and nothing of the region was created (its grants wait for the primary's stack to be read)
    assert rg.sql("EU", "SHOW GRANTS OF DATABASE ROLE SNOWFLAKE.CORTEX_USER") == []


def test_primary_then_regions_replicate_and_grant(rg: Regions) -> None:
    primary = rg.run("up", "primary")
    job = primary.outputs["model:SUPPORT_EXTRACTOR"]["job_id"]
    assert primary.outputs["share:SUPPORT_MODELS"] == f"LOCALORG.PRIMARY.{SHARE}"
    # a regional analyst: no access until the region's stack grants it
    for stack, account in REGIONS.items():
        rg.add_analyst(account)
        with pytest.raises(ProgrammingError, match=r"SNOWFLAKE\.CORTEX_USER"):
            rg.complete(account, **ANALYST)
        result = rg.run("up", stack)
        ops = result.ops()
        ops.pop(f"cortex-{stack}")
        assert ops.pop("primary") == "read"  # Pulumi's StackReference reads the primary's outputs
        assert ops == {"regional-cortex-user-analyst": "create", "replica-usage-support-extractor-analyst": "create"}
        assert result.outputs["consumed:SUPPORT_EXTRACTOR"] == {
            "model": MODEL, "primary_job_id": job, "primary_status": "SUCCESS", "visible": True,
            "account": account, "primary_stack": "primary"}
        assert rg.models(account) == {"SUPPORT_EXTRACTOR"}
        assert rg.complete(account) == rg.complete("PRIMARY") and "adapter:" + MODEL in rg.complete(account)
        assert "adapter:" + MODEL in rg.complete(account, **ANALYST)


def test_consumer_stack_mounts_the_share_for_its_role(rg: Regions) -> None:
    rg.add_analyst("CONSUMER")
    with pytest.raises(ProgrammingError):
        rg.complete("CONSUMER", SHARED, **ANALYST)
    consumer = rg.run("up", "consumer")
    assert consumer.ops().get("shared-models-support-shared") == "create"
    assert rg.models("CONSUMER", "SUPPORT_SHARED") == {"SUPPORT_EXTRACTOR"}
    assert "adapter:" in rg.complete("CONSUMER", SHARED, **ANALYST)  # the consumer's own role


def test_second_up_of_every_stack_changes_nothing(rg: Regions) -> None:
    for stack in ("primary", "consumer", "eu", "apac"):
        result = rg.run("up", stack)
        assert set(result.ops().values()) - {"read"} == {"same"}, (stack, result.ops())  # read: StackReference


def test_new_model_reaches_every_target_on_the_next_primary_up(rg: Regions) -> None:
    def add_model(spec: dict[str, Any]) -> None:
        spec["models"].append({"name": NEW, "base_model": "llama3.1-8b", "training_view": "SUPPORT_TRAIN"})
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
    assert rg.models("CONSUMER", "SUPPORT_SHARED") == {"SUPPORT_EXTRACTOR", NEW}
    # the region picks the new model up from the primary's outputs
    rg.edit_spec("eu", lambda spec: spec["consume"]["models"].append(NEW))
    eu = rg.run("up", "eu")
    assert eu.outputs[f"consumed:{NEW}"]["primary_job_id"] == new_job
    assert eu.outputs[f"consumed:{NEW}"]["visible"] is True


def test_consumer_refresh_shows_a_withdrawn_share(rg: Regions) -> None:
    rg.sql("PRIMARY", f"ALTER SHARE {SHARE} REMOVE ACCOUNTS = LOCALORG.CONSUMER")
    with pytest.raises(ProgrammingError, match="no longer available"):
        rg.complete("CONSUMER", SHARED, **ANALYST)  # Snowflake's own error, as the consumer's role
    refreshed = rg.run("refresh", "consumer")
    assert ("update", "shared-models-support-shared") in refreshed.finished
    mount = next(r for r in rg.project.export("consumer")["deployment"]["resources"]
                 if r["urn"].endswith("::shared-models-support-shared"))
    assert mount["outputs"]["status"] == "REVOKED"
    # what refresh prints and stores as the stack's output is what it read back, not the last up's
    assert refreshed.outputs["shared:SUPPORT_SHARED"]["status"] == "REVOKED"
    assert '"AVAILABLE" => "REVOKED"' in refreshed.stdout.split("Outputs:", 1)[-1]


def test_drift_by_hand_is_repaired_by_refresh_and_up(rg: Regions) -> None:
    rg.sql("EU", f"DROP REPLICATION GROUP {GROUP}")
    assert not [r for r in rg.sql("EU", "SHOW REPLICATION GROUPS") if r["account_name"] == "EU"]
    refreshed = rg.run("refresh", "primary")
    assert refreshed.summary.get("update") == 2  # the share lost CONSUMER, the group lost EU
    repaired = rg.run("up", "primary")
    assert repaired.ops()["share-support-models"] == "update"
    assert repaired.ops()["replication-cortex-models"] == "update"
    eu_groups = [r for r in rg.sql("EU", "SHOW REPLICATION GROUPS") if r["account_name"] == "EU"]
    assert [(r["name"], r["is_primary"]) for r in eu_groups] == [(GROUP, "false")]
    assert rg.models("EU") == {"SUPPORT_EXTRACTOR", NEW}
    shares = rg.sql("PRIMARY", f"SHOW SHARES LIKE '{SHARE}'")
    assert "LOCALORG.CONSUMER" in str(shares[0]["to"]).upper()
    assert set(rg.run("up", "primary").ops().values()) == {"same"}  # the primary reads no other stack
    # a withdrawn mount stays dead in Snowflake: the consumer's next up mounts the share again
    consumer = rg.run("up", "consumer")
    assert consumer.ops()["shared-models-support-shared"] in ("replace", "create-replacement", "delete-replaced")
    assert "adapter:" in rg.complete("CONSUMER", SHARED, **ANALYST)


def test_destroy_consumers_then_primary_keeps_database_and_models(rg: Regions) -> None:
    before_primary = rg.models("PRIMARY")
    result = rg.run("destroy", "consumer")
    assert set(result.summary) <= {"delete", "discard"}  # discard: the StackReference (nothing to delete)
    assert "SUPPORT_SHARED" not in {d["name"] for d in rg.sql("CONSUMER", "SHOW DATABASES")}
    assert rg.models("PRIMARY") == before_primary  # the consumer's destroy leaves the provider untouched
    assert rg.sql("PRIMARY", f"SHOW SHARES LIKE '{SHARE}'")
    for stack in ("apac", "eu"):
        result = rg.run("destroy", stack)
        assert set(result.summary) <= {"delete", "discard"}
    grants = rg.sql("EU", f"SHOW GRANTS ON MODEL {MODEL}")
    assert "ANALYST" not in {g["grantee_name"] for g in grants}  # the region's grants are revoked
    before = copy.deepcopy(rg.models("PRIMARY"))
    rg.run("destroy", "primary")
    assert rg.models("PRIMARY") == before == {"SUPPORT_EXTRACTOR", NEW}  # retained models stay
    assert DB in {d["name"] for d in rg.sql("PRIMARY", "SHOW DATABASES")}
    assert not rg.sql("PRIMARY", f"SHOW SHARES LIKE '{SHARE}'")
    assert not [r for r in rg.sql("PRIMARY", "SHOW REPLICATION GROUPS") if r["name"] == GROUP]
    # with the primary gone, a region's up says what is missing instead of granting blindly
    failed = rg.run("up", "eu", ok=False)
    assert "exports no trained model" in failed.stdout
    assert "Fix: run `up` for 'primary' first" in failed.stdout
