"""TrainingView core against the emulator: live shape check, pre-flight, drift, import, delete."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.resources.training_view import TrainingViewCore, TrainingViewError
from tests.resources.grant_support import Acct

QUERY = "SELECT NOTE AS prompt, LABEL AS completion FROM DB.S.NOTES"
BASE = {"database": "db", "schema": "s", "name": "train_v", "query": QUERY, "base_model": "mistral-7b"}


def create(acct: Acct, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    core = TrainingViewCore()
    checked = core.check({}, inputs)
    assert not checked.failures, checked.failures
    applied = core.create(acct.session, core.parse(checked.inputs))
    return applied.id, applied.outputs


def views(acct: Acct) -> list[str]:
    return [r[1] for r in acct.sql("SHOW VIEWS IN SCHEMA DB.S")]


def test_create_probes_then_creates_and_reports(acct: Acct) -> None:
    mark = acct.mark()
    id_, outs = create(acct, {**BASE, "epochs": 3})
    assert id_ == "DB.S.TRAIN_V" and outs["fqn"] == "DB.S.TRAIN_V"
    assert outs["training_query"] == "SELECT prompt, completion FROM DB.S.TRAIN_V"
    sent = acct.since(mark)
    probe = next(i for i, s in enumerate(sent) if s.endswith("LIMIT 0"))
    ddl = next(i for i, s in enumerate(sent) if s.startswith("CREATE OR REPLACE VIEW"))
    assert probe < ddl
    assert len([s for s in sent if "DUPLICATE_ROWS" in s]) == 1  # one aggregate pre-flight query
    stats = outs["preflight"]
    assert (stats["row_count"], stats["duplicate_rows"], stats["empty_completions"]) == (4, 1, 1)
    assert stats["estimated_trained_tokens"] == stats["input_tokens"] * 3 > 0
    assert any("few hundred" in w for w in stats["warnings"])
    rows = acct.sql("SELECT prompt, completion FROM DB.S.TRAIN_V ORDER BY prompt")
    assert rows[0] == ("fever and cough", "flu")


def test_noop_sends_no_ddl_and_read_matches(acct: Acct) -> None:
    core = TrainingViewCore()
    id_, outs = create(acct, BASE)
    mark = acct.mark()
    news = core.check(outs, BASE).inputs
    assert not core.diff(id_, outs, news).has_changes
    assert acct.since(mark) == []
    acct.fresh_read()
    live = core.read(acct.session, id_, outs)
    assert live is not None and live.outputs == outs
    assert acct.since(mark) == ["SHOW VIEWS IN SCHEMA DB.S"]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ("SELECT NOTE AS prompt, LABEL AS answer FROM DB.S.NOTES", "without completion"),
        ("SELECT NOTE AS prompt, ID AS completion FROM DB.S.NOTES", "column completion is FIXED, not text"),
    ],
)
def test_shape_violation_leaves_nothing_behind(acct: Acct, query: str, needle: str) -> None:
    mark = acct.mark()
    with pytest.raises(TrainingViewError, match=needle):
        create(acct, {**BASE, "query": query})
    assert acct.ddl_since(mark) == [] and "TRAIN_V" not in views(acct)


def test_over_long_rows_are_reported_as_truncated_not_refused(acct: Acct) -> None:
    # Snowflake truncates pairs longer than the base model's split (2026 docs): the view is created and
    # its pre-flight says how many rows will be cut
    acct.sql("CREATE TABLE DB.S.LONG (P VARCHAR, C VARCHAR)")
    acct.sql("INSERT INTO DB.S.LONG VALUES (REPEAT('lorem ipsum ', 4000), 'short'), ('ok', 'fine')")
    _id, outs = create(acct, {**BASE, "query": "SELECT P AS prompt, C AS completion FROM DB.S.LONG",
                              "base_model": "llama3-8b"})
    assert "TRAIN_V" in views(acct)
    assert "truncated" in " ".join(outs["preflight"]["warnings"]), outs["preflight"]


def test_drift_by_hand_shows_live_query_and_update_restores(acct: Acct) -> None:
    core = TrainingViewCore()
    id_, outs = create(acct, BASE)
    acct.sql("CREATE OR REPLACE VIEW DB.S.TRAIN_V AS "
             "SELECT NOTE AS prompt, 'x' AS completion FROM DB.S.NOTES")
    acct.fresh_read()
    live = core.read(acct.session, id_, outs)
    assert live is not None and "'x' as completion" in live.outputs["query_text"].lower()
    diff = core.diff(id_, live.outputs, core.check(live.outputs, BASE).inputs)
    assert diff.changed == ["query"] and diff.replaces == []
    mark = acct.mark()
    outs = core.update(acct.session, id_, live.outputs, core.parse(core.check({}, BASE).inputs))
    assert [s for s in acct.ddl_since(mark) if s.startswith("CREATE")] != []
    assert ("fever and cough", "flu") in acct.sql("SELECT prompt, completion FROM DB.S.TRAIN_V")
    acct.fresh_read()
    again = core.read(acct.session, id_, outs)
    assert again is not None and again.outputs == outs


def test_update_paths(acct: Acct) -> None:
    core = TrainingViewCore()
    id_, outs = create(acct, BASE)
    # epochs/base_model only: pre-flight again, no DDL
    news = core.check(outs, {**BASE, "epochs": 5}).inputs
    assert core.diff(id_, outs, news).changed == ["epochs"]
    mark = acct.mark()
    outs2 = core.update(acct.session, id_, outs, core.parse(news))
    assert acct.ddl_since(mark) == [] and outs2["preflight"]["epochs"] == 5
    # query change: CREATE OR REPLACE in place, never a DROP
    new_q = {**BASE, "epochs": 5, "query": QUERY + " WHERE ID > 1"}
    news = core.check(outs2, new_q).inputs
    diff = core.diff(id_, outs2, news)
    assert diff.changed == ["query"] and diff.replaces == []
    mark = acct.mark()
    core.update(acct.session, id_, outs2, core.parse(news))
    assert [s.split(" AS")[0] for s in acct.ddl_since(mark)] == ["CREATE OR REPLACE VIEW DB.S.TRAIN_V"]
    assert len(acct.sql("SELECT * FROM DB.S.TRAIN_V")) == 3
    # name change: replace
    diff = core.diff(id_, outs2, core.check(outs2, {**BASE, "name": "OTHER"}).inputs)
    assert diff.replaces == ["name"]


def test_source_form_import_and_delete(acct: Acct) -> None:
    core = TrainingViewCore()
    inputs = {"database": "DB", "schema": "S", "name": "PARTS", "source": "NOTES",
              "prompt_expr": "'Condition of: ' || NOTE -- trailing comment", "completion_expr": "LABEL",
              "where": "ID % 2 = 0"}
    id_, outs = create(acct, inputs)
    assert outs["source"] == "DB.S.NOTES"
    assert sorted(acct.sql("SELECT prompt FROM DB.S.PARTS")) == [("Condition of: headache",),
                                                                  ("Condition of: sneezing",)]
    acct.fresh_read()
    imported = core.read(acct.session, "DB.S.PARTS", {})
    assert imported is not None and imported.outputs["fqn"] == "DB.S.PARTS"
    assert "NOTES" in imported.outputs["query"].upper() and imported.outputs["source"] is None

    create(acct, {**BASE, "name": "KEEP"})
    mark = acct.mark()
    core.delete(acct.session, id_, outs)
    assert acct.ddl_since(mark) == ["DROP VIEW IF EXISTS DB.S.PARTS"]
    assert views(acct) == ["KEEP"]
    acct.fresh_read()
    assert core.read(acct.session, id_, outs) is None


@pytest.mark.parametrize(
    ("inputs", "prop", "needle"),
    [
        ({**BASE, "source": "NOTES"}, "query", "not both"),
        ({"database": "DB", "schema": "S", "name": "V", "source": "NOTES", "prompt_expr": "NOTE"},
         "completion_expr", "missing completion_expr"),
        ({**BASE, "query": "SELECT 1; DROP TABLE X"}, "query", "more than one statement"),
        ({**BASE, "query": "DELETE FROM X"}, "query", "SELECT or WITH"),
        ({**BASE, "name": "view"}, "name", "reserved word"),
        ({**BASE, "base_model": "gpt-4"}, "base_model", "llama3-8b"),
        ({**BASE, "epochs": 0}, "epochs", "greater than or equal to 1"),
        ({"database": "DB", "schema": "S", "name": "V", "source": "NOTES", "prompt_expr": "'open",
          "completion_expr": "LABEL"}, "prompt_expr", "unterminated string"),
    ],
)
def test_check_is_pure_and_names_the_field(inputs: dict[str, Any], prop: str, needle: str) -> None:
    failures = TrainingViewCore().check({}, inputs).failures
    assert [f.property for f in failures] == [prop], failures
    assert needle in failures[0].reason
