"""GRANT / REVOKE: privileges on objects, roles to users and roles (hierarchy, no cycles), and the
SNOWFLAKE.CORTEX_USER database role. Granting needs OWNERSHIP of the object (or ACCOUNTADMIN)."""

from __future__ import annotations

from sqlglot import Expr

from cortex_local import privileges
from cortex_local.catalog_records import CORTEX_USER, GrantRec
from cortex_local.errors import access_error, does_not_exist, insufficient_privileges, unsupported
from cortex_local.handlers.base import Context, Result
from cortex_local.handlers.common import SUCCESS, match, starts
from cortex_local.handlers.securables import expand_privileges, object_type_of, resolve_securable
from cortex_local.idents import norm, quote, split_name


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    grant = starts(sql, "GRANT")
    if not grant and not starts(sql, "REVOKE"):
        return None
    to = "TO" if grant else "FROM"
    if m := match(rf"(?:GRANT|REVOKE) DATABASE ROLE ({{QNAME}}) {to} ROLE ({{IDENT}})", sql):
        return _database_role(ctx, m[1], norm(m[2]), grant)
    if m := match(rf"(?:GRANT|REVOKE) ROLE ({{IDENT}}) {to} (USER|ROLE) ({{IDENT}})", sql):
        return _role(ctx, norm(m[1]), m[2].upper(), norm(m[3]), grant)
    pattern = (
        rf"(?:GRANT|REVOKE) (?:GRANT OPTION FOR )?(.+?) ON (ACCOUNT|(\w+) ({{QNAME}})) {to} ROLE ({{IDENT}})"
        rf"(?: WITH GRANT OPTION)?(?: (?:COPY|REVOKE) CURRENT GRANTS)?(?: RESTRICT| CASCADE)?"
    )
    if m := match(pattern, sql):
        kind = "ACCOUNT" if m[2].upper() == "ACCOUNT" else object_type_of(m[3])
        return _privileges(ctx, m[1], kind, m[4], norm(m[5]), grant)
    raise unsupported(f"this form of {'GRANT' if grant else 'REVOKE'}")


def _require_role(ctx: Context, role: str) -> None:
    if ctx.catalog.role(ctx.account, role) is None:
        raise does_not_exist(quote(role), "Role")


# SNOWFLAKE.AI_FUNCTIONS_USER (2026) covers AI functions but not fine-tuning: granting it is recorded,
# and FINETUNE still requires CORTEX_USER (https://docs.snowflake.com/en/user-guide/snowflake-cortex/
# cortex-finetuning#access-control-requirements).
AI_FUNCTIONS_USER = "SNOWFLAKE.AI_FUNCTIONS_USER"
DATABASE_ROLES = (CORTEX_USER, AI_FUNCTIONS_USER)


def _database_role(ctx: Context, name: str, role: str, grant: bool) -> Result:
    qualified_name = ".".join(split_name(name))
    if qualified_name not in DATABASE_ROLES:
        raise unsupported(f"database role {qualified_name} (only {' and '.join(DATABASE_ROLES)} exist here)")
    _require_role(ctx, role)
    if not ctx.has("MANAGE GRANTS", "ACCOUNT", ctx.account):
        raise insufficient_privileges("database role", qualified_name)
    if grant:
        ctx.catalog.grant(ctx.account, GrantRec("USAGE", "DATABASE_ROLE", qualified_name, "ROLE", role, ctx.role))
    else:
        ctx.catalog.revoke(ctx.account, "USAGE", "DATABASE_ROLE", qualified_name, "ROLE", role)
    return Result.status(SUCCESS)


def _role(ctx: Context, role: str, grantee_type: str, grantee: str, grant: bool) -> Result:
    with ctx.catalog.lock:
        _require_role(ctx, role)
        if grantee_type == "ROLE":
            _require_role(ctx, grantee)
        elif ctx.catalog.user(ctx.account, grantee) is None:
            raise does_not_exist(quote(grantee), "User")
        owner = ctx.catalog.role(ctx.account, role)
        if not ctx.has("MANAGE GRANTS", "ACCOUNT", ctx.account) and not (
            owner and owner.owner in privileges.role_closure(ctx.catalog, ctx.account, ctx.role)
        ):
            raise insufficient_privileges("role", quote(role))
        if not grant:
            ctx.catalog.revoke(ctx.account, "USAGE", "ROLE", role, grantee_type, grantee)
            return Result.status(SUCCESS)
        if grantee_type == "ROLE" and grantee in privileges.role_closure(ctx.catalog, ctx.account, role):
            raise access_error(f"Granting role '{role}' to role '{grantee}' would create a cycle.")
        ctx.catalog.grant(ctx.account, GrantRec("USAGE", "ROLE", role, grantee_type, grantee, ctx.role))
    return Result.status(SUCCESS)


def _privileges(ctx: Context, text: str, kind: str, name: str | None, role: str, grant: bool) -> Result:
    with ctx.catalog.lock:
        _require_role(ctx, role)
        target = resolve_securable(ctx, kind, name)
        if not ctx.has("OWNERSHIP", kind, target) and not ctx.has("MANAGE GRANTS", "ACCOUNT", ctx.account):
            raise insufficient_privileges(kind, target.rsplit(".", 1)[-1])
        privs = expand_privileges(kind, text)
        if "OWNERSHIP" in privs:
            if not grant:
                raise unsupported("REVOKE OWNERSHIP (transfer it with GRANT OWNERSHIP instead)")
            _transfer_ownership(ctx, kind, target, role)
            privs = [p for p in privs if p != "OWNERSHIP"]
        for p in privs:
            if grant:
                ctx.catalog.grant(ctx.account, GrantRec(p, kind, target, "ROLE", role, ctx.role))
            else:
                ctx.catalog.revoke(ctx.account, p, kind, target, "ROLE", role)
    return Result.status(SUCCESS)


def _transfer_ownership(ctx: Context, kind: str, target: str, role: str) -> None:
    if kind == "ACCOUNT":
        raise unsupported("OWNERSHIP on ACCOUNT")
    if kind == "MODEL":
        db, schema, name = split_name(target)
        model = ctx.catalog.model(ctx.account, db, schema, name)
        assert model is not None
        model.owner = role
        ctx.catalog.save()
    else:
        ctx.catalog.set_owner(ctx.account, kind, target, role)
