"""COMMENT statements that write or clear an object's ownership record (resources/ownership.py).

One builder per documented form, shared by every kind:
- ALTER <kind> [IF EXISTS] <name> SET COMMENT = '<text>'  (models: docs.snowflake.com
  /en/sql-reference/sql/alter-model; views: /en/sql-reference/sql/alter-view)
- ALTER <kind> [IF EXISTS] <name> UNSET COMMENT           (views; for models, whose ALTER MODEL page
  documents no UNSET COMMENT, the record is cleared with SET COMMENT = '')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.sql import literals
from cortex_provider.sql.identifiers import Identifier, QualifiedName
from cortex_provider.sql.statement import Statement

_SCHEMA_KINDS = frozenset({"MODEL", "VIEW"})  # named db.schema.name
_ACCOUNT_KINDS = frozenset({"SHARE", "DATABASE", "REPLICATION GROUP"})  # named by one identifier


@dataclass(frozen=True)
class SetComment(Statement):
    """ALTER <MODEL|VIEW> IF EXISTS db.s.name | <SHARE|DATABASE|REPLICATION GROUP> IF EXISTS name
    SET COMMENT = '<text>' (shares: /en/sql-reference/sql/alter-share; databases: /alter-database;
    replication groups: /alter-replication-group)."""

    kind: ClassVar[str] = "SET COMMENT"
    object_kind: str
    name: QualifiedName | Identifier
    comment: str

    def __post_init__(self) -> None:
        _check_name(self.object_kind, self.name)
        literals.string(self.comment, "comment")

    def sql(self) -> str:
        return (f"ALTER {self.object_kind} IF EXISTS {self.name.sql()} "
                f"SET COMMENT = {literals.string(self.comment, 'comment')}")


@dataclass(frozen=True)
class UnsetComment(Statement):
    """ALTER VIEW IF EXISTS db.s.name UNSET COMMENT (models: SetComment with '')."""

    kind: ClassVar[str] = "UNSET COMMENT"
    object_kind: str
    name: QualifiedName | Identifier

    def __post_init__(self) -> None:
        if self.object_kind != "VIEW":
            raise ValueError(f"UNSET COMMENT on {self.object_kind!r}: use SET COMMENT = ''")
        _check_name(self.object_kind, self.name)

    def sql(self) -> str:
        return f"ALTER {self.object_kind} IF EXISTS {self.name.sql()} UNSET COMMENT"


def _check_name(object_kind: str, name: QualifiedName | Identifier) -> None:
    if object_kind in _SCHEMA_KINDS and isinstance(name, QualifiedName):
        name.full(object_kind.lower())
    elif object_kind not in _ACCOUNT_KINDS or not isinstance(name, Identifier):
        raise ValueError(f"COMMENT on {object_kind!r} named {name.sql()!r} is not supported")


def clear_comment(object_kind: str, name: QualifiedName | Identifier) -> Statement:
    """The documented way to clear the kind's comment."""
    if object_kind == "VIEW":
        return UnsetComment(object_kind, name)
    return SetComment(object_kind, name, "")
