"""DistillationDataset against the emulator (stub teacher): labels in Snowflake, incrementally.

Teacher calls are counted from the table itself and from the emulator's query log: every label is
one row of the single INSERT ... SELECT COMPLETE statement, whose `number of rows inserted` the core
reports as rows_labelled_this_run; a row tampered with by hand proves which rows were NOT relabelled.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cortex_provider.pulumi.distillation import DistillationProvider
from cortex_provider.resources.distillation import DistillationCore, DistillationError, measure_fingerprint
from tests.provider.provider_support import Driver, start_server
from tests.resources.grant_support import Acct

TABLE = "DB.S.LABELS"
BASE = {
    "teacher_model": "llama3.1-405b",
    "prompts_query": "SELECT NOTE AS prompt FROM DB.S.NOTES",
    "instructions": "Extract the condition as JSON: ",
    "target_table": "db.s.labels",
    "retain_on_delete": False,
}


def apply(acct: Acct, inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    core = DistillationCore()
    checked = core.check(olds or {}, inputs)
    assert not checked.failures, checked.failures
    spec = core.parse(checked.inputs)
    if olds is None:
        return core.create(acct.session, spec).outputs
    return core.update(acct.session, TABLE, olds, spec)


def labels(acct: Acct) -> dict[str, str]:
    return dict(acct.sql(f"SELECT PROMPT, COMPLETION FROM {TABLE}"))  # type: ignore[arg-type]


def teacher_statements(acct: Acct, mark: int) -> list[str]:
    return [s for s in acct.since(mark) if "SNOWFLAKE.CORTEX.COMPLETE" in s]


def test_create_labels_every_distinct_prompt_inside_snowflake(acct: Acct) -> None:
    mark = acct.mark()
    outs = apply(acct, BASE)
    assert outs["fqn"] == TABLE and outs["training_query"] == f"SELECT prompt, completion FROM {TABLE}"
    got = labels(acct)
    assert sorted(got) == ["fever and cough", "headache", "sneezing"]  # 'sneezing' twice in NOTES: once
    assert (outs["rows_labelled_this_run"], outs["rows_total"], outs["rows_current"]) == (3, 3, 3)
    # the teacher saw instructions || prompt; the row keeps the bare prompt for the student
    assert got["headache"].startswith("[stub:llama3.1-405b] ") and "JSON: headache" in got["headache"]
    sent = teacher_statements(acct, mark)
    assert len(sent) == 1 and sent[0].startswith("INSERT INTO DB.S.LABELS")  # zero rows through the client
    assert outs["prompts_fingerprint"] == measure_fingerprint(acct.session, BASE["prompts_query"])


def test_second_run_labels_only_new_prompts(acct: Acct) -> None:
    first = apply(acct, BASE)
    acct.sql(f"UPDATE {TABLE} SET COMPLETION = 'KEPT' WHERE PROMPT = 'headache'")
    again = apply(acct, BASE, first)
    assert again["rows_labelled_this_run"] == 0 and labels(acct)["headache"] == "KEPT"

    acct.sql("INSERT INTO DB.S.NOTES VALUES (5, 'rash on arm', 'eczema'), (6, 'chest pain', 'angina')")
    mark = acct.mark()
    second = apply(acct, BASE, again)
    assert second["rows_labelled_this_run"] == 2 and second["rows_total"] == 5
    assert second["prompts_fingerprint"] != first["prompts_fingerprint"]
    got = labels(acct)
    assert got["headache"] == "KEPT"  # not sent to the teacher again
    assert "JSON: rash on arm" in got["rash on arm"] and "JSON: chest pain" in got["chest pain"]
    assert len(teacher_statements(acct, mark)) == 1


def test_instruction_change_relabels_in_place_and_prunes_old_labels(acct: Acct) -> None:
    first = apply(acct, BASE)
    acct.sql(f"UPDATE {TABLE} SET COMPLETION = 'KEPT' WHERE PROMPT = 'headache'")
    changed = {**BASE, "instructions": "Name the condition: "}
    core = DistillationCore()
    news = core.check(first, {**changed, "prompts_fingerprint": first["prompts_fingerprint"]}).inputs
    assert core.diff(TABLE, first, news).changed == ["instructions"]
    outs = apply(acct, changed, first)
    assert outs["label_key"] != first["label_key"]
    assert (outs["rows_labelled_this_run"], outs["rows_pruned_this_run"], outs["rows_total"]) == (3, 3, 3)
    got = labels(acct)
    assert got["headache"] != "KEPT" and "condition: headache" in got["headache"]
    # a new teacher relabels too (a different key), and the table keeps its name (dependents stay valid)
    teacher = apply(acct, {**changed, "teacher_model": "mistral-7b"}, outs)
    assert teacher["rows_labelled_this_run"] == 3 and teacher["fqn"] == TABLE
    assert all(c.startswith("[stub:mistral-7b]") for c in labels(acct).values())


def test_max_tokens_bounds_the_teacher_and_is_part_of_the_label_key(acct: Acct) -> None:
    first = apply(acct, BASE)
    bounded = apply(acct, {**BASE, "max_tokens": 10}, first)  # the options form, unwrapped to the text
    assert bounded["label_key"] != first["label_key"] and bounded["rows_labelled_this_run"] == 3
    got = labels(acct)
    assert all(c.startswith("[stub:llama3.1-405b]") and len(c) == 40 for c in got.values()), got


def test_removed_prompts_are_pruned_unless_prune_is_off(acct: Acct) -> None:
    first = apply(acct, BASE)
    narrow = {**BASE, "prompts_query": "SELECT NOTE AS prompt FROM DB.S.NOTES WHERE ID <= 2", "prune": False}
    kept = apply(acct, narrow, first)
    assert (kept["rows_labelled_this_run"], kept["rows_total"]) == (0, 3)
    pruned = apply(acct, {**narrow, "prune": True}, kept)
    assert (pruned["rows_pruned_this_run"], pruned["rows_total"]) == (1, 2)
    assert sorted(labels(acct)) == ["fever and cough", "sneezing"]


def test_bad_prompts_fail_before_the_table_exists(acct: Acct) -> None:
    mark = acct.mark()
    with pytest.raises(DistillationError, match=r"no prompt column\. Fix: alias it"):
        apply(acct, {**BASE, "prompts_query": "SELECT NOTE AS text FROM DB.S.NOTES"})
    assert acct.ddl_since(mark) == []
    acct.sql("CREATE TABLE DB.S.OTHER (A INT)")
    with pytest.raises(DistillationError, match="not a label table"):
        apply(acct, {**BASE, "target_table": "DB.S.OTHER"})
    assert acct.sql("SELECT COUNT(*) FROM DB.S.OTHER") == [(0,)]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("target_table", "LABELS", "not fully qualified"),
        ("teacher_model", "bad model!", "Cortex model name"),
        ("prompts_query", "DELETE FROM DB.S.NOTES", "must start with SELECT"),
        ("max_tokens", 0, "greater than or equal to 1"),
    ],
)
def test_check_rejects_bad_input_without_sql(field: str, value: Any, needle: str) -> None:
    failures = DistillationCore().check({}, {**BASE, field: value}).failures
    assert [f.property for f in failures] == [field] and needle in failures[0].reason


def test_delete_drops_only_without_retain(acct: Acct) -> None:
    core = DistillationCore()
    outs = apply(acct, {**BASE, "retain_on_delete": True})
    core.delete(acct.session, TABLE, outs)
    assert acct.sql(f"SELECT COUNT(*) FROM {TABLE}") == [(3,)]
    live = core.read(acct.session, TABLE, outs)
    assert live is not None and live.outputs["rows_total"] == 3
    core.delete(acct.session, TABLE, {**outs, "retain_on_delete": False})
    assert core.read(acct.session, TABLE, outs) is None


@pytest.fixture
def driver(tmp_path: Path, emulator: Any, acct: Acct) -> Iterator[Driver]:
    logs: list[str] = []
    srv = start_server(tmp_path, emulator, acct.name, "admin", logs)
    yield Driver(srv, DistillationProvider(), "labels")
    srv.close()


def test_provider_check_fingerprint_turns_new_prompts_into_a_diff(driver: Driver, acct: Acct) -> None:
    """Pulumi updates only on a diff: the unchanged spec + new prompts must still plan an update."""
    inputs, failures = driver.check({}, BASE)
    assert failures == [] and inputs["prompts_fingerprint"]
    id_, outs = driver.create(inputs)
    assert id_ == TABLE and outs["rows_labelled_this_run"] == 3
    same, _ = driver.check(outs, BASE)
    assert driver.diff(id_, outs, same) == (False, [])
    acct.sql("INSERT INTO DB.S.NOTES VALUES (7, 'sore throat', 'pharyngitis')")
    news, _ = driver.check(outs, BASE)
    assert driver.diff(id_, outs, news) == (True, [])
    updated = driver.update(id_, outs, news)
    assert updated["rows_labelled_this_run"] == 1 and updated["rows_total"] == 4
    assert driver.diff(id_, {**outs, **updated}, driver.check(updated, BASE)[0]) == (False, [])
    assert driver.diff(id_, outs, {**news, "target_table": "DB.S.LABELS2"}) == (True, ["target_table"])


# -- the stack spec (`distillations`, `training_views[].distillation`, `evaluations`) ------------------
def _stack(**extra: Any) -> dict[str, Any]:
    return {
        "database": "DB", "schema": "S",
        "distillations": [{"name": "LABELS", "teacher_model": "llama3.1-405b",
                           "prompts_query": "SELECT NOTE AS prompt FROM DB.S.NOTES"}],
        "training_views": [{"name": "TRAIN", "distillation": "LABELS"}],
        "models": [{"name": "STUDENT", "base_model": "llama3.1-8b", "training_view": "TRAIN"}],
        **extra,
    }


def test_stack_spec_wires_distillations_and_evaluations() -> None:
    from cortex_provider.program.spec import parse_stack_spec

    spec = parse_stack_spec(_stack(evaluations=[{"model": "STUDENT", "eval_view": "TRAIN", "metric": "json_keys",
                                                 "threshold": 0.8}]), "s.yaml")
    assert spec.training_views[0].distillation == "LABELS" and spec.evaluations[0].threshold == 0.8


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"training_views": [{"name": "TRAIN", "distillation": "NOPE"}]}, "names no entry of distillations"),
        ({"training_views": [{"name": "TRAIN", "distillation": "LABELS", "query": "SELECT 1"}]},
         "leave out query/source"),
        ({"evaluations": [{"model": "NOPE", "eval_query": "SELECT 1", "metric": "similarity"}]},
         "evaluations[0].model = 'NOPE' is not declared"),
        ({"evaluations": [{"model": "STUDENT", "metric": "similarity"}]}, "exactly one of `eval_view`"),
        ({"evaluations": [{"model": "STUDENT", "eval_view": "TRAIN", "metric": "bleu"}]}, "metric"),
        ({"evaluations": [{"model": "STUDENT", "eval_view": "TRAIN", "metric": "similarity",
                           "baseline_model": "STUDENT"}]}, "its own baseline"),
        # a teacher from `models` labels before its student trains: declared first
        ({"distillations": [{"name": "LABELS", "teacher_model": "TEACHER", "prompts_query": "SELECT 1 AS prompt"}],
          "models": [{"name": "STUDENT", "base_model": "llama3.1-8b", "training_view": "TRAIN"},
                     {"name": "TEACHER", "base_model": "llama3.1-8b", "training_query": "SELECT 1"}]},
         "model 'STUDENT' reads its labels, so declare 'STUDENT' after 'TEACHER'"),
        ({"distillations": [{"name": "LABELS", "teacher_model": "STUDENT", "prompts_query": "SELECT 1 AS prompt"}]},
         "declare 'STUDENT' after 'STUDENT'"),
    ],
)
def test_stack_spec_errors_name_the_key(extra: dict[str, Any], needle: str) -> None:
    from cortex_provider.program.spec import StackConfigError, parse_stack_spec

    with pytest.raises(StackConfigError) as err:
        parse_stack_spec(_stack(**extra), "stacks/Pulumi.x.yaml")
    assert needle in str(err.value) and "stacks/Pulumi.x.yaml" in str(err.value)
