"""The emulator's tree walk (cortex_local/tree_transform.py) rewrites every tree exactly as sqlglot's own
`Expression.transform` does: the same nodes visited in the same order, replaced nodes not descended into,
the same resulting tree, and fakesnow's whole chain of rewrites gives the same DuckDB SQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fakesnow.instance import FakeSnow
from sqlglot import exp
from sqlglot.expressions.core import Expression

from cortex_local import dispatch, parse_cache, tree_transform

VIEW = "SELECT NOTE AS prompt, LABEL_JSON AS completion FROM CORTEX_DEMO.RAW.SUPPORT_NOTES WHERE ID % 7 = 3"
CORPUS = [
    # the shape of the provider's pre-flight: nested subqueries, a window, aggregates over CASE
    "SELECT COALESCE(SUM(n), 0) AS ROW_COUNT, COUNT(*) AS PAIRS, "
    "COALESCE(SUM(CASE WHEN pt > 1000 THEN n ELSE 0 END), 0) AS OVER_LIMIT, COALESCE(SUM(held * bt), 0) AS HB "
    "FROM (SELECT o.*, LEAST(pt, 1000) + LEAST(ct, 1000) AS bt, GREATEST(0, LEAST(n, hold - before_n)) AS held "
    "FROM (SELECT m.*, SUM(n) OVER (ORDER BY k, p, c ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - n "
    "AS before_n, FLOOR(SUM(n) OVER () * 10 / 100) AS hold FROM (SELECT n, p, c, "
    "COALESCE(CEIL(LENGTH(p) / 4), 0) AS pt, COALESCE(CEIL(LENGTH(c) / 4), 0) AS ct, "
    "MD5(COALESCE(p, '') || '|' || COALESCE(c, '')) AS k FROM (SELECT src.prompt AS p, src.completion AS c, "
    f"COUNT(*) AS n FROM ({VIEW}) AS src GROUP BY src.prompt, src.completion) AS pairs) AS m) AS o) AS split",
    f"SELECT * FROM ({VIEW}) LIMIT 0",
    f"CREATE OR REPLACE VIEW CORTEX_DEMO.MODELS.V1 COMMENT = 'x' AS {VIEW}",
    "SELECT OBJECT_CONSTRUCT('a', 1, 'b', TO_DATE('2024-01-01')), ARRAY_AGG(x) WITHIN GROUP (ORDER BY y) FROM t",
    "SELECT f.value:name::varchar, TRY_PARSE_JSON(s):a[0] FROM t, LATERAL FLATTEN(input => t.v) AS f WHERE NOTE > 2",
    "SELECT IFF(a > 1, SHA2(b), HEX_ENCODE(c)), DATEADD(day, 1, '2024-01-01'), REGEXP_SUBSTR(d, 'x') FROM t",
    "INSERT INTO t (a, b) SELECT a, TO_DECIMAL(b, 10, 2) FROM s WHERE a IN (1, 2, 3)",
]


@contextmanager
def walking_with(fn: Callable[..., Any]) -> Iterator[None]:
    installed = Expression.transform
    Expression.transform = fn  # type: ignore[method-assign]
    try:
        yield
    finally:
        Expression.transform = installed  # type: ignore[method-assign]


def rewrite(tree: Expression, seen: list[str]) -> Callable[[Any], Any]:
    """Records each visit; replaces columns (by a new node holding a copy: not descended into), wraps
    numbers, and changes some nodes in place (their new children are visited)."""
    def fun(node: Any) -> Any:
        seen.append(f"{type(node).__name__}:{node.sql()}")
        if isinstance(node, exp.Column) and node.name.upper() == "NOTE":
            return exp.Paren(this=node.copy())
        if isinstance(node, exp.Literal) and node.is_number:
            return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
        if isinstance(node, exp.Where):
            node.set("this", exp.and_(node.this, exp.column("NOTE").is_(exp.null()).not_()))
        return node
    return fun


@pytest.mark.parametrize("sql", CORPUS)
def test_the_same_visits_and_tree_as_sqlglots_walk(sql: str) -> None:
    results = []
    for fn in (tree_transform.SQLGLOT_TRANSFORM, tree_transform.transform):
        seen: list[str] = []
        tree = parse_cache.parse_one(sql)
        with walking_with(fn):
            out = tree.transform(rewrite(tree, seen))
        results.append((seen, out.sql(dialect="duckdb"), repr(out)))
    assert results[0] == results[1]
    assert results[0][1] != parse_cache.parse_one(sql).sql(dialect="duckdb")  # the rewrite changed something


@pytest.mark.parametrize("sql", CORPUS)
def test_fakesnows_rewrites_give_the_same_duckdb_sql(sql: str) -> None:
    cur = FakeSnow().connect(database="CORTEX_DEMO", schema="MODELS").cursor()
    outs = []
    for fn in (tree_transform.SQLGLOT_TRANSFORM, tree_transform.transform):
        with walking_with(fn):
            outs.append(cur._transform(parse_cache.parse_one(sql), None).sql(dialect="duckdb"))
    assert outs[0] == outs[1]


def test_the_emulator_walks_with_it() -> None:
    assert dispatch.tree_transform is tree_transform
    assert Expression.transform is tree_transform.transform
