"""Securable objects as grants name them: type + fully qualified name, resolved against the
session, with existence checks (Snowflake's 002003 when missing)."""

from __future__ import annotations

from cortex_local.errors import compilation_error, does_not_exist, unsupported
from cortex_local.handlers.base import Context
from cortex_local.handlers.common import require_database, require_schema
from cortex_local.idents import qualified

# privileges each object type accepts (ALL expands to these)
PRIVILEGES: dict[str, tuple[str, ...]] = {
    "ACCOUNT": (
        "CREATE DATABASE",
        "CREATE ROLE",
        "CREATE USER",
        "MANAGE GRANTS",
        "CREATE SHARE",
        "IMPORT SHARE",
        "CREATE REPLICATION GROUP",
    ),
    "DATABASE": ("USAGE", "CREATE SCHEMA", "MODIFY", "MONITOR"),
    "SCHEMA": ("USAGE", "CREATE TABLE", "CREATE VIEW", "CREATE MODEL", "CREATE FUNCTION", "MODIFY", "MONITOR"),
    "TABLE": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES"),
    "VIEW": ("SELECT", "REFERENCES"),
    # models: OWNERSHIP, USAGE, READ (https://docs.snowflake.com/en/user-guide/security-access-control-privileges#model-privileges)
    "MODEL": ("USAGE", "READ"),
}


def object_type_of(word: str) -> str:
    kind = word.upper()
    if kind not in PRIVILEGES:
        raise unsupported(f"grants on {kind}")
    return kind


def table_exists(ctx: Context, db: str, schema: str, name: str, kind: str) -> bool:
    table_type = "VIEW" if kind == "VIEW" else "BASE TABLE"
    row = (
        ctx.runtime.duck_conn.cursor()
        .execute(
            "select 1 from information_schema.tables where table_catalog = ? and table_schema = ? "
            "and table_name = ? and table_type = ?",
            [db, schema, name, table_type],
        )
        .fetchone()
    )
    return row is not None


def resolve_securable(ctx: Context, kind: str, name: str | None) -> str:
    """-> the fully qualified name of an existing object of `kind` (raises if missing)."""
    if kind == "ACCOUNT":
        return ctx.account
    if not name:
        raise compilation_error(f"missing object name after {kind}")
    if kind == "DATABASE":
        (db,) = ctx.resolve(name, 1)
        require_database(ctx, db)
        return qualified(db)
    if kind == "SCHEMA":
        db, schema = ctx.resolve(name, 2)
        require_schema(ctx, db, schema)
        return qualified(db, schema)
    db, schema, obj = ctx.resolve(name, 3)
    require_schema(ctx, db, schema)
    exists = (
        ctx.catalog.model(ctx.account, db, schema, obj) is not None
        if kind == "MODEL"
        else table_exists(ctx, db, schema, obj, kind)
    )
    if not exists:
        raise does_not_exist(qualified(db, schema, obj))
    return qualified(db, schema, obj)


def expand_privileges(kind: str, text: str) -> list[str]:
    """'USAGE, CREATE MODEL' / 'ALL [PRIVILEGES]' / 'OWNERSHIP' -> validated privilege names."""
    words = [" ".join(p.split()).upper() for p in text.split(",")]
    if words in (["ALL"], ["ALL PRIVILEGES"]):
        return list(PRIVILEGES[kind])
    for w in words:
        if w not in PRIVILEGES[kind] and w != "OWNERSHIP":
            raise compilation_error(f"Invalid privilege {w} for object type {kind}.")
    return words
