"""The statement contract every builder follows, and validation of user-written queries.

A statement is an immutable, validated option struct; `sql()` renders it and `kind` names it in
errors ("GRANT", "FINETUNE CREATE", ...). Session.execute accepts only `Statement`s, so user input
reaches the wire only through identifiers, literals and `UserQuery`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidInput


class Statement(ABC):
    """One SQL statement; subclasses are frozen dataclasses validated in __post_init__."""

    kind: ClassVar[str]

    @abstractmethod
    def sql(self) -> str:
        """The statement text (single statement, no trailing semicolon)."""

    @property
    def idempotent(self) -> bool:
        """Safe to resend after an ambiguous failure (when it may already have run once)."""
        return True

    def __str__(self) -> str:
        return self.sql()


@dataclass(frozen=True)
class UserQuery:
    """A SELECT written by the user (training/validation data, a view body).

    It is SQL by design, so it cannot be escaped; instead it must be exactly one SELECT/WITH
    query whose strings, quoted names and comments are all closed, so that embedding it as
    `(\\n<query>\\n)` can neither end the enclosing statement nor comment out its tail.
    """

    text: str
    field: str = "query"

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", _validate_query(self.text, self.field))

    def __str__(self) -> str:
        return self.text


def _validate_query(text: str, field: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            field, "the query is empty", "give a SELECT returning prompt and completion columns"
        )
    if "\x00" in text:
        raise InvalidInput(field, "the query contains a NUL character", "remove it")
    body = text.strip()
    code = _scan(body, field)
    while code.rstrip().endswith(";"):
        cut = len(code.rstrip()) - 1
        body, code = body[:cut].rstrip(), code[:cut]
    if ";" in code:
        raise InvalidInput(
            field, "the query contains more than one statement", "pass a single SELECT, no ';'"
        )
    first = code.lstrip(" \t\r\n(").split(None, 1)
    if not first or first[0].upper() not in {"SELECT", "WITH"}:
        raise InvalidInput(field, "the query must start with SELECT or WITH", "pass a single SELECT query")
    if code.count("(") != code.count(")"):
        raise InvalidInput(field, "the query has unbalanced parentheses", "close every '('")
    return body


def _scan(text: str, field: str) -> str:
    """Return `text` with string/identifier/comment contents blanked; reject unterminated ones."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        two = text[i : i + 2]
        if ch in "'\"":
            j = i + 1
            while True:
                if j >= n:
                    what = "string" if ch == "'" else "quoted name"
                    raise InvalidInput(field, f"the query has an unterminated {what}", f"close it with {ch}")
                if ch == "'" and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            out.append(" " * (j + 1 - i))
            i = j + 1
        elif two == "$$":
            j = text.find("$$", i + 2)
            if j < 0:
                raise InvalidInput(field, "the query has an unterminated $$ string", "close it with $$")
            out.append(" " * (j + 2 - i))
            i = j + 2
        elif two in ("--", "//"):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif two == "/*":
            j = text.find("*/", i + 2)
            if j < 0:
                raise InvalidInput(field, "the query has an unterminated /* comment", "close it with */")
            out.append(" " * (j + 2 - i))
            i = j + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def embed(query: UserQuery) -> str:
    """The query as a parenthesised subquery on its own lines (a trailing -- comment stays inert)."""
    return f"(\n{query.text}\n)"
