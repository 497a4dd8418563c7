"""The stack spec rejects bad config before any resource is registered, naming file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cortex_provider.program.spec import StackConfigError, parse_stack_spec

ROOT = Path(__file__).resolve().parents[2]


def _spec(**over: object) -> dict[str, object]:
    base: dict[str, object] = {
        "database": "D", "schema": "S",
        "training_views": [{"name": "V", "query": "SELECT a AS prompt, b AS completion FROM t"}],
        "models": [{"name": "M", "base_model": "mistral-7b", "training_view": "V"}],
    }
    base.update(over)
    return base


def test_every_shipped_stack_file_is_valid() -> None:
    files = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
    assert files, "no stack files"
    for f in files:
        config = yaml.safe_load(f.read_text())["config"]
        if "cortex:spec" in config:
            spec = parse_stack_spec(config["cortex:spec"], str(f))
            assert spec.database


def test_unknown_base_model_names_the_key() -> None:
    raw = _spec(models=[{"name": "M", "base_model": "gpt-4", "training_view": "V"}])
    with pytest.raises(StackConfigError) as err:
        parse_stack_spec(raw, "stacks/Pulumi.x.yaml")
    text = str(err.value)
    assert "stacks/Pulumi.x.yaml" in text
    assert "cortex:spec.models[0].base_model" in text
    assert "mistral-7b" in text  # the allowed values are the fix


def test_dangling_view_reference_is_rejected_with_known_names() -> None:
    raw = _spec(models=[{"name": "M", "base_model": "mistral-7b", "training_view": "NOPE"}])
    with pytest.raises(StackConfigError, match=r"training_view = 'NOPE' names no entry.*known: V"):
        parse_stack_spec(raw, "f.yaml")


def test_view_needs_query_or_all_parts() -> None:
    raw = _spec(training_views=[{"name": "V", "source": "T", "prompt": "a"}])
    with pytest.raises(StackConfigError, match="missing"):
        parse_stack_spec(raw, "f.yaml")
    raw = _spec(training_views=[{"name": "V", "query": "SELECT 1", "source": "T", "prompt": "a", "completion": "b"}])
    with pytest.raises(StackConfigError, match="not both"):
        parse_stack_spec(raw, "f.yaml")


def test_typo_in_key_is_rejected_not_ignored() -> None:
    raw = _spec(models=[{"name": "M", "base_model": "mistral-7b", "training_view": "V", "retain_ondelete": False}])
    with pytest.raises(StackConfigError, match=r"models\[0\]\.retain_ondelete"):
        parse_stack_spec(raw, "f.yaml")


def test_duplicate_model_names_rejected() -> None:
    m = {"name": "M", "base_model": "mistral-7b", "training_view": "V"}
    with pytest.raises(StackConfigError, match="duplicate names"):
        parse_stack_spec(_spec(models=[m, m]), "f.yaml")


def test_missing_spec_says_how_to_fix() -> None:
    with pytest.raises(StackConfigError, match="add a `cortex:spec:` mapping"):
        parse_stack_spec(None, "stacks/Pulumi.y.yaml")


def test_defaults_keep_models_safe() -> None:
    spec = parse_stack_spec(_spec(), "f.yaml")
    model = spec.models[0]
    assert model.retain_on_delete is True
    assert model.wait == "succeeded"
    assert model.retrain_on == "spec"
