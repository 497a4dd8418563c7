"""A consumer stack's `shared_models` section: validation before anything is registered, and what the
program registers from the provider stack's `share:<NAME>` output (under pulumi.runtime mocks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml  # type: ignore[import-untyped]

from cortex_provider.program.build import build, export_outputs
from cortex_provider.program.mounts import MountError, share_ref_from
from cortex_provider.program.spec import StackConfigError, parse_stack_spec

ROOT = Path(__file__).resolve().parents[2]
REF = "LOCALORG.PRIMARY.SUPPORT_MODELS"
PRIMARY_OUTPUTS: dict[str, Any] = {"share:SUPPORT_MODELS": REF, "model:SUPPORT_EXTRACTOR": {"model": "X"}}


def _consumer(*mounts: dict[str, Any]) -> dict[str, Any]:
    return {"database": "SHARED", "schema": "MODELS", "access": {"cortex_users": ["ANALYST"]},
            "shared_models": list(mounts)}


@pytest.mark.parametrize(("mount", "text"), [
    ({"database": "D", "stack": "primary"}, "`stack` and `share` go together"),
    ({"database": "D", "stack": "primary", "share": "S", "share_ref": REF}, "not both"),
    ({"database": "D"}, "give either `stack` + `share`"),
    ({"database": "D", "share_ref": "JUST_A_SHARE"}, "shared_models[0].share_ref"),
    ({"database": "a b", "share_ref": REF}, "shared_models[0].database"),
    ({"database": "D", "share_ref": REF, "roles": ["R", "r"]}, "duplicate roles ['R']"),
    ({"database": "D", "share_ref": REF, "grants": []}, "shared_models[0].grants"),
])
def test_bad_entry_names_the_key_and_the_fix(mount: dict[str, Any], text: str) -> None:
    with pytest.raises(StackConfigError) as err:
        parse_stack_spec(_consumer(mount), "stacks/Pulumi.consumer.yaml")
    assert text in str(err.value) and "stacks/Pulumi.consumer.yaml" in str(err.value)


def test_two_mounts_of_one_database_are_rejected() -> None:
    with pytest.raises(StackConfigError, match="mounted twice"):
        parse_stack_spec(_consumer({"database": "D", "share_ref": REF}, {"database": "d", "share_ref": REF}), "s")


def test_the_consumer_stack_file_parses() -> None:
    raw = yaml.safe_load((ROOT / "stacks/Pulumi.consumer.yaml").read_text())["config"]["cortex:spec"]
    spec = parse_stack_spec(raw, "stacks/Pulumi.consumer.yaml")
    (mount,) = spec.shared_models
    assert (mount.database, mount.stack, mount.share, mount.roles) == ("SUPPORT_SHARED", "primary",
                                                                       "SUPPORT_MODELS", ["ANALYST"])


def test_missing_share_output_says_what_the_provider_exports() -> None:
    with pytest.raises(MountError, match=r"no share 'OTHER' \(it exports: SUPPORT_MODELS\).*run `up`"):
        share_ref_from(PRIMARY_OUTPUTS, "primary", "OTHER")


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        self.registered[args.name] = (args.typ, inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            return args.name, {"name": args.name, "outputs": PRIMARY_OUTPUTS, "secretOutputNames": []}
        outs = dict(inputs)
        if "share_ref" in inputs:
            outs.update(status="AVAILABLE", models=["SUPPORT_SHARED.MODELS.SUPPORT_EXTRACTOR"])
        return f"{args.name}-id", outs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], None]:
        return {}, None


@pulumi.runtime.test
def test_consumer_stack_mounts_the_share_named_by_the_provider_stack() -> Any:
    mocks = _Mocks()
    pulumi.runtime.set_mocks(mocks, project="cortex", stack="consumer", preview=False)
    spec = parse_stack_spec(_consumer({"database": "SUPPORT_SHARED", "stack": "primary",
                                       "share": "SUPPORT_MODELS", "roles": ["ANALYST"]}), "s")
    built = build(spec)
    export_outputs(built)
    mount = built.mounts["SUPPORT_SHARED"]

    def check(v: list[Any]) -> None:
        _, inputs = mocks.registered["shared-models-support-shared"]
        assert mocks.registered["shared-models-primary"][0] == "pulumi:pulumi:StackReference"
        assert inputs["share_ref"] == REF and inputs["database"] == "SUPPORT_SHARED"
        assert inputs["roles"] == ["ANALYST"]
        assert "cortex-user-analyst" in mocks.registered  # CORTEX_USER for the role that calls COMPLETE
        assert v == [REF, "AVAILABLE"]
        assert not built.models and not built.shares

    return pulumi.Output.all(mount.share_ref, mount.status).apply(check)
