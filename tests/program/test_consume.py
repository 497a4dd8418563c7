"""The `consume` section of a region stack: validation, and what it builds from the primary's outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from cortex_provider.program.build import build, export_outputs
from cortex_provider.program.consume import ConsumeError, account_part, model_info, visible_in
from cortex_provider.program.spec import StackConfigError, parse_stack_spec

MODEL = "CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR"
PRIMARY_OUTPUTS: dict[str, Any] = {
    "model:SUPPORT_EXTRACTOR": {"model": MODEL, "job_id": "ft_1", "status": "SUCCESS"},
    "replication:G": {
        "LOCALORG.EU": {"account": "LOCALORG.EU", "replicated": True, "models": [MODEL]},
        "LOCALORG.APAC": {"account": "LOCALORG.APAC", "replicated": False, "models": []},
    },
}


def _region(**consume: Any) -> dict[str, Any]:
    return {"database": "CORTEX_DEMO", "schema": "MODELS",
            "consume": {"stack": "primary", "models": ["SUPPORT_EXTRACTOR"], **consume}}


@pytest.mark.parametrize(("consume", "text"), [
    ({"stack": "a/b"}, "give a stack name"),
    ({"models": []}, "consume.models"),
    ({"usage_roles": ["R", "R"]}, "usage_roles: duplicate names ['R']"),
    ({"regions": ["x"]}, "consume.regions"),
])
def test_bad_consume_section_names_the_key(consume: dict[str, Any], text: str) -> None:
    with pytest.raises(StackConfigError) as err:
        parse_stack_spec(_region(**consume), "stacks/Pulumi.eu.yaml")
    assert text in str(err.value) and "stacks/Pulumi.eu.yaml" in str(err.value)


def test_a_role_under_access_and_consume_is_rejected() -> None:
    raw = {**_region(cortex_users=["ANALYST"]), "access": {"cortex_users": ["ANALYST"]}}
    with pytest.raises(StackConfigError, match=r"already under access\.cortex_users"):
        parse_stack_spec(raw, "s")


def test_visibility_reads_this_accounts_replica_only() -> None:
    assert account_part("LOCALORG.EU") == account_part("localorg-eu") == account_part("eu") == "EU"
    assert visible_in(PRIMARY_OUTPUTS, MODEL, "EU") is True
    assert visible_in(PRIMARY_OUTPUTS, MODEL, "APAC") is False  # replica not refreshed
    assert visible_in(PRIMARY_OUTPUTS, MODEL, "LATAM") is False  # not a target
    assert visible_in(PRIMARY_OUTPUTS, MODEL, None) is None  # this stack's account is unknown


def test_missing_model_output_says_what_the_primary_exports() -> None:
    with pytest.raises(ConsumeError, match=r"no trained model 'OTHER' \(it exports: SUPPORT_EXTRACTOR\)"):
        model_info(PRIMARY_OUTPUTS, "primary", "OTHER")


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered[args.name] = (args.typ, {k: v for k, v in args.inputs.items() if k != "__provider"})
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {"name": args.name, "outputs": PRIMARY_OUTPUTS, "secretOutputNames": []}
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], None]:
        return {}, None


@pytest.fixture
def eu_account(monkeypatch: pytest.MonkeyPatch) -> None:
    # the account from the environment (pulumi's set_config would leak into later tests)
    monkeypatch.setenv("SNOWFLAKE_ACCOUNT", "LOCALORG.EU")


@pytest.mark.usefixtures("eu_account")
@pulumi.runtime.test
def test_region_stack_grants_on_the_replicated_model_named_by_the_primary() -> Any:
    mocks = _Mocks()
    pulumi.runtime.set_mocks(mocks, project="cortex", stack="eu", preview=False)
    built = build(parse_stack_spec(_region(cortex_users=["ANALYST"], usage_roles=["ANALYST"]), "s"))
    export_outputs(built)

    def check(info: dict[str, Any]) -> None:
        assert mocks.registered["primary"][0] == "pulumi:pulumi:StackReference"
        assert mocks.registered["regional-cortex-user-analyst"][1]["role"] == "ANALYST"
        assert mocks.registered["replica-usage-support-extractor-analyst"][1]["model"] == MODEL
        assert info == {"model": MODEL, "primary_job_id": "ft_1", "primary_status": "SUCCESS",
                        "visible": True, "account": "EU", "primary_stack": "primary"}
        assert not built.models and len(built.others) == 2

    return pulumi.Output.all(*(g.urn for g in built.others), built.consumed["SUPPORT_EXTRACTOR"]).apply(
        lambda v: check(v[-1]))
