"""Snowflake-shaped errors. Every failure a handler raises is a connector ProgrammingError, so ours
and fakesnow's travel the same path to the client (errno -> `code`, msg -> `message`)."""

from __future__ import annotations

from snowflake.connector.errors import ProgrammingError


def sql_error(errno: int, msg: str, sqlstate: str = "42000") -> ProgrammingError:
    return ProgrammingError(msg=msg, errno=errno, sqlstate=sqlstate)


def compilation_error(detail: str) -> ProgrammingError:
    """Anything we do not support, or malformed input: 001003 'SQL compilation error:'."""
    return sql_error(1003, f"SQL compilation error:\n{detail}", "42000")


def unsupported(what: str) -> ProgrammingError:
    return compilation_error(f"{what} is not supported by the local emulator (cortex_local).")


def does_not_exist(name: str, kind: str = "Object") -> ProgrammingError:
    """002003: `Object 'X' does not exist or not authorized.` (kind: Object, Role, User, Database...)."""
    return sql_error(2003, f"SQL compilation error:\n{kind} '{name}' does not exist or not authorized.", "02000")


def already_exists(name: str, kind: str = "Object") -> ProgrammingError:
    return sql_error(2002, f"SQL compilation error:\n{kind} '{name}' already exists.", "42710")


def insufficient_privileges(object_type: str, name: str) -> ProgrammingError:
    """003001: `Insufficient privileges to operate on schema 'S'`."""
    return sql_error(
        3001,
        f"SQL access control error:\nInsufficient privileges to operate on {object_type.lower()} '{name}'",
        "42501",
    )


def access_error(detail: str) -> ProgrammingError:
    return sql_error(3001, f"SQL access control error:\n{detail}", "42501")
