"""Statements of Snowflake's 2026 Cortex access control, and the grant keys state records.

- USE AI FUNCTIONS / USE AI FUNCTION <name> on the account, to/from a role
  (https://docs.snowflake.com/en/user-guide/snowflake-cortex/aisql-privileges-and-access);
- the database roles SNOWFLAKE.CORTEX_USER and SNOWFLAKE.AI_FUNCTIONS_USER (sql/grants.py builds them);
- model RBAC: GRANT APPLICATION ROLE SNOWFLAKE."CORTEX-MODEL-ROLE-<MODEL>" | "CORTEX-MODEL-ROLE-ALL", and the
  SNOWFLAKE.PUBLIC default changed only through CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE /
  GRANT_TO_PUBLIC_APPLICATION_ROLE (https://docs.snowflake.com/en/user-guide/snowflake-cortex/
  governance-and-availability/model-access-control).

A grant key is the text a resource keeps in state for one grant to a role, e.g. `USE AI FUNCTION COMPLETE`,
`DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER`, `APPLICATION ROLE SNOWFLAKE."CORTEX-MODEL-ROLE-LLAMA3.1-8B"`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from cortex_provider.errors import InvalidInput
from cortex_provider.sql.grants import CORTEX_USER, DatabaseRoleName
from cortex_provider.sql.identifiers import Identifier
from cortex_provider.sql.literals import string as string_literal
from cortex_provider.sql.statement import Statement

AI_FUNCTIONS_USER = DatabaseRoleName(Identifier("SNOWFLAKE"), Identifier("AI_FUNCTIONS_USER"))
DATABASE_ROLES = {"CORTEX_USER": CORTEX_USER, "AI_FUNCTIONS_USER": AI_FUNCTIONS_USER}
USE_AI_FUNCTIONS = "USE AI FUNCTIONS"
ALL = "ALL"
MODEL_ROLE_PREFIX = "CORTEX-MODEL-ROLE-"
PUBLIC = Identifier("PUBLIC")
_FUNCTION = re.compile(r"[A-Z][A-Z0-9_]*")
_MODEL = re.compile(r"[a-z0-9][a-z0-9._-]*")


def function_name(text: str, field: str = "functions") -> str:
    """An AI function's name as the per-function privilege names it (AI_COMPLETE, COMPLETE, ...)."""
    name = text.strip().upper()
    if not _FUNCTION.fullmatch(name):
        raise InvalidInput(field, f"{text!r} is not an AI function name", "write it as AI_COMPLETE or COMPLETE")
    return name


def base_model_name(text: str, field: str = "base_models") -> str:
    """A Cortex base model (`llama3.1-8b`), or ALL."""
    if text.strip().upper() == ALL:
        return ALL
    name = text.strip().lower()
    if not _MODEL.fullmatch(name):
        raise InvalidInput(field, f"{text!r} is not a Cortex model name", "write it as Cortex does: llama3.1-8b")
    return name


def model_role(model: str) -> Identifier:
    """The application role of one base model (or of ALL)."""
    return Identifier(MODEL_ROLE_PREFIX + base_model_name(model).upper())


def function_key(function: str) -> str:
    return USE_AI_FUNCTIONS if function == ALL else f"USE AI FUNCTION {function_name(function)}"


def database_role_key(name: str) -> str:
    return f"DATABASE ROLE {DATABASE_ROLES[name].sql()}"


def model_key(model: str) -> str:
    return f"APPLICATION ROLE SNOWFLAKE.{model_role(model).sql()}"


@dataclass(frozen=True)
class AccountAiPrivilege(Statement):
    """GRANT|REVOKE USE AI FUNCTIONS | USE AI FUNCTION <name> ON ACCOUNT TO|FROM ROLE r."""

    kind: ClassVar[str] = "GRANT USE AI FUNCTION"
    role: Identifier
    function: str = ALL  # ALL: the account-wide USE AI FUNCTIONS
    grant: bool = True

    def __post_init__(self) -> None:
        if self.function != ALL:
            object.__setattr__(self, "function", function_name(self.function))

    def sql(self) -> str:
        verb, prep = ("GRANT", "TO") if self.grant else ("REVOKE", "FROM")
        return f"{verb} {function_key(self.function)} ON ACCOUNT {prep} ROLE {self.role.sql()}"


@dataclass(frozen=True)
class ModelApplicationRole(Statement):
    """GRANT|REVOKE APPLICATION ROLE SNOWFLAKE."CORTEX-MODEL-ROLE-<MODEL>" TO|FROM ROLE r."""

    kind: ClassVar[str] = "GRANT APPLICATION ROLE"
    role: Identifier
    model: str  # a base model name or ALL
    grant: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", base_model_name(self.model, "model"))

    def sql(self) -> str:
        verb, prep = ("GRANT", "TO") if self.grant else ("REVOKE", "FROM")
        return f"{verb} APPLICATION ROLE SNOWFLAKE.{model_role(self.model).sql()} {prep} ROLE {self.role.sql()}"


@dataclass(frozen=True)
class PublicModelAccess(Statement):
    """CALL SNOWFLAKE.LOCAL.GRANT_TO_PUBLIC_APPLICATION_ROLE | REVOKE_FROM_PUBLIC_APPLICATION_ROLE
    ('APP_ROLE', 'CORTEX-MODEL-ROLE-ALL'): Snowflake's default that gives every role every model."""

    kind: ClassVar[str] = "CALL SNOWFLAKE.LOCAL"
    grant: bool

    def sql(self) -> str:
        procedure = "GRANT_TO_PUBLIC_APPLICATION_ROLE" if self.grant else "REVOKE_FROM_PUBLIC_APPLICATION_ROLE"
        return (f"CALL SNOWFLAKE.LOCAL.{procedure}({string_literal('APP_ROLE')}, "
                f"{string_literal(MODEL_ROLE_PREFIX + ALL)})")


@dataclass(frozen=True)
class ShowGrantsToPublicApplicationRole(Statement):
    """SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC."""

    kind: ClassVar[str] = "SHOW GRANTS"

    def sql(self) -> str:
        return "SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC"


def row_key(privilege: str, granted_on: str, name: str) -> str | None:
    """The grant key of one SHOW GRANTS TO ROLE row, or None for grants this family does not manage."""
    on, priv = granted_on.upper(), privilege.upper()
    if on == "ACCOUNT" and priv.startswith("USE AI FUNCTION"):
        return priv
    if on == "DATABASE_ROLE" and priv == "USAGE":
        short = name.upper().removeprefix("SNOWFLAKE.")
        return database_role_key(short) if short in DATABASE_ROLES else None
    if on == "APPLICATION_ROLE" and priv == "USAGE":
        short = name.split(".", 1)[-1].strip('"')
        if short.startswith(MODEL_ROLE_PREFIX):
            return f"APPLICATION ROLE SNOWFLAKE.{Identifier(short).sql()}"
    return None
