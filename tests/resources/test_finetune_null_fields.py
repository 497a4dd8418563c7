"""FineTunedModel diff over state that dropped its nulls (the SDK drops a key whose value is None).

A state create or update wrote holds the whole spec (`spec_known`): a field it lacks was null, so declaring
it later (a validation query, a view's definition, epochs) is seen -- a retrain, refused under the same
retained name -- and never silently ignored. An imported model's state lacks fields it does not know (the
job record carries no definitions, maybe no options; none at all once the record is gone): those are no
change, so an import is never a paid retrain merely because its state lacks them.
"""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.resources.base import wire_form
from cortex_provider.resources.finetune import outputs as outs
from cortex_provider.resources.finetune.core import FineTunedModelCore, ModelConflict
from cortex_provider.resources.finetune.spec import SPEC_KNOWN, FineTunedModelSpec

CORE = FineTunedModelCore()
TRAIN = "SELECT prompt, completion FROM DB.S.TRAIN"
DEFINITION = '{"source":"DB.RAW.NOTES","prompt":"NOTE","completion":"LABEL"}'
ADDED: list[tuple[str, Any]] = [("validation_query", TRAIN + " WHERE 1 = 0"), ("training_definition", DEFINITION),
                                ("validation_definition", DEFINITION), ("options", {"max_epochs": 3})]


def spec(**over: Any) -> dict[str, Any]:
    return {"name": "TUNED", "database": "DB", "schema_name": "S", "base_model": "mistral-7b",
            "training_query": TRAIN, **over}


def created_state(**over: Any) -> dict[str, Any]:
    """What Pulumi hands the diff after a create of spec(**over): the outputs, nulls dropped."""
    out = outs.build_outputs(FineTunedModelSpec.model_validate(spec(**over)), job=None,
                             estimated_trained_tokens=90, training_rows=3, data_fingerprint="rows=3;h=1")
    state: dict[str, Any] = wire_form(out)
    return state


def imported_state() -> dict[str, Any]:
    """An import rebuilt from a job record that carries no options (core._import): the same fields, less
    `options` and the marker (what it lacks is unknown, not null)."""
    return {k: v for k, v in created_state().items() if k not in (SPEC_KNOWN, "options")}


def test_created_state_holds_the_marker_and_drops_its_nulls() -> None:
    state = created_state()
    assert state[SPEC_KNOWN] is True and "validation_query" not in state and "training_definition" not in state
    assert not CORE.diff("DB.S.TUNED", state, spec()).has_changes  # up twice: no change


@pytest.mark.parametrize("field,value", ADDED)
def test_a_field_added_to_a_created_model_is_a_retrain(field: str, value: Any) -> None:
    with pytest.raises(ModelConflict, match=field):  # same name, retained: a new name is the fix
        CORE.diff("DB.S.TUNED", created_state(), spec(**{field: value}))
    d = CORE.diff("DB.S.TUNED", created_state(retain_on_delete=False),
                  spec(retain_on_delete=False, **{field: value}))
    assert d.changed == [field] and d.replaces == [field] and d.delete_before_replace
    d = CORE.diff("DB.S.TUNED", created_state(), spec(name="TUNED_V2", **{field: value}))
    assert field in d.replaces and not d.delete_before_replace  # a new name: the old model is kept


def test_a_provider_only_field_added_is_an_update() -> None:
    d = CORE.diff("DB.S.TUNED", created_state(), spec(timeout_minutes=5, data_fingerprint="rows=3;h=1"))
    assert d.changed == ["timeout_minutes"] and d.replaces == []


@pytest.mark.parametrize("field,value", ADDED)
def test_a_field_an_import_does_not_know_is_no_change(field: str, value: Any) -> None:
    assert not CORE.diff("DB.S.TUNED", imported_state(), spec(**{field: value})).has_changes


def test_an_import_without_its_job_record_is_no_change() -> None:
    state = {"name": "DB.S.TUNED", "database": "DB", "schema_name": "S", "model": "DB.S.TUNED",
             "status": "SUCCESS", "adopted": "model", "origin": "adopted"}
    news = spec(validation_query=TRAIN, training_definition=DEFINITION, options={"max_epochs": 3}, wait="none")
    assert not CORE.diff("DB.S.TUNED", state, news).has_changes


def test_after_the_imports_next_up_state_holds_the_spec_and_a_field_added_is_seen() -> None:
    updated = wire_form(CORE.update(None, "DB.S.TUNED", imported_state(), CORE.parse(spec())))  # type: ignore[arg-type]
    assert updated[SPEC_KNOWN] is True and not CORE.diff("DB.S.TUNED", updated, spec()).has_changes
    with pytest.raises(ModelConflict, match="validation_query"):
        CORE.diff("DB.S.TUNED", updated, spec(validation_query=TRAIN))
