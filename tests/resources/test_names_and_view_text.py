"""Pure helpers: resource ids that survive quoted names, and a view's query out of its DDL text."""

from __future__ import annotations

import pytest

from cortex_provider.errors import InvalidInput
from cortex_provider.resources.names import join_id, split_id
from cortex_provider.sql.identifiers import QualifiedName
from cortex_provider.sql.views import training_select, view_query_from_text


def test_ids_split_outside_quotes() -> None:
    assert split_id(join_id('"a|b"', "DB.S"), 2, "K", "ROLE|DB.SCHEMA") == ['"a|b"', "DB.S"]
    with pytest.raises(ValueError, match=r"not of the form ROLE\|DB\.SCHEMA"):
        split_id("ROLE", 2, "K", "ROLE|DB.SCHEMA")


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("CREATE OR REPLACE VIEW D.S.V AS\nSELECT 1 AS prompt\n", "SELECT 1 AS prompt"),
        ("create view v comment = 'a view AS x' as select 2;", "select 2"),
        ('CREATE VIEW "As"(a COMMENT \'as\', b) AS SELECT 1, 2', "SELECT 1, 2"),
        ("CREATE SECURE VIEW S1.V AS WITH t AS (SELECT 1) SELECT * FROM t;", "WITH t AS (SELECT 1) SELECT * FROM t"),
        ("not a view", None),
    ],
)
def test_view_query_from_text(text: str, query: str | None) -> None:
    assert view_query_from_text(text) == query


def test_training_select_keeps_each_part_closed() -> None:
    q = training_select(QualifiedName.parse("DB.S.T"), "NOTE -- the note", "LABEL", "ID % 10 <> 0")
    assert q.text.endswith("FROM DB.S.T\nWHERE (\nID % 10 <> 0\n)")
    assert "NOTE -- the note\n) AS prompt" in q.text  # the comment ends at its own line
    with pytest.raises(InvalidInput, match="completion_expr"):
        training_select(QualifiedName.parse("DB.S.T"), "NOTE", "x'); DROP TABLE T; --", None)
    with pytest.raises(InvalidInput, match="source"):
        training_select(QualifiedName.parse("T"), "NOTE", "LABEL", None)
