"""`releases:` in cortex:spec: validation (key path and fix before anything registers) and what the
program registers for a release under the SDK's mocks (a ModelRelease on the view's query, its gate on
a view, after the grants and views)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from cortex_provider.program.build import build, export_outputs
from cortex_provider.program.spec import StackConfigError, parse_stack_spec
from tests.program.test_program_mocks import RecordingMocks

ROOT = Path(__file__).resolve().parents[2]
RELEASE = {"name": "SUPPORT", "base_model": "llama3.1-8b", "training_view": "SUPPORT_TRAIN",
           "options": {"max_epochs": 2}, "usage_roles": ["ANALYST"],
           "gate": {"eval_view": "SUPPORT_VALIDATION", "metric": "exact_match", "threshold": 0.5}}


def raw(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"]["cortex:spec"]
    data = copy.deepcopy(data)
    data["releases"] = [dict(RELEASE)]
    data.update(over)
    return data


def test_a_release_entry_parses_with_defaults() -> None:
    spec = parse_stack_spec(raw(), "stacks/Pulumi.local.yaml")
    (r,) = spec.releases
    assert (r.name, r.keep, r.serving, r.retain_on_delete) == ("SUPPORT", 3, None, True)
    assert r.gate is not None and r.gate.eval_view == "SUPPORT_VALIDATION"
    assert spec.models[0].name == "SUPPORT_EXTRACTOR"  # additive: the models section is untouched


@pytest.mark.parametrize(("change", "message"), [
    ({"training_view": "NOPE"}, r"releases\[0\]\.training_view = 'NOPE' names no entry of training_views"),
    ({"gate": {"eval_view": "GONE", "metric": "exact_match"}}, r"releases\[0\]\.gate\.eval_view = 'GONE'"),
    ({"name": "SUPPORT_EXTRACTOR"}, r"is also under models; give the release its own name"),
    ({"training_query": "SELECT 1"}, r"releases\[0\]: give exactly one of `training_view` or `training_query`"),
    ({"base_model": "llama3.2-3b"}, r"releases\[0\]\.base_model: 'llama3.2-3b' was never fine-tunable"),
    ({"keep": 0}, r"releases\[0\]\.keep"),
    ({"gate": {"metric": "exact_match"}}, r"gate: give exactly one of `eval_view` or `eval_query`"),
])
def test_release_mistakes_name_the_key(change: dict[str, Any], message: str) -> None:
    data = raw()
    data["releases"][0].update(change)
    with pytest.raises(StackConfigError, match=message):
        parse_stack_spec(data, "stacks/Pulumi.local.yaml")


def test_duplicate_release_names_are_refused() -> None:
    with pytest.raises(StackConfigError, match=r"releases: duplicate names \['SUPPORT'\]"):
        parse_stack_spec(raw(releases=[RELEASE, RELEASE]), "s")


@pytest.fixture
def mocks() -> RecordingMocks:
    m = RecordingMocks()
    pulumi.runtime.set_mocks(m, project="cortex", stack="local", preview=False)
    return m


@pulumi.runtime.test
def test_release_registers_on_the_view_after_grants_and_views(mocks: RecordingMocks,
                                                               monkeypatch: pytest.MonkeyPatch) -> Any:
    import cortex_provider.program.releases as releases_module

    seen: dict[str, Any] = {}
    original = releases_module.ModelRelease

    def capture(resource_name: str, **kwargs: Any) -> Any:
        seen[resource_name] = kwargs["opts"]
        return original(resource_name, **kwargs)

    monkeypatch.setattr(releases_module, "ModelRelease", capture)
    built = build(parse_stack_spec(raw(), "s"))
    export_outputs(built)

    def check(_: Any) -> None:
        rel = mocks.registered["release-support"]
        assert (rel["name"], rel["database"], rel["schema_name"]) == ("SUPPORT", "CORTEX_DEMO", "MODELS")
        assert rel["training_query"] == "SELECT prompt, completion FROM CORTEX_DEMO.MODELS.SUPPORT_TRAIN"
        assert rel.get("validation_query") is None
        assert "ID % 10 <> 0" in rel["training_definition"]  # editing the view trains the next version
        assert rel["gate"]["eval_query"] == "SELECT prompt, completion FROM CORTEX_DEMO.MODELS.SUPPORT_VALIDATION"
        assert (rel["gate"]["metric"], rel["gate"]["threshold"]) == ("exact_match", 0.5)
        assert (rel["options"], rel["usage_roles"], rel["keep"]) == ({"max_epochs": 2}, ["ANALYST"], 3)
        deps = {id(r) for r in seen["release-support"].depends_on}
        assert {id(r) for r in (*built.grants, *built.views.values())} <= deps

    return built.releases["SUPPORT"].urn.apply(check)


@pulumi.runtime.test
def test_keep_null_reaches_the_provider_as_keep_every_version(mocks: RecordingMocks) -> Any:
    """`keep: null` means every version; a null input arrives at the provider as absent (the default 3),
    so the resource sends 0, which the core reads as "all" (it used to drop versions beyond 3)."""
    from cortex_provider.resources.release import ModelReleaseSpec

    built = build(parse_stack_spec(raw(releases=[{**RELEASE, "keep": None}]), "s"))

    def check(_: Any) -> None:
        rel = mocks.registered["release-support"]
        assert rel["keep"] == 0
        kept = ModelReleaseSpec.model_validate({"name": "D.S.SUPPORT", "base_model": "llama3.1-8b", "keep": 0,
                                                "training_query": "SELECT 1"}).keep
        assert not kept  # the core keeps every version

    return built.releases["SUPPORT"].urn.apply(check)
