"""Clause builders the statements share, in the manner of terraform-provider-snowflake's pkg/sdk: each
clause shape is written once, so a statement states only what is its own.

- SHOW <objects> [LIKE '<pattern>'] [IN <scope>]
  (https://docs.snowflake.com/en/sql-reference/sql/show): `LIKE` is case-insensitive with wildcards, so
  callers keep only the rows whose name is exactly theirs (parse_show.named).
- DROP <object type> IF EXISTS <name>: every drop is idempotent, so a resent drop is no error.
- a list of accounts or names (`ALLOWED_ACCOUNTS = a, b`): never empty.
"""

from __future__ import annotations

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import literals
from cortex_provider.sql.identifiers import AccountName, Identifier, QualifiedName, SchemaName


def like(name: Identifier | None) -> str:
    """` LIKE '<name>'`, or nothing for every object in scope."""
    return f" LIKE {literals.like_exact(name.name)}" if name is not None else ""


def in_schema(schema: SchemaName) -> str:
    return f" IN SCHEMA {schema.sql()}"


def in_database(database: Identifier) -> str:
    return f" IN DATABASE {database.sql()}"


def in_account(account: AccountName | None = None) -> str:
    """` IN ACCOUNT` (the current one), or ` IN ACCOUNT org.account`."""
    return " IN ACCOUNT" + (f" {account.sql()}" if account is not None else "")


def show(objects: str, name: Identifier | None = None, scope: str = "") -> str:
    """SHOW <objects> [LIKE '<name>']<scope>, the scope from in_schema/in_database/in_account."""
    return f"SHOW {objects}{like(name)}{scope}"


def drop(object_type: str, name: Identifier | SchemaName | QualifiedName) -> str:
    return f"DROP {object_type} IF EXISTS {name.sql()}"


def accounts(items: tuple[AccountName, ...], field: str) -> str:
    """`org.a, org.b`; InvalidInput naming `field` when empty (Snowflake would reject the statement)."""
    if not items:
        raise InvalidInput(field, "no accounts given", "list at least one ORG.ACCOUNT")
    return ", ".join(a.sql() for a in items)


def names(items: tuple[Identifier, ...], field: str) -> str:
    """`a, b`; InvalidInput naming `field` when empty."""
    if not items:
        raise InvalidInput(field, "no names given", "list at least one")
    return ", ".join(n.sql() for n in items)
