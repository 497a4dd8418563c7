"""The training-data view's SQL: CREATE/DROP/SHOW VIEWS, the zero-row shape probe, the SELECT composed
from parts, and the query read back from a view's text.

`training_select` is the only place the (source, prompt, completion, where) form becomes SQL.
Each expression is SQL by design, validated like a UserQuery and placed in parentheses on its own
line, so a trailing `--` comment or an unbalanced quote in one part cannot swallow the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import clauses, literals
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement, UserQuery, _scan, embed


@dataclass(frozen=True)
class CreateView(Statement):
    """CREATE OR REPLACE [SECURE] VIEW db.s.v [COMMENT = '...'] AS <query>."""

    kind: ClassVar[str] = "CREATE VIEW"
    name: QualifiedName
    query: UserQuery
    secure: bool = False
    comment: str | None = None

    def __post_init__(self) -> None:
        self.name.full("view")
        if self.comment is not None:
            literals.string(self.comment, "comment")

    def sql(self) -> str:
        secure = "SECURE " if self.secure else ""
        comment = f" COMMENT = {literals.string(self.comment, 'comment')}" if self.comment is not None else ""
        return f"CREATE OR REPLACE {secure}VIEW {self.name.sql()}{comment} AS\n{self.query.text}\n"


@dataclass(frozen=True)
class DropView(Statement):
    kind: ClassVar[str] = "DROP VIEW"
    name: QualifiedName

    def __post_init__(self) -> None:
        self.name.full("view")

    def sql(self) -> str:
        return clauses.drop("VIEW", self.name)


@dataclass(frozen=True)
class ShowViews(Statement):
    """SHOW VIEWS [LIKE '<exact name>'] IN SCHEMA db.s."""

    kind: ClassVar[str] = "SHOW VIEWS"
    schema: SchemaName
    like: Identifier | None = None

    def sql(self) -> str:
        return clauses.show("VIEWS", self.like, clauses.in_schema(self.schema))


@dataclass(frozen=True)
class ShapeProbe(Statement):
    """SELECT * FROM (<query>) LIMIT 0: validates the query and returns its columns, no rows."""

    kind: ClassVar[str] = "PROBE QUERY"
    query: UserQuery

    def sql(self) -> str:
        return f"SELECT * FROM {embed(self.query)} LIMIT 0"


_VIEW_HEAD = re.compile(r"\bVIEW\b", re.IGNORECASE)
_AS = re.compile(r"\bAS\b", re.IGNORECASE)


def _expression(text: str, field: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(field, "the expression is empty", "give a SQL expression, e.g. a column name")
    return UserQuery(f"SELECT {text.strip()}", field).text.removeprefix("SELECT ")


def training_select(
    source: QualifiedName, prompt_expr: str, completion_expr: str, where: str | None = None
) -> UserQuery:
    """SELECT (<prompt_expr>) AS prompt, (<completion_expr>) AS completion FROM <source> [WHERE ...]."""
    prompt = _expression(prompt_expr, "prompt_expr")
    completion = _expression(completion_expr, "completion_expr")
    text = (
        f"SELECT (\n{prompt}\n) AS prompt, (\n{completion}\n) AS completion\n"
        f"FROM {source.full('source').sql()}"
    )
    if where is not None and where.strip():
        text += f"\nWHERE (\n{_expression(where, 'where')}\n)"
    return UserQuery(text, "query")


def view_query_from_text(text: str) -> str | None:
    """The query of a view from SHOW VIEWS' `text` (its CREATE statement), or None if unrecognised.

    Finds the first `AS` after the VIEW keyword at parenthesis depth 0, outside strings, quoted
    names and comments (a column list or COMMENT = '... AS ...' may precede it).
    """
    try:
        blank = _blanked(text)
    except InvalidInput:
        return None
    head = _VIEW_HEAD.search(blank)
    if head is None:
        return None
    depth = 0
    i = head.end()
    while i < len(blank):
        ch = blank[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and (m := _AS.match(blank, i)) and (i == 0 or not blank[i - 1].isalnum()):
            body = text[m.end() :].strip()
            while body.endswith(";"):
                body = body[:-1].rstrip()
            return body or None
        i += 1
    return None


def _blanked(text: str) -> str:
    """`text` with the contents of strings, quoted names and comments replaced by spaces."""
    return _scan(text, "text")
