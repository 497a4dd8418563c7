"""Identifier rules: what user input is accepted, how it resolves, how it renders back."""

from __future__ import annotations

import pytest

from cortex_provider.errors import InvalidIdentifier
from cortex_provider.sql.identifiers import AccountName, Identifier, QualifiedName, SchemaName


@pytest.mark.parametrize(
    ("text", "resolved", "rendered"),
    [
        ("my_db", "MY_DB", "MY_DB"),
        ("MyDb", "MYDB", "MYDB"),
        ("_x$1", "_X$1", "_X$1"),
        ('"My Db"', "My Db", '"My Db"'),
        ('"lower"', "lower", '"lower"'),
        ('"UPPER"', "UPPER", "UPPER"),  # quoted but plain: rendering needs no quotes
        ('"a""b"', 'a"b', '"a""b"'),
        ('"a.b"', "a.b", '"a.b"'),
        ('"TABLE"', "TABLE", '"TABLE"'),  # reserved word stays quoted
        ('"1abc"', "1abc", '"1abc"'),
        ("  spaced  ", "SPACED", "SPACED"),
        ('"é"', "é", '"é"'),
    ],
)
def test_parse_resolve_render(text: str, resolved: str, rendered: str) -> None:
    ident = Identifier.parse(text)
    assert ident.name == resolved
    assert ident.sql() == rendered
    assert Identifier.parse(ident.sql()) == ident  # rendering round-trips


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("my db", "not a valid identifier"),
        ("1abc", "not a valid identifier"),
        ("a-b", "not a valid identifier"),
        ("a;drop", "not a valid identifier"),
        ('"unterminated', "unterminated"),
        ('""', "empty quoted"),
        ("select", "reserved"),
        ("Table", "reserved"),
        ('"a\nb"', "control character"),
        ('"a\x00b"', "control character"),
        ("a.b", "2 dot-separated parts"),
        ('"x"y', "unexpected"),
        ("x" * 256, "max 255"),
    ],
)
def test_invalid_identifiers_name_the_field_and_fix(text: str, needle: str) -> None:
    with pytest.raises(InvalidIdentifier) as info:
        Identifier.parse(text, field="database")
    message = str(info.value)
    assert message.startswith("database: ")
    assert needle in message
    assert "Fix:" in message
    assert isinstance(info.value, ValueError)


def test_max_length_boundary() -> None:
    assert Identifier.parse("x" * 255).name == "X" * 255
    assert Identifier.parse('"' + "y" * 255 + '"').name == "y" * 255


def test_bad_unquoted_suggests_quoting() -> None:
    with pytest.raises(InvalidIdentifier, match='"My Db"'):
        Identifier.parse("My Db")


def test_identifier_of_resolved_names() -> None:
    assert Identifier.of("My Db").sql() == '"My Db"'
    assert Identifier.of("PUBLIC").sql() == "PUBLIC"
    with pytest.raises(InvalidIdentifier):
        Identifier.of("")


@pytest.mark.parametrize(
    ("text", "parts", "rendered"),
    [
        ("m", (None, None, "M"), "M"),
        ("s.m", (None, "S", "M"), "S.M"),
        ("db.s.m", ("DB", "S", "M"), "DB.S.M"),
        ('"My Db".public."my.model"', ("My Db", "PUBLIC", "my.model"), '"My Db".PUBLIC."my.model"'),
        (' db . "s" . m ', ("DB", "s", "M"), 'DB."s".M'),
    ],
)
def test_qualified_names(text: str, parts: tuple[str | None, ...], rendered: str) -> None:
    q = QualifiedName.parse(text)
    got = tuple(p.name if p else None for p in (q.database, q.schema, q.name))
    assert got == parts
    assert q.sql() == rendered


@pytest.mark.parametrize("text", ["a.b.c.d", "a..b", ".a", "a.", 'a."b', "a.b c"])
def test_bad_qualified_names(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        QualifiedName.parse(text, field="model")


def test_resolve_against_default_schema() -> None:
    default = SchemaName.parse("db.s")
    assert QualifiedName.parse("m").resolve(default).sql() == "DB.S.M"
    assert QualifiedName.parse("other.m").resolve(default).sql() == "DB.OTHER.M"
    assert QualifiedName.parse("x.y.m").resolve(default).sql() == "X.Y.M"
    with pytest.raises(InvalidIdentifier, match="not fully qualified"):
        QualifiedName.parse("m").full("model")
    assert QualifiedName.parse("a.b.c").schema_name.sql() == "A.B"


def test_schema_name_parse() -> None:
    assert SchemaName.parse('db."Raw Data"').sql() == 'DB."Raw Data"'
    assert SchemaName.parse("s", default_database=Identifier("D")).sql() == "D.S"
    with pytest.raises(InvalidIdentifier, match=r"database\.schema"):
        SchemaName.parse("s")
    with pytest.raises(InvalidIdentifier):
        SchemaName.parse("a.b.c")


@pytest.mark.parametrize(
    ("text", "rendered"), [("myorg.acct_1", "MYORG.ACCT_1"), ("xy12345", "XY12345"), (" Org.Acc ", "ORG.ACC")]
)
def test_account_names(text: str, rendered: str) -> None:
    assert AccountName.parse(text).sql() == rendered


@pytest.mark.parametrize(
    "text", ["", "a.b.c", '"org".acct', "org.acc-t", "org acct", "org.acct;drop", "1org.x"]
)
def test_bad_account_names(text: str) -> None:
    with pytest.raises(InvalidIdentifier, match="account"):
        AccountName.parse(text)
