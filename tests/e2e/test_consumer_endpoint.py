"""On the real Pulumi engine: a release endpoint reaches the consumer account.

The repo's `primary` stack gains a release (SUPPORT: versions SUPPORT_V1.. behind the secure function
CORTEX_DEMO.MODELS.SUPPORT) and `shares[0].releases: [SUPPORT]`; the repo's `consumer` stack, unchanged,
mounts the share as SUPPORT_SHARED. The consumer's ANALYST role then calls
SUPPORT_SHARED.MODELS.SUPPORT(prompt) and gets the provider's serving version, follows a promotion with
no consumer `up`, and gets Snowflake's 003030 once the provider takes the account off the share. The
primary's replication (EU/APAC) is left out of its spec here: test_regions.py covers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from snowflake.connector.errors import ProgrammingError

from cortex_provider.engine import VerbResult
from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import PASSWORD, seed_demo, skip_after_failure

ENDPOINT, MOUNTED = "CORTEX_DEMO.MODELS.SUPPORT", "SUPPORT_SHARED.MODELS.SUPPORT"
RELEASE = {"name": "SUPPORT", "base_model": "llama3.1-8b", "training_view": "SUPPORT_TRAIN",
           "validation_view": "SUPPORT_VALIDATION", "options": {"max_epochs": 1}, "usage_roles": ["ANALYST"]}
PROMPT = "Extract the condition from: cough"


class World:
    def __init__(self, emu: Emulator, project: EngineProject) -> None:
        self.emu, self.project = emu, project

    def run(self, verb: str, stack: str) -> VerbResult:
        result = self.project.run(verb, stack)
        assert result.ok, f"{verb} {stack}:\n{result.stdout[-3000:]}\n{result.stderr[-1500:]}"
        return result

    def sql(self, account: str, text: str, **who: Any) -> list[tuple[Any, ...]]:
        conn = self.emu.connect(account=account, **(who or {"password": PASSWORD}))
        try:
            return list(conn.cursor().execute(text).fetchall())
        finally:
            conn.close()

    def call_as_analyst(self) -> str:
        rows = self.sql("CONSUMER", f"SELECT {MOUNTED}('{PROMPT}')", user="ANA", password="ana-pw", role="ANALYST")
        return str(rows[0][0])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("consumer_endpoint")
    emu = Emulator(root / "data", engine="stub", catalogue="current")
    emu.start()
    try:
        seed_demo(emu.port, account="PRIMARY")
        seed_demo(emu.port, account="CONSUMER", roles_only=True)
        project = EngineProject(root / "project", emu.port)
        spec = project.spec("primary")
        spec.pop("replication", None)
        spec["releases"] = [dict(RELEASE)]
        spec["shares"][0]["releases"] = ["SUPPORT"]
        project.set_spec(spec, "primary")
        yield World(emu, project)
    finally:
        emu.stop()


@pytest.fixture(autouse=True)
def _incremental(request: pytest.FixtureRequest) -> None:
    skip_after_failure(request, "consumer endpoint")


def test_primary_shares_the_endpoint_consumer_role_calls_it(world: World) -> None:
    primary = world.run("up", "primary")
    assert primary.outputs["release:SUPPORT"]["serving_version"] == "V1"
    grants = {(g[1], g[2], g[3]) for g in world.sql("PRIMARY", "SHOW GRANTS TO SHARE SUPPORT_MODELS")}
    assert ("USAGE", "FUNCTION", ENDPOINT) in grants
    assert not any(name.startswith(f"{ENDPOINT}_V") for _, _, name in grants)  # the versions stay unshared
    world.sql("CONSUMER", "CREATE USER ANA PASSWORD = 'ana-pw'")
    world.sql("CONSUMER", "GRANT ROLE ANALYST TO USER ANA")
    with pytest.raises(ProgrammingError):
        world.call_as_analyst()  # nothing mounted yet
    consumer = world.run("up", "consumer")
    assert consumer.ops().get("shared-models-support-shared") == "create"
    assert f"adapter:{ENDPOINT}_V1]" in world.call_as_analyst()


def test_a_promotion_reaches_the_consumer_without_a_consumer_up(world: World) -> None:
    def retrain(spec: dict[str, Any]) -> None:
        spec["releases"][0]["options"] = {"max_epochs": 2}

    spec = world.project.spec("primary")
    retrain(spec)
    world.project.set_spec(spec, "primary")
    primary = world.run("up", "primary")
    assert primary.outputs["release:SUPPORT"]["serving_version"] == "V2"
    assert f"adapter:{ENDPOINT}_V2]" in world.call_as_analyst()


def test_second_ups_change_nothing(world: World) -> None:
    for stack in ("primary", "consumer"):
        result = world.run("up", stack)
        assert set(result.ops().values()) - {"read"} == {"same"}, (stack, result.ops())


def test_taking_the_consumer_off_the_share_fails_the_call_with_003030(world: World) -> None:
    world.sql("PRIMARY", "ALTER SHARE SUPPORT_MODELS REMOVE ACCOUNTS = LOCALORG.CONSUMER")
    with pytest.raises(ProgrammingError, match="no longer available") as info:
        world.call_as_analyst()
    assert info.value.errno == 3030
    assert f"adapter:{ENDPOINT}_V2]" in str(world.sql("PRIMARY", f"SELECT {ENDPOINT}('{PROMPT}')")[0][0])
