"""Where the provider process keeps the stack config it was configured with.

Kept at module level in the provider process (never on the pickled provider object), so the
password in `cortex:password` reaches the connector and nothing else.
"""

from __future__ import annotations

from typing import Any

from cortex_provider.pulumi import timings
from cortex_provider.session import Session, get_session
from cortex_provider.settings import resolve_settings

_stack_config: dict[str, Any] = {}


def remember_config(config: Any) -> None:
    """Store the `cortex:*` values of the pulumi.dynamic Config passed to `configure`."""
    raw = getattr(config, "_props", None)
    if raw is None and isinstance(config, dict):
        raw = config
    _stack_config.clear()
    _stack_config.update({k: v for k, v in (raw or {}).items() if str(k).startswith("cortex:")})


def session_for_provider() -> Session:
    """The process-wide Session for the configured (or environment-provided) connection."""
    session = get_session(resolve_settings(_stack_config))
    timings.observe(session)
    return session


def stack_config() -> dict[str, Any]:
    """A copy of the remembered `cortex:*` stack config (for sessions to other accounts)."""
    return dict(_stack_config)
