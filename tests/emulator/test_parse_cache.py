"""The emulator's parse memo (cortex_local/parse_cache.py): each caller gets a tree of its own, fakesnow
parses through it, and a syntax error is raised every time, never remembered as a tree."""

from __future__ import annotations

import pytest
from fakesnow import cursor as fakesnow_cursor
from snowflake.connector.errors import ProgrammingError

from cortex_local import dispatch, parse_cache


def test_each_caller_gets_its_own_tree_of_the_same_text() -> None:
    sql = "SELECT a, b FROM db.s.t WHERE a > 1"
    first, second = parse_cache.parse_one(sql), parse_cache.parse_one(sql)
    assert first is not second and first == second
    first.set("where", None)  # fakesnow's transforms rewrite trees in place
    assert parse_cache.parse_one(sql) == second and "WHERE" in parse_cache.parse_one(sql).sql()


def test_fakesnow_parses_through_the_memo() -> None:
    assert dispatch.parse_cache is parse_cache
    assert fakesnow_cursor.parse_one is parse_cache.parse_one


def test_a_syntax_error_is_raised_every_time() -> None:
    for _ in range(2):
        with pytest.raises(ProgrammingError) as err:
            parse_cache.parse_one("SELECT FROM WHERE (")
        assert err.value.errno == 1003


def test_the_memo_keeps_at_most_size_statements() -> None:
    for i in range(parse_cache.SIZE + 10):
        parse_cache.parse_one(f"SELECT {i}")
    assert len(parse_cache._trees) == parse_cache.SIZE
