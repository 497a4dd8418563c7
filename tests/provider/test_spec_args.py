"""The Pulumi resources take their specs' fields as arguments (one definition: the spec), and a spec's
field errors all read '<problem>. Fix: <fix>'."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cortex_provider.pulumi.base import spec_inputs
from cortex_provider.resources.finetune.spec import FineTunedModelSpec
from cortex_provider.resources.release.spec import ModelReleaseSpec

RENAME = {"model_name": "name"}


def test_every_spec_field_is_an_argument_and_maps_to_its_input() -> None:
    args = {("model_name" if f == "name" else f): f"v-{f}" for f in FineTunedModelSpec.model_fields}
    assert spec_inputs(FineTunedModelSpec, "FineTunedModel", args, RENAME) == {
        f: f"v-{f}" for f in FineTunedModelSpec.model_fields}


def test_an_unknown_argument_names_itself_and_the_accepted_ones() -> None:
    with pytest.raises(TypeError, match=r"FineTunedModel\(\) got unexpected argument\(s\) max_epochs; "
                                        r"it accepts model_name, database"):
        spec_inputs(FineTunedModelSpec, "FineTunedModel", {"model_name": "M", "base_model": "llama3.1-8b",
                                                           "training_query": "SELECT 1", "max_epochs": 2}, RENAME)
    with pytest.raises(TypeError, match="unexpected argument"):  # the field's own name is not an argument
        spec_inputs(FineTunedModelSpec, "FineTunedModel", {"name": "M"}, RENAME)


def test_a_missing_required_argument_is_named() -> None:
    with pytest.raises(TypeError, match=r"missing required argument.*training_query"):
        spec_inputs(ModelReleaseSpec, "ModelRelease", {"name": "DB.S.E", "base_model": "llama3.1-8b"})


@pytest.mark.parametrize(("spec", "data"), [
    (FineTunedModelSpec, {"name": "DB.S.M", "base_model": "llama3.1-8b", "training_query": "DROP TABLE T"}),
    (ModelReleaseSpec, {"name": "DB.S.E", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                        "usage_roles": ['"unclosed']}),
    (ModelReleaseSpec, {"name": "DB.S.E", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                        "serving": "latest-ish"}),
    (FineTunedModelSpec, {"name": "M", "base_model": "llama3.1-8b", "training_query": "SELECT 1"}),
    (FineTunedModelSpec, {"name": "DB.S.M", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                          "options": {"learning_rate": 1}}),
    (FineTunedModelSpec, {"name": "DB.S.M", "base_model": "llama3.1-8b", "training_query": "SELECT 1",
                          "options": {"max_epochs": True}}),
    (ModelReleaseSpec, {"name": "DB.S.E", "base_model": "llama3.1-8b", "training_query": "SELECT 1", "wait": "none"}),
])
def test_field_errors_share_one_style(spec: type[FineTunedModelSpec | ModelReleaseSpec], data: dict[str, str]) -> None:
    with pytest.raises(ValidationError) as info:
        spec.model_validate(data)
    message = info.value.errors()[0]["msg"]
    assert ". Fix: " in message and "; fix:" not in message
