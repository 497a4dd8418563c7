"""Errors the provider raises on purpose, each carrying enough context to act on.

Input errors (`InvalidIdentifier`, `InvalidLiteral`) are ValueErrors raised before any SQL is built;
`SnowflakeStatementError` wraps a driver error with the statement's kind but never its credentials.
"""

from __future__ import annotations


class CortexProviderError(Exception):
    """Base class for every error raised deliberately by cortex_provider."""


class InvalidInput(CortexProviderError, ValueError):
    """User input that cannot become SQL; the message names the field and the fix."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}. Fix: {fix}")


class InvalidIdentifier(InvalidInput):
    """Text that is not a valid Snowflake identifier (or qualified name)."""


class InvalidLiteral(InvalidInput):
    """A value that cannot be rendered as a SQL literal (e.g. a NUL character, a NaN)."""


class ParseError(CortexProviderError):
    """A SHOW/DESCRIBE result did not have the documented shape."""


class SettingsError(CortexProviderError):
    """Connection settings are missing or inconsistent; the message says which key to set and how."""


class SnowflakeStatementError(CortexProviderError):
    """A statement failed in Snowflake (after any retries).

    Carries Snowflake's own message, errno and sqlstate plus the statement kind ("GRANT",
    "FINETUNE CREATE", ...). The message is scrubbed of the session's secrets before it is stored.
    """

    def __init__(
        self,
        kind: str,
        message: str,
        errno: int | None = None,
        sqlstate: str | None = None,
        sfqid: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.kind = kind
        self.message = message
        self.errno = errno
        self.sqlstate = sqlstate
        self.sfqid = sfqid
        self.attempts = attempts
        code = ""
        if errno is not None and errno >= 0:
            code = f" [errno {errno}" + (f", sqlstate {sqlstate}" if sqlstate else "") + "]"
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{kind} failed{tries}{code}: {message}")


class SnowflakeUnreachable(SnowflakeStatementError):
    """Snowflake did not answer (network failure or time limit) after the session's bounded retries."""
