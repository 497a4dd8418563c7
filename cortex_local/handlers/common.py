"""Small helpers shared by handlers: statement matching, SHOW ... LIKE/IN clauses, status strings,
existence and ownership checks, sqlglot table names."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlglot import exp

from cortex_local import privileges
from cortex_local.catalog_records import ACCOUNTADMIN
from cortex_local.errors import does_not_exist
from cortex_local.handlers.base import Context, normalised
from cortex_local.idents import IDENT, QNAME, like_to_regex, norm, qualified, unquote_literal

STRING = r"'(?:[^']|'')*'"
SUCCESS = "Statement executed successfully."


def match(pattern: str, sql: str) -> re.Match[str] | None:
    """Full match of `pattern` against the whitespace-normalised statement, case-insensitively.
    Patterns may use {IDENT}, {QNAME} and {STRING} placeholders."""
    pattern = pattern.replace("{IDENT}", IDENT).replace("{QNAME}", QNAME).replace("{STRING}", STRING)
    return re.fullmatch(pattern, normalised(sql), re.IGNORECASE | re.DOTALL)


def starts(sql: str, *words: str) -> bool:
    """Does the statement begin with these keywords (whitespace-insensitive)?"""
    return re.match(r"\s*" + r"\s+".join(words) + r"\b", sql, re.IGNORECASE) is not None


def dropped(name: str) -> str:
    return f"{name} successfully dropped."


def already_dropped(name: str) -> str:
    return f"Drop statement executed successfully ({name} already dropped)."


def owns(ctx: Context, owner: object) -> bool:
    """May the current role manage an object `owner` owns: ACCOUNTADMIN, or `owner` in its hierarchy."""
    roles = privileges.role_closure(ctx.catalog, ctx.account, ctx.role)
    return ACCOUNTADMIN in roles or (owner is not None and owner in roles)


@dataclass
class ShowFilter:
    """`LIKE '<pattern>'` and `IN ACCOUNT | IN DATABASE d | IN SCHEMA d.s` of a SHOW command."""

    like: re.Pattern[str] | None
    database: str | None
    schema: str | None

    def name_ok(self, name: str) -> bool:
        return self.like is None or self.like.match(name) is not None


SHOW_TAIL = r"(?: LIKE (?P<like>{STRING}))?(?: IN (?P<scope>ACCOUNT|DATABASE|SCHEMA)(?: (?P<scope_name>{QNAME}))?)?"


def show_filter(ctx: Context, m: re.Match[str]) -> ShowFilter:
    """Default scope: the current database if any, else the account (as Snowflake does)."""
    like = like_to_regex(unquote_literal(m["like"])) if m["like"] else None
    scope = (m["scope"] or "").upper()
    if scope == "ACCOUNT":
        return ShowFilter(like, None, None)
    if scope == "DATABASE":
        db = ctx.resolve(m["scope_name"], 1)[0] if m["scope_name"] else ctx.resolve("X", 2)[0]
        require_database(ctx, db)
        return ShowFilter(like, db, None)
    if scope == "SCHEMA":
        db, schema = ctx.resolve(m["scope_name"], 2) if m["scope_name"] else ctx.resolve("X", 3)[:2]
        require_schema(ctx, db, schema)
        return ShowFilter(like, db, schema)
    return ShowFilter(like, ctx.session.database, None)


def require_database(ctx: Context, db: str) -> None:
    if not ctx.runtime.database_exists(db):
        raise does_not_exist(qualified(db), "Database")


def require_schema(ctx: Context, db: str, schema: str) -> None:
    require_database(ctx, db)
    if not ctx.runtime.schema_exists(db, schema):
        raise does_not_exist(qualified(db, schema), "Schema")


def ident_name(node: exp.Expression | None) -> str | None:
    """Resolved name of a sqlglot identifier (quoted keeps case)."""
    if node is None:
        return None
    if isinstance(node, exp.Identifier):
        return node.this if node.quoted else node.this.upper()
    return norm(node.name)


def table_parts(table: exp.Table) -> list[str]:
    """[catalog, db, name] present in a sqlglot Table, resolved."""
    parts = [table.args.get("catalog"), table.args.get("db"), table.this]
    return [p for p in (ident_name(x) for x in parts if x is not None) if p]
