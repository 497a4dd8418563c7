"""The 2026 Cortex access statements (the rules live in cortex_local/ai_access.py):

- GRANT/REVOKE USE AI FUNCTIONS ON ACCOUNT TO/FROM ROLE r [WITH GRANT OPTION]; USE AI FUNCTION <name>
  (https://docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-privileges-and-access);
- GRANT/REVOKE APPLICATION ROLE SNOWFLAKE."CORTEX-MODEL-ROLE-<MODEL>" TO/FROM ROLE r, and
  SNOWFLAKE.SNOWFLAKE_PUBLIC_GRANT_ADMIN (https://docs.snowflake.com/en/sql-reference/sql/grant-application-role);
- CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE / GRANT_TO_PUBLIC_APPLICATION_ROLE('APP_ROLE',
  'CORTEX-MODEL-ROLE-ALL') (https://docs.snowflake.com/en/sql-reference/stored-procedures/
  snowflake_local_revoke_from_public_application_role);
- SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC, SHOW APPLICATION ROLES [LIKE] IN APPLICATION SNOWFLAKE,
  SHOW MODELS [LIKE] IN [SCHEMA] SNOWFLAKE.MODELS (the base models the caller may use).
Any other SHOW GRANTS passes on after the account's defaults are written (so PUBLIC's grant shows).
"""

from __future__ import annotations

from sqlglot import Expr

from cortex_local import ai_access as ai
from cortex_local.catalog_records import ACCOUNTADMIN, GrantRec
from cortex_local.errors import access_error, compilation_error, does_not_exist, insufficient_privileges
from cortex_local.handlers.base import Context, Result
from cortex_local.handlers.common import SUCCESS, match, starts
from cortex_local.handlers.models import MODEL_COLUMNS
from cortex_local.handlers.show_grants import TO_COLUMNS
from cortex_local.idents import IDENT, like_to_regex, norm, quote, split_name, unquote_literal

APP_ROLE_COLUMNS = ["created_on", "name", "owner", "comment", "owner_role_type"]
_APP_ROLE = rf"SNOWFLAKE\s*\.\s*({IDENT})"


def handle(ctx: Context, sql: str, expr: Expr | None) -> Result | None:
    if not starts(sql, "GRANT") and not starts(sql, "REVOKE") and not starts(sql, "SHOW") \
            and not starts(sql, "CALL"):
        return None
    ai.ensure_defaults(ctx.catalog, ctx.account)
    if m := match(r"(GRANT|REVOKE) USE AI FUNCTIONS ON ACCOUNT (?:TO|FROM) ROLE ({IDENT})( WITH GRANT OPTION)?",
                  sql):
        return _function_privilege(ctx, ai.USE_AI_FUNCTIONS, norm(m[2]), m[1].upper() == "GRANT", bool(m[3]))
    if m := match(r"(GRANT|REVOKE) USE AI FUNCTION (\w+) ON ACCOUNT (?:TO|FROM) ROLE ({IDENT})", sql):
        name = m[2].upper()
        if name not in ai.FUNCTIONS:
            raise compilation_error(f"Unsupported AI function '{name}' for privilege USE AI FUNCTION.")
        return _function_privilege(ctx, f"{ai.USE_AI_FUNCTION} {name}", norm(m[3]), m[1].upper() == "GRANT", False)
    if m := match(rf"(GRANT|REVOKE) APPLICATION ROLE {_APP_ROLE} (?:TO|FROM) (ROLE|APPLICATION ROLE) (.+)", sql):
        return _application_role(ctx, norm(m[2]), m[3].upper(), m[4], m[1].upper() == "GRANT")
    if m := match(r"CALL SNOWFLAKE\s*\.\s*LOCAL\s*\.\s*(REVOKE_FROM|GRANT_TO)_PUBLIC_APPLICATION_ROLE\s*"
                  r"\(\s*({STRING})\s*,\s*({STRING})\s*\)", sql):
        return _public_capability(ctx, m[1].upper() == "GRANT_TO", unquote_literal(m[2]), unquote_literal(m[3]))
    if m := match(rf"SHOW GRANTS TO APPLICATION ROLE {_APP_ROLE}", sql):
        return _grants_to_app_role(ctx, norm(m[1]))
    if m := match(r"SHOW APPLICATION ROLES(?: LIKE ({STRING}))? IN APPLICATION SNOWFLAKE", sql):
        return _app_roles(ctx, m[1])
    if m := match(r"SHOW MODELS(?: LIKE ({STRING}))? IN (?:SCHEMA )?SNOWFLAKE\s*\.\s*MODELS", sql):
        return _base_models(ctx, m[1])
    return None


def _function_privilege(ctx: Context, privilege: str, role: str, grant: bool, grant_option: bool) -> Result:
    if ctx.catalog.role(ctx.account, role) is None:
        raise does_not_exist(quote(role), "Role")
    if not ai.may_manage_ai_functions(ctx.catalog, ctx.account, ctx.role):
        raise access_error(
            f"Insufficient privileges to operate on account privilege '{privilege}': only ACCOUNTADMIN (or a "
            "role granted USE AI FUNCTIONS WITH GRANT OPTION) manages it"
        )
    if grant:
        ctx.catalog.grant(ctx.account, GrantRec(privilege, "ACCOUNT", ctx.account, "ROLE", role, ctx.role,
                                                grant_option))
    else:
        ctx.catalog.revoke(ctx.account, privilege, "ACCOUNT", ctx.account, "ROLE", role)
    return Result.status(SUCCESS)


def _known_app_role(short: str) -> None:
    if short not in (*ai.model_roles(), "SNOWFLAKE_PUBLIC_GRANT_ADMIN", "PUBLIC"):
        raise does_not_exist(ai.app_role(short), "Application role")


def _application_role(ctx: Context, short: str, grantee_kind: str, grantee_text: str, grant: bool) -> Result:
    _known_app_role(short)
    if grantee_kind == "APPLICATION ROLE":
        raise access_error(
            f"Grants to application roles of the SNOWFLAKE application are changed only through "
            f"CALL SNOWFLAKE.LOCAL.{'GRANT_TO' if grant else 'REVOKE_FROM'}_PUBLIC_APPLICATION_ROLE"
            f"('APP_ROLE', '{short}')"
        )
    role = norm(grantee_text.strip())
    if ctx.catalog.role(ctx.account, role) is None:
        raise does_not_exist(quote(role), "Role")
    admin_only = short in ("SNOWFLAKE_PUBLIC_GRANT_ADMIN", "PUBLIC")
    from cortex_local.privileges import role_closure

    is_admin = ACCOUNTADMIN in role_closure(ctx.catalog, ctx.account, ctx.role)
    if not is_admin and (admin_only or not ctx.has("MANAGE GRANTS", "ACCOUNT", ctx.account)):
        raise insufficient_privileges("application role", ai.app_role(short))
    name = ai.app_role(short)
    if grant:
        ctx.catalog.grant(ctx.account, GrantRec("USAGE", ai.APPLICATION_ROLE, name, "ROLE", role, ctx.role))
    else:
        ctx.catalog.revoke(ctx.account, "USAGE", ai.APPLICATION_ROLE, name, "ROLE", role)
    return Result.status(SUCCESS)


def _public_capability(ctx: Context, grant: bool, kind: str, name: str) -> Result:
    procedure = "GRANT_TO_PUBLIC_APPLICATION_ROLE" if grant else "REVOKE_FROM_PUBLIC_APPLICATION_ROLE"
    if not ai.may_manage_public_app_role(ctx.catalog, ctx.account, ctx.role):
        raise access_error(
            f"Insufficient privileges to call procedure SNOWFLAKE.LOCAL.{procedure}: the role needs the "
            f"application role {ai.PUBLIC_GRANT_ADMIN}"
        )
    if kind.upper() != "APP_ROLE" or name.upper() != ai.ALL_MODELS:
        raise compilation_error(
            f"'{kind}', '{name}' is not an administrator-revocable capability of SNOWFLAKE.PUBLIC here "
            f"(the local emulator knows 'APP_ROLE', '{ai.ALL_MODELS}')."
        )
    target = ai.app_role(ai.ALL_MODELS)
    if grant:
        ctx.catalog.grant(ctx.account, GrantRec("USAGE", ai.APPLICATION_ROLE, target, ai.APPLICATION_ROLE,
                                                ai.SNOWFLAKE_PUBLIC, ctx.role))
    else:
        ctx.catalog.revoke(ctx.account, "USAGE", ai.APPLICATION_ROLE, target, ai.APPLICATION_ROLE,
                           ai.SNOWFLAKE_PUBLIC)
    return Result.table([procedure], [(f"{'Granted' if grant else 'Revoked'} {ai.ALL_MODELS}",)])


def _grants_to_app_role(ctx: Context, short: str) -> Result:
    _known_app_role(short)
    name = ai.app_role(short)
    rows = [
        (g.created_on, g.privilege, g.granted_on, g.name, g.grantee_type, g.grantee, g.grant_option,
         g.granted_by or "")
        for g in ctx.catalog.grants(ctx.account)
        if g.grantee_type == ai.APPLICATION_ROLE and ".".join(split_name(g.grantee)) == ".".join(split_name(name))
    ]
    return Result.table(TO_COLUMNS, rows)


def _app_roles(ctx: Context, like: str | None) -> Result:
    pattern = like_to_regex(unquote_literal(like)) if like else None
    created = ctx.catalog.account(ctx.account).created_on
    names = [*ai.model_roles(), "PUBLIC", "SNOWFLAKE_PUBLIC_GRANT_ADMIN"]
    rows = [(created, n, "SNOWFLAKE", "", "APPLICATION") for n in names if pattern is None or pattern.match(n)]
    return Result.table(APP_ROLE_COLUMNS, rows)


def _base_models(ctx: Context, like: str | None) -> Result:
    """The base models the caller may use (model RBAC), one row each in SHOW MODELS' shape."""
    pattern = like_to_regex(unquote_literal(like)) if like else None
    created = ctx.catalog.account(ctx.account).created_on
    rows = []
    for model in ai.base_models():
        name = model.upper()
        if pattern is not None and not pattern.match(name):
            continue
        try:
            ai.require_base_model(ctx.catalog, ctx.account, ctx.role, model)
        except Exception:
            continue
        rows.append((created, name, "CORTEX_BASE", "SNOWFLAKE", "MODELS", "SNOWFLAKE", "", "[]", "", "{}"))
    return Result.table(MODEL_COLUMNS, rows)
