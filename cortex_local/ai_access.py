"""Who may call Cortex AI functions and which base models, as Snowflake governs it in 2026.

- Functions (https://docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-privileges-and-access): a role
  needs the account privilege USE AI FUNCTIONS (granted to PUBLIC by default) or a per-function
  USE AI FUNCTION <name>, AND one of the database roles SNOWFLAKE.CORTEX_USER or SNOWFLAKE.AI_FUNCTIONS_USER.
  FINETUNE is no AI function here: it needs CORTEX_USER (AI_FUNCTIONS_USER does not allow fine-tuning) and
  no USE AI FUNCTION(S) (the emulator's choice where the docs are silent).
- Base models (https://docs.snowflake.com/en/user-guide/snowflake-cortex/governance-and-availability/
  model-access-control): application roles SNOWFLAKE."CORTEX-MODEL-ROLE-<MODEL>" and
  SNOWFLAKE."CORTEX-MODEL-ROLE-ALL"; ALL is granted to the SNOWFLAKE.PUBLIC application role (which every
  role holds) by default. ACCOUNTADMIN always has every model. The emulator applies model RBAC to COMPLETE
  and COUNT_TOKENS on a base model only: a fine-tuned model is governed by USAGE on the model object, and
  FINETUNE by CORTEX_USER (choices where the docs are silent).

The two defaults are real grants, written into an account the first time anything here looks at it
(older data directories get them too): USE AI FUNCTIONS to PUBLIC, CORTEX-MODEL-ROLE-ALL to SNOWFLAKE.PUBLIC.
"""

from __future__ import annotations

from cortex_local.catalog import Catalog
from cortex_local.catalog_records import ACCOUNTADMIN, CORTEX_USER, PUBLIC, GrantRec
from cortex_local.cortex.base_models import COMPLETE_ONLY_MODELS, LLM_NAMES
from cortex_local.errors import access_error
from cortex_local.idents import qualified
from cortex_local.privileges import role_closure

USE_AI_FUNCTIONS = "USE AI FUNCTIONS"
USE_AI_FUNCTION = "USE AI FUNCTION"  # + ' <NAME>' as the privilege SHOW GRANTS prints
AI_FUNCTIONS_USER = "SNOWFLAKE.AI_FUNCTIONS_USER"
APPLICATION_ROLE = "APPLICATION_ROLE"  # granted_on / grantee type of application roles
SNOWFLAKE_PUBLIC = "SNOWFLAKE.PUBLIC"  # the SNOWFLAKE application's PUBLIC application role
PUBLIC_GRANT_ADMIN = "SNOWFLAKE.SNOWFLAKE_PUBLIC_GRANT_ADMIN"
MODEL_ROLE_PREFIX = "CORTEX-MODEL-ROLE-"
ALL_MODELS = MODEL_ROLE_PREFIX + "ALL"
SYSTEM = "SYSTEM"  # granted_by of the account's defaults
_DEFAULTS_KEY = "ai_access_defaults"
# per-function privileges the docs list (preview); FINETUNE is not among them
FUNCTIONS = frozenset({
    "AI_COMPLETE", "COMPLETE", "AI_CLASSIFY", "AI_FILTER", "AI_AGG", "AI_SUMMARIZE_AGG", "AI_EMBED",
    "AI_EXTRACT", "AI_SENTIMENT", "AI_TRANSLATE", "AI_TRANSCRIBE", "AI_REDACT", "AI_PARSE_DOCUMENT",
    "COUNT_TOKENS", "SUMMARIZE", "TRANSLATE", "SENTIMENT", "EXTRACT_ANSWER", "CLASSIFY_TEXT",
})


def app_role(short: str) -> str:
    """SNOWFLAKE."CORTEX-MODEL-ROLE-ALL": the display form grants carry."""
    return qualified("SNOWFLAKE", short)


def model_role_of(model: str) -> str:
    return MODEL_ROLE_PREFIX + model.strip().upper()


def base_models() -> list[str]:
    """Every model SNOWFLAKE.MODELS lists: the fine-tunable LLMs and the inference-only ones."""
    return sorted(LLM_NAMES | COMPLETE_ONLY_MODELS)


def model_roles() -> list[str]:
    return [ALL_MODELS, *(model_role_of(m) for m in base_models())]


def ensure_defaults(catalog: Catalog, account: str) -> None:
    """Write Snowflake's two defaults into an account once (a later REVOKE removes them for good)."""
    with catalog.lock:
        acct = catalog.account(account)
        if acct.extra.get(_DEFAULTS_KEY):
            return
        acct.extra[_DEFAULTS_KEY] = True
        for g in (GrantRec(USE_AI_FUNCTIONS, "ACCOUNT", account, "ROLE", PUBLIC, SYSTEM),
                  GrantRec("USAGE", APPLICATION_ROLE, app_role(ALL_MODELS), APPLICATION_ROLE, SNOWFLAKE_PUBLIC,
                           SYSTEM)):
            if not any(x.key() == g.key() for x in acct.grants):
                acct.grants.append(g)
        catalog.save()


def _holds(catalog: Catalog, account: str, roles: set[str], privilege: str, granted_on: str, name: str,
           grant_option: bool = False) -> bool:
    with catalog.lock:
        return any(
            g.grantee_type == "ROLE" and g.grantee in roles and g.granted_on == granted_on and g.name == name
            and g.privilege == privilege and (g.grant_option or not grant_option)
            for g in catalog.account(account).grants
        )


def may_manage_ai_functions(catalog: Catalog, account: str, role: str) -> bool:
    """ACCOUNTADMIN manages USE AI FUNCTION(S) (the docs); a role granted USE AI FUNCTIONS WITH GRANT
    OPTION by it may too (Snowflake's grant-option rule; the deployer role's delegation)."""
    roles = role_closure(catalog, account, role)
    return ACCOUNTADMIN in roles or _holds(catalog, account, roles, USE_AI_FUNCTIONS, "ACCOUNT", account, True)


def may_manage_public_app_role(catalog: Catalog, account: str, role: str) -> bool:
    """SNOWFLAKE.LOCAL.*_PUBLIC_APPLICATION_ROLE: ACCOUNTADMIN or a holder of SNOWFLAKE_PUBLIC_GRANT_ADMIN."""
    roles = role_closure(catalog, account, role)
    return ACCOUNTADMIN in roles or _holds(catalog, account, roles, "USAGE", APPLICATION_ROLE,
                                           app_role("SNOWFLAKE_PUBLIC_GRANT_ADMIN"))


def require_ai_function(catalog: Catalog, account: str, role: str, function: str) -> None:
    """USE AI FUNCTIONS or USE AI FUNCTION <function>, and CORTEX_USER or AI_FUNCTIONS_USER."""
    ensure_defaults(catalog, account)
    roles = role_closure(catalog, account, role)
    if ACCOUNTADMIN in roles:
        return
    name = function.upper()
    if not (_holds(catalog, account, roles, USE_AI_FUNCTIONS, "ACCOUNT", account)
            or _holds(catalog, account, roles, f"{USE_AI_FUNCTION} {name}", "ACCOUNT", account)):
        raise access_error(
            f"Insufficient privileges to call AI function '{name}': role '{role}' needs the account privilege "
            f"USE AI FUNCTIONS or USE AI FUNCTION {name} (GRANT USE AI FUNCTION {name} ON ACCOUNT TO ROLE {role})"
        )
    if not any(_holds(catalog, account, roles, "USAGE", "DATABASE_ROLE", db_role)
               for db_role in (CORTEX_USER, AI_FUNCTIONS_USER)):
        raise access_error(
            f"Insufficient privileges to call AI function '{name}': role '{role}' needs the database role "
            f"{CORTEX_USER} or {AI_FUNCTIONS_USER} (GRANT DATABASE ROLE {AI_FUNCTIONS_USER} TO ROLE {role})"
        )


def require_base_model(catalog: Catalog, account: str, role: str, model: str) -> None:
    """Model RBAC: the role (or SNOWFLAKE.PUBLIC, which every role holds) has the model's application role
    or CORTEX-MODEL-ROLE-ALL."""
    ensure_defaults(catalog, account)
    roles = role_closure(catalog, account, role)
    if ACCOUNTADMIN in roles:
        return
    wanted = {app_role(ALL_MODELS), app_role(model_role_of(model))}
    with catalog.lock:
        allowed = any(
            g.granted_on == APPLICATION_ROLE and g.name in wanted
            and ((g.grantee_type == "ROLE" and g.grantee in roles)
                 or (g.grantee_type == APPLICATION_ROLE and g.grantee == SNOWFLAKE_PUBLIC))
            for g in catalog.account(account).grants
        )
    if not allowed:
        raise access_error(
            f"Model '{model.lower()}' is not available to role '{role}': grant it the application role "
            f"{app_role(model_role_of(model))} (GRANT APPLICATION ROLE {app_role(model_role_of(model))} "
            f"TO ROLE {role})"
        )
