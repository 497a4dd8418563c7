"""String literals and the injection corpus: user text can never end its literal or its statement."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from cortex_provider.errors import InvalidIdentifier, InvalidInput, InvalidLiteral
from cortex_provider.sql import literals
from cortex_provider.sql.finetune import FinetuneCreate
from cortex_provider.sql.identifiers import Identifier, QualifiedName
from cortex_provider.sql.statement import UserQuery
from cortex_provider.sql.views import CreateView, ShowViews

INJECTION_TEXTS = [
    "plain",
    "it's",
    "'; DROP TABLE t; --",
    "\\'; DROP TABLE t; --",
    "\\",
    "\\\\",
    "ends with backslash \\",
    "'",
    "''",
    "\\'",
    "a\\'b'c",
    "$$ dollar $$",
    "/* open comment",
    "-- line comment",
    "multi\nline\r\ntext\t",
    "unicode ✓ é 中文 \u2028",
    "%_ wildcard \\% \\_",
    '")); DROP DATABASE x; --',
    "'||(SELECT CURRENT_USER())||'",
]


def snowflake_string_end(sql: str, start: int) -> tuple[str, int]:
    """Independent Snowflake '...' lexer: returns (value, index after the closing quote)."""
    assert sql[start] == "'"
    escapes = {
        "n": "\n",
        "t": "\t",
        "r": "\r",
        "b": "\b",
        "f": "\f",
        "0": "\0",
        "'": "'",
        '"': '"',
        "\\": "\\",
    }
    out, i = [], start + 1
    while True:
        ch = sql[i]
        if ch == "\\":
            out.append(escapes.get(sql[i + 1], sql[i + 1]))
            i += 2
        elif ch == "'":
            if i + 1 < len(sql) and sql[i + 1] == "'":
                out.append("'")
                i += 2
            else:
                return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1


@pytest.mark.parametrize("text", INJECTION_TEXTS)
def test_string_literal_round_trips_and_cannot_be_escaped(text: str) -> None:
    rendered = literals.string(text)
    value, end = snowflake_string_end(rendered, 0)
    assert value == text
    assert end == len(rendered)  # the literal closes exactly at its end, never earlier


@pytest.mark.parametrize("text", INJECTION_TEXTS)
def test_sqlglot_snowflake_reads_the_same_literal(text: str) -> None:
    tree = sqlglot.parse(f"SELECT {literals.string(text)} AS x", read="snowflake")
    assert len(tree) == 1
    literal = tree[0].find(exp.Literal)
    assert literal is not None and literal.is_string and literal.this == text


def test_literal_rejects_nul_and_non_text() -> None:
    with pytest.raises(InvalidLiteral, match="NUL"):
        literals.string("a\x00b", "prompt")
    with pytest.raises(InvalidLiteral):
        literals.string(3, "prompt")  # type: ignore[arg-type]


def test_like_pattern_matches_the_name_whatever_the_escape_rules() -> None:
    import re

    def like(pattern: str, name: str, backslash_escapes: bool) -> bool:
        out, i = [], 0
        while i < len(pattern):
            ch = pattern[i]
            if backslash_escapes and ch == "\\" and i + 1 < len(pattern):
                out.append(re.escape(pattern[i + 1]))
                i += 2
                continue
            out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
            i += 1
        return re.fullmatch("".join(out), name, re.IGNORECASE | re.DOTALL) is not None

    for name in ["MY_VIEW", "100%", "a'b", "x\\_%'", "back\\slash", "Mixed Case"]:
        rendered = literals.like_exact(name)
        pattern, end = snowflake_string_end(rendered, 0)
        assert end == len(rendered)
        assert like(pattern, name, backslash_escapes=True) and like(pattern, name, backslash_escapes=False)
    assert literals.like_exact("MY_VIEW") == "'MY_VIEW'"
    assert literals.like_exact("a\\b") == "'a_b'"


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        (None, "NULL"),
        (True, "TRUE"),
        (3, "3"),
        (0.5, "0.5"),
        ("x'y", "'x''y'"),
        ([1, "a"], "[1, 'a']"),
        ({"max_epochs": 3, "lr": 0.1}, "{'max_epochs': 3, 'lr': 0.1}"),
        ({"k'": {"n": None}}, "{'k''': {'n': NULL}}"),
    ],
)
def test_values(value: literals.Value, rendered: str) -> None:
    assert literals.value(value) == rendered


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {"": 1}, {1: 2}, object()])
def test_bad_values(bad: object) -> None:
    with pytest.raises(InvalidLiteral):
        literals.value(bad)  # type: ignore[arg-type]


NAME_CORPUS = [
    "x; DROP TABLE t",
    "x' OR '1'='1",
    'x"; DROP TABLE t; --',
    "x -- comment",
    "x/*",
    "select",
    "a.b.c.d",
    "",
    "\n",
]


@pytest.mark.parametrize("name", NAME_CORPUS)
def test_name_corpus_rejected_unquoted(name: str) -> None:
    with pytest.raises(InvalidIdentifier):
        QualifiedName.parse(name, field="model").full("model")


@pytest.mark.parametrize("inner", ["x; DROP TABLE t", "x' OR '1'='1", "x -- comment", "x/*", 'a"b', "é ✓"])
def test_quoted_names_carry_anything_safely(inner: str) -> None:
    ident = Identifier.parse('"' + inner.replace('"', '""') + '"')
    assert ident.name == inner
    sql = ShowViews(schema=QualifiedName.parse("d.s.x").schema_name, like=ident).sql()
    tree = sqlglot.parse(f"DROP VIEW IF EXISTS D.S.{ident.sql()}", read="snowflake")
    assert len(tree) == 1
    assert tree[0].find(exp.Table).name == inner
    assert sql.startswith("SHOW VIEWS LIKE '") and sql.endswith(" IN SCHEMA D.S")


QUERY_CORPUS_BAD = [
    "SELECT 1; DROP TABLE t",
    "SELECT 1; SELECT 2",
    "SELECT 'unterminated",
    'SELECT "unterminated',
    "SELECT 1 /* open",
    "SELECT $$ open",
    "DROP TABLE t",
    "DELETE FROM t",
    "",
    "  ;  ",
    "SELECT (1",
    "SELECT 1)) ; DROP TABLE t; SELECT ((1",
]


@pytest.mark.parametrize("query", QUERY_CORPUS_BAD)
def test_query_corpus_rejected(query: str) -> None:
    with pytest.raises(InvalidInput):
        UserQuery(query, field="training_query")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT prompt, completion FROM t",
        "select a as prompt, b as completion from t -- trailing comment",
        "WITH x AS (SELECT 1 AS prompt, 2 AS completion) SELECT * FROM x;",
        "SELECT ';' AS prompt, '--' AS completion",
        'SELECT "weird;col" AS prompt, $$ ) ; $$ AS completion FROM t // c-style comment',
        "(SELECT 1 AS prompt, 2 AS completion)",
        # a backslash-escaped quote keeps the tail inside the string: one harmless statement
        "SELECT 'a\\'; DROP TABLE t; --' AS prompt, 'c' AS completion",
    ],
)
def test_queries_accepted_and_embedded_safely(query: str) -> None:
    q = UserQuery(query)
    create = FinetuneCreate(QualifiedName.parse("d.s.m"), "mistral-7b", q)
    tree = sqlglot.parse(create.sql(), read="snowflake")
    assert len(tree) == 1
    strings = [lit.this for lit in tree[0].find_all(exp.Literal) if lit.is_string]
    assert q.text in strings
    view = CreateView(QualifiedName.parse("d.s.v"), q)
    assert view.sql().endswith(f"AS\n{q.text}\n")
