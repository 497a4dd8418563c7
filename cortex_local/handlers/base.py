"""The handler contract.

A handler is `handle(ctx: Context, sql: str, expr: sqlglot.Expr | None) -> Result | None`:
- `sql` is the statement text (trailing `;` and surrounding whitespace removed), `expr` its sqlglot
  parse (Snowflake dialect) or None when sqlglot could not parse it. Many statements we own parse
  only as `exp.Command`; match those with regexes over `normalised(sql)`.
- Return None to pass the statement on (next handler, finally fakesnow). Return a Result to answer it.
- Raise a snowflake ProgrammingError (see cortex_local.errors) to fail it; the client sees its errno/msg.
- Bound parameters are in `ctx.params` (tuple for positional, dict for named).
Handlers run in a worker thread while holding the session's lock; take `ctx.catalog.lock` for
read-modify-write sequences on the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlglot import Expr

from cortex_local import privileges
from cortex_local.errors import compilation_error
from cortex_local.idents import split_name

if TYPE_CHECKING:
    from fakesnow.cursor import FakeSnowflakeCursor

    from cortex_local.accounts import AccountRuntime
    from cortex_local.catalog import Catalog
    from cortex_local.server import EmulatorServer
    from cortex_local.session import Session

# Snowflake wire types for Result columns: text fixed real boolean timestamp_ltz variant
TEXT, FIXED, REAL, BOOLEAN, TIMESTAMP, VARIANT = (
    "text",
    "fixed",
    "real",
    "boolean",
    "timestamp_ltz",
    "variant",
)


@dataclass
class Column:
    name: str
    type: str = TEXT


@dataclass
class Result:
    """Rows to send back. Timestamps: datetime or ISO strings (as the catalog stores them)."""

    columns: list[Column]
    rows: list[Sequence[Any]] = field(default_factory=list)

    @classmethod
    def status(cls, message: str) -> Result:
        return cls([Column("status")], [(message,)])

    @classmethod
    def table(cls, names_types: Sequence[tuple[str, str] | str], rows: list[Sequence[Any]]) -> Result:
        cols = [Column(c) if isinstance(c, str) else Column(*c) for c in names_types]
        return cls(cols, rows)


@dataclass
class CursorResult:
    """A statement fakesnow executed (its cursor holds the arrow result and rowtype)."""

    cursor: FakeSnowflakeCursor


@dataclass(frozen=True)
class Rewritten:
    """The statement to run instead, through every handler again (dispatch.run_one does): a handler that
    expands a statement returns this, so no handler calls back into the dispatcher."""

    sql: str


Handler = Callable[["Context", str, Expr | None], "Result | CursorResult | Rewritten | None"]


def normalised(sql: str) -> str:
    """Collapse whitespace; keeps case (quoted identifiers, literals) - match with re.IGNORECASE."""
    return re.sub(r"\s+", " ", sql).strip()


@dataclass
class Context:
    server: EmulatorServer
    session: Session
    params: tuple[Any, ...] | dict[str, Any] | None = None

    @property
    def catalog(self) -> Catalog:
        return self.server.catalog

    @property
    def account(self) -> str:
        return self.session.account

    @property
    def runtime(self) -> AccountRuntime:
        return self.server.account_runtime(self.session.account)

    @property
    def role(self) -> str:
        return self.session.role

    @property
    def user(self) -> str:
        return self.session.user

    def fakesnow(self, sql: str, params: Any = None) -> CursorResult:
        """Run `sql` through fakesnow on this session's connection (no further handlers)."""
        cur = self.session.conn.cursor()
        cur.execute(sql, binding_params=params, server=True)
        return CursorResult(cur)

    # -- names ----------------------------------------------------------------------------
    def resolve(self, name: str, parts: int = 3) -> tuple[str, ...]:
        """Qualify `name` with the session's database/schema: parts=3 -> (db, schema, obj),
        parts=2 -> (db, schema). Raises Snowflake's no-current-database/schema errors."""
        given = split_name(name)
        if len(given) > parts:
            raise compilation_error(f"invalid identifier '{name}'")
        missing = parts - len(given)
        prefix: list[str] = []
        if missing >= 1:
            if not self.session.database:
                raise compilation_error(
                    "Cannot perform operation. This session does not have a current database. "
                    "Call 'USE DATABASE', or use a qualified name."
                )
            prefix.append(self.session.database)
        if missing >= 2:
            if not self.session.schema:
                raise compilation_error(
                    "Cannot perform operation. This session does not have a current schema. "
                    "Call 'USE SCHEMA', or use a qualified name."
                )
            prefix.append(self.session.schema)
        return (*prefix, *given)

    # -- privileges (bound to this session's account and role) ------------------------------
    def has(self, privilege: str, object_type: str, name: str) -> bool:
        return privileges.has_privilege(self.catalog, self.account, self.role, privilege, object_type, name)

    def require(self, privilege: str, object_type: str, name: str, display: str | None = None) -> None:
        privileges.require_privilege(self.catalog, self.account, self.role, privilege, object_type, name, display)

    def require_cortex_user(self) -> None:
        privileges.require_cortex_user(self.catalog, self.account, self.role)
