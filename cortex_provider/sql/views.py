"""View statements (the training-data view), GET_DDL, and the zero-row shape probe."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.sql import literals
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement, UserQuery, embed


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
        return f"DROP VIEW IF EXISTS {self.name.sql()}"


@dataclass(frozen=True)
class ShowViews(Statement):
    """SHOW VIEWS [LIKE '<exact name>'] IN SCHEMA db.s."""

    kind: ClassVar[str] = "SHOW VIEWS"
    schema: SchemaName
    like: Identifier | None = None

    def sql(self) -> str:
        like = f" LIKE {literals.like_exact(self.like.name)}" if self.like is not None else ""
        return f"SHOW VIEWS{like} IN SCHEMA {self.schema.sql()}"


@dataclass(frozen=True)
class GetDdl(Statement):
    """SELECT GET_DDL('VIEW', 'db.s.v') AS DDL."""

    kind: ClassVar[str] = "GET_DDL"
    name: QualifiedName
    object_type: str = "VIEW"

    def __post_init__(self) -> None:
        self.name.full("name")
        if self.object_type not in {"VIEW", "TABLE", "SCHEMA", "DATABASE"}:
            raise ValueError(f"GET_DDL object type {self.object_type!r} is not supported")

    def sql(self) -> str:
        return (
            f"SELECT GET_DDL({literals.string(self.object_type)}, {literals.string(self.name.sql())}) AS DDL"
        )


@dataclass(frozen=True)
class ShapeProbe(Statement):
    """SELECT * FROM (<query>) LIMIT 0: validates the query and returns its columns, no rows."""

    kind: ClassVar[str] = "PROBE QUERY"
    query: UserQuery

    def sql(self) -> str:
        return f"SELECT * FROM {embed(self.query)} LIMIT 0"
