"""`shares[].releases` in cortex:spec: a release's endpoint goes into the share (its `functions`), after the
release; an unknown name fails with the key path and the fix before anything registers."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from cortex_provider.program.build import build, export_outputs
from cortex_provider.program.spec import StackConfigError, parse_stack_spec
from tests.program.test_program_mocks import RecordingMocks
from tests.program.test_releases_spec import raw


class ReleaseMocks(RecordingMocks):
    """RecordingMocks, and a release's `endpoint` output as ModelRelease computes it."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        id_, outputs = super().new_resource(args)
        if args.name.startswith("release-"):
            i = args.inputs
            outputs["endpoint"] = f"{i['database']}.{i['schema_name']}.{i['name']}"
        return id_, outputs


def shared(**share: Any) -> dict[str, Any]:
    return raw(shares=[{"name": "SUPPORT_MODELS", "consumer_accounts": ["LOCALORG.CONSUMER"], **share}])


def test_shares_releases_parse_and_models_may_be_left_out() -> None:
    spec = parse_stack_spec(shared(releases=["SUPPORT"]), "s")
    (s,) = spec.shares
    assert (s.releases, s.models) == (["SUPPORT"], [])


def test_an_unknown_release_names_the_key_and_the_fix() -> None:
    with pytest.raises(StackConfigError, match=r"shares\[0\]\.releases: \['NOPE'\] are not declared under "
                                               r"releases \(known: SUPPORT\); add the release or fix the name"):
        parse_stack_spec(shared(releases=["NOPE"]), "stacks/Pulumi.primary.yaml")


@pytest.fixture
def mocks() -> ReleaseMocks:
    m = ReleaseMocks()
    pulumi.runtime.set_mocks(m, project="cortex", stack="primary", preview=False)
    return m


@pulumi.runtime.test
def test_the_share_gets_the_endpoint_after_the_release(mocks: ReleaseMocks, monkeypatch: pytest.MonkeyPatch) -> Any:
    import cortex_provider.program.build as build_module

    seen: dict[str, Any] = {}
    original = build_module.ModelShare

    def capture(resource_name: str, **kwargs: Any) -> Any:
        seen[resource_name] = kwargs["opts"]
        return original(resource_name, **kwargs)

    monkeypatch.setattr(build_module, "ModelShare", capture)
    built = build(parse_stack_spec(shared(releases=["SUPPORT"], models=["SUPPORT_EXTRACTOR"]), "s"))
    export_outputs(built)

    def check(_: Any) -> None:
        share = mocks.registered["share-support-models"]
        assert share["functions"] == ["CORTEX_DEMO.MODELS.SUPPORT"]
        assert share["models"] == ["CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR"]
        deps = {id(r) for r in seen["share-support-models"].depends_on}
        assert id(built.releases["SUPPORT"]) in deps and id(built.models["SUPPORT_EXTRACTOR"]) in deps

    return built.shares["SUPPORT_MODELS"].urn.apply(check)
