"""FineTunedModel input validation: every bad field fails in check, with the field and the fix, no SQL."""

from __future__ import annotations

import pytest

from cortex_provider.resources.finetune.core import FineTunedModelCore
from tests.resources.finetune_support import spec

CORE = FineTunedModelCore()


@pytest.mark.parametrize("over,field,words", [
    ({"base_model": "gpt-4"}, "base_model", "cannot be fine-tuned"),
    ({"database": None, "schema_name": None}, "(input)", "not fully qualified"),
    ({"options": {"max_epochs": 0}}, "options.max_epochs", "greater than or equal to 1"),
    ({"options": {"max_epochs": 11}}, "options.max_epochs", "less than or equal to 10"),
    ({"options": {"learning_rate": 0.1}}, "options", "only max_epochs"),
    ({"training_query": "DELETE FROM t"}, "training_query", "SELECT"),
    ({"validation_query": "SELECT 1; DROP TABLE x"}, "validation_query", "more than one statement"),
    ({"name": "OTHER_DB.S.TUNED"}, "(input)", "qualified with OTHER_DB"),
    ({"wait": "forever"}, "wait", "none"),
    ({"timeout_minutes": 0}, "timeout_minutes", "greater than 0"),
    ({"retrain_on": "always"}, "retrain_on", "spec"),
])
def test_bad_input_fails_in_check(over, field, words):
    failures = CORE.check({}, spec(**over)).failures
    assert failures, f"{over} was accepted"
    assert any(f.property == field and words in f.reason for f in failures), failures


def test_defaults_and_normalisation():
    given = spec(name='"My Model"', base_model="Mistral-7B", options={"max_epochs": 2.0})
    inputs = CORE.check({}, given).inputs
    assert inputs["name"] == 'DB.S."My Model"' and inputs["base_model"] == "mistral-7b"
    assert inputs["options"]["max_epochs"] == 2 and isinstance(inputs["options"]["max_epochs"], int)
    assert (inputs["wait"], inputs["retain_on_delete"], inputs["retrain_on"]) == ("succeeded", True, "spec")
    assert CORE.check({}, inputs).inputs == inputs  # idempotent: state round-trips without a diff
