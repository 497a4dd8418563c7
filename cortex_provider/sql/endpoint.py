"""A model release's stable endpoint: a SQL UDF `DB.SCHEMA.NAME(prompt VARCHAR) RETURNS VARCHAR` whose
body is `SNOWFLAKE.CORTEX.COMPLETE('<serving version>', prompt)`; its statements and parsers.

- CREATE OR REPLACE SECURE FUNCTION ... COPY GRANTS: the swap is atomic and keeps the USAGE grants,
  so applications never see a missing function or lose access while a version is promoted
  (https://docs.snowflake.com/en/sql-reference/sql/create-function). SECURE so it can be shared.
- SHOW USER FUNCTIONS LIKE '<name>' IN SCHEMA db.s (https://docs.snowflake.com/en/sql-reference/sql/
  show-user-functions); the body is not in SHOW output, so the serving version is read with
  `SELECT GET_DDL('FUNCTION', ...)`-free means: the function's `description` (COMMENT) names it.
- versions: `NAME_V1`, `NAME_V2`, ... in the same schema (`version_name`, `parse_version`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import clauses, literals
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.rows import Reader, Row
from cortex_provider.sql.statement import Statement

COMMENT_PREFIX = "cortex-provider release endpoint "
_VERSION = re.compile(r"^V([1-9][0-9]{0,5})$")


def version_label(number: int) -> str:
    return f"V{number}"


def parse_version(label: str, field: str = "serving") -> int:
    """'V3' / 'v3' -> 3; anything else raises InvalidInput naming the fix."""
    m = _VERSION.match(label.strip().upper()) if isinstance(label, str) else None
    if m is None:
        raise InvalidInput(field, f"{label!r} is not a version label", "write it as V1, V2, ...")
    return int(m[1])


def version_name(endpoint: QualifiedName, number: int) -> QualifiedName:
    """DB.S.NAME -> DB.S.NAME_V<number> (a quoted name keeps its case: "My"_V1 -> "My_V1")."""
    full = endpoint.full("name")
    return QualifiedName(Identifier.of(f"{full.name.name}_{version_label(number)}"), full.schema, full.database)


def version_of(endpoint: QualifiedName, model_name: str) -> int | None:
    """The version number of a model named `<endpoint name>_V<n>` (resolved name), else None."""
    prefix = endpoint.full("name").name.name + "_"
    if not model_name.startswith(prefix):
        return None
    m = _VERSION.match(model_name[len(prefix):])
    return int(m[1]) if m else None


@dataclass(frozen=True)
class CreateEndpoint(Statement):
    """CREATE OR REPLACE SECURE FUNCTION <endpoint>(prompt VARCHAR) COPY GRANTS RETURNS VARCHAR
    COMMENT = '<marker + json>' AS 'SNOWFLAKE.CORTEX.COMPLETE(''<model>'', prompt)'."""

    kind: ClassVar[str] = "CREATE FUNCTION"
    endpoint: QualifiedName
    model: QualifiedName
    version: str
    owner: dict[str, str] | None = None  # the release resource's ownership record, kept in the same COMMENT

    def __post_init__(self) -> None:
        self.endpoint.full("endpoint")
        self.model.full("model")
        parse_version(self.version, "version")

    def body(self) -> str:
        return f"SNOWFLAKE.CORTEX.COMPLETE({literals.string(self.model.sql(), 'model')}, prompt)"

    def sql(self) -> str:
        data: dict[str, Any] = {"serving": self.version, "model": self.model.sql()}
        if self.owner is not None:
            data["owner"] = self.owner
        comment = COMMENT_PREFIX + json.dumps(data)
        return (f"CREATE OR REPLACE SECURE FUNCTION {self.endpoint.sql()}(prompt VARCHAR) COPY GRANTS "
                f"RETURNS VARCHAR COMMENT = {literals.string(comment, 'comment')} "
                f"AS {literals.string(self.body(), 'body')}")


@dataclass(frozen=True)
class DropEndpoint(Statement):
    kind: ClassVar[str] = "DROP FUNCTION"
    endpoint: QualifiedName

    def sql(self) -> str:
        return f"DROP FUNCTION IF EXISTS {self.endpoint.full('endpoint').sql()}(VARCHAR)"


@dataclass(frozen=True)
class GrantEndpointUsage(Statement):
    """GRANT|REVOKE USAGE ON FUNCTION <endpoint>(VARCHAR) TO|FROM ROLE r | TO SHARE s."""

    kind: ClassVar[str] = "GRANT USAGE ON FUNCTION"
    endpoint: QualifiedName
    grantee: Identifier
    to_share: bool = False
    revoke: bool = False

    def sql(self) -> str:
        verb, prep = ("REVOKE", "FROM") if self.revoke else ("GRANT", "TO")
        what = "SHARE" if self.to_share else "ROLE"
        return (f"{verb} USAGE ON FUNCTION {self.endpoint.full('endpoint').sql()}(VARCHAR) "
                f"{prep} {what} {self.grantee.sql()}")


@dataclass(frozen=True)
class ShowUserFunctions(Statement):
    kind: ClassVar[str] = "SHOW USER FUNCTIONS"
    schema: SchemaName
    like: Identifier | None = None

    def sql(self) -> str:
        return clauses.show("USER FUNCTIONS", self.like, clauses.in_schema(self.schema))


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    database: str
    schema: str
    arguments: str
    description: str | None
    is_secure: bool

    @property
    def release(self) -> dict[str, Any] | None:
        """{"serving": "V2", "model": "DB.S.NAME_V2"} for an endpoint this project wrote, else None."""
        text = self.description or ""
        if not text.startswith(COMMENT_PREFIX):
            return None
        try:
            data = json.loads(text[len(COMMENT_PREFIX):])
        except ValueError:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("serving"), str) else None


def parse_user_functions(rows: Iterable[Row]) -> list[FunctionInfo]:
    out = []
    for row in rows:
        r = Reader(row, "SHOW USER FUNCTIONS")
        out.append(FunctionInfo(
            name=r.text("name"), database=r.text("catalog_name"), schema=r.text("schema_name"),
            arguments=r.text("arguments"), description=r.opt_text("description"),
            is_secure=(r.opt_text("is_secure") or "N").upper() in ("Y", "TRUE")))
    return out
