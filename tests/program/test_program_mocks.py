"""The program under the SDK's pulumi.runtime mocks: what it registers, with which inputs and wiring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from cortex_provider.program.build import build, export_outputs
from cortex_provider.program.spec import parse_stack_spec

ROOT = Path(__file__).resolve().parents[2]


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.registered: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = {k: v for k, v in args.inputs.items() if k != "__provider"}
        self.registered[args.name] = inputs
        outputs = dict(inputs)
        if args.name.startswith("view-"):
            fqn = f"{inputs['database']}.{inputs['schema']}.{inputs['name']}"
            outputs.update(fqn=fqn, training_query=f"SELECT prompt, completion FROM {fqn}")
        if args.name.startswith("model-") and "base_model" in inputs:
            outputs.update(model=f"{inputs['database']}.{inputs['schema_name']}.{inputs['name']}",
                           status="SUCCESS")
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, project="cortex", stack="local", preview=False)
    return m


def _local_spec() -> Any:
    path = ROOT / "stacks" / "Pulumi.local.yaml"
    return parse_stack_spec(yaml.safe_load(path.read_text())["config"]["cortex:spec"], str(path))


@pulumi.runtime.test
def test_local_stack_registers_the_full_chain(mocks: RecordingMocks) -> Any:
    built = build(_local_spec())
    export_outputs(built)

    def check(_: Any) -> None:
        names = set(mocks.registered)
        assert {"cortex-user-ml-engineer", "model-creator-ml-engineer", "view-support-train",
                "view-support-validation", "model-support-extractor",
                "model-usage-support-extractor-analyst"} <= names
        model = mocks.registered["model-support-extractor"]
        # the model trains on the view's output, not on a copy of its SQL
        assert model["training_query"] == "SELECT prompt, completion FROM CORTEX_DEMO.MODELS.SUPPORT_TRAIN"
        assert model["validation_query"] == "SELECT prompt, completion FROM CORTEX_DEMO.MODELS.SUPPORT_VALIDATION"
        assert model["retain_on_delete"] is True
        # the view's declared body travels with the model, so editing it is a visible retrain
        assert "ID % 10 <> 0" in model["training_definition"]
        assert "ID % 10 = 0" in model["validation_definition"]
        assert model["base_model"] == "llama3.1-8b"
        usage = mocks.registered["model-usage-support-extractor-analyst"]
        assert usage["model"] == "CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR"
        view = mocks.registered["view-support-train"]
        assert view["source"] == "CORTEX_DEMO.RAW.SUPPORT_NOTES"
        assert view["base_model"] == "llama3.1-8b"  # limits and cost of the model trained on it

    model = built.models["SUPPORT_EXTRACTOR"]
    return pulumi.Output.all(model.urn, *(g.urn for g in built.others)).apply(check)


@pulumi.runtime.test
def test_model_depends_on_grants_and_views(mocks: RecordingMocks, monkeypatch: pytest.MonkeyPatch) -> Any:
    import cortex_provider.program.build as build_module

    seen: dict[str, Any] = {}
    original = build_module.FineTunedModel

    def capture(name: str, **kwargs: Any) -> Any:
        seen[name] = kwargs["opts"]
        return original(name, **kwargs)

    monkeypatch.setattr(build_module, "FineTunedModel", capture)
    built = build(_local_spec())

    def check(_: Any) -> None:
        deps = {id(r) for r in seen["model-support-extractor"].depends_on}
        assert {id(r) for r in (*built.grants, *built.views.values())} <= deps
        assert len(built.grants) == 2

    # Waiting on the registrations (as @pulumi.runtime.test requires) leaves no SDK work pending.
    return built.models["SUPPORT_EXTRACTOR"].urn.apply(check)
