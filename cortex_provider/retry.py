"""When a failed driver call is worth another attempt, and for how long: the session's retry rules.

Transient failures (connection reset, HTTP 5xx, dropped session, connector network errnos) are retried
with capped exponential backoff, bounded in attempts and in wall time; `bounded_backoff` bounds the
connector's own retries of a request that got no answer (an unreachable Snowflake), never a slow query.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# Connector/GS error numbers worth another attempt (snowflake.connector.errorcode, network.py).
RETRYABLE_ERRNOS = frozenset(
    {
        250001,  # ER_FAILED_TO_CONNECT_TO_DB
        250002,  # ER_CONNECTION_IS_CLOSED
        250003,  # ER_FAILED_TO_REQUEST (HTTP failure after the connector's own retries)
        250005,  # ER_FAILED_TO_SERVER
        251011,  # ER_CONNECTION_TIMEOUT
        251012,  # ER_RETRYABLE_CODE
        252007,  # ER_FAILED_TO_RENEW_SESSION
        390110,
        390111,
        390112,
        390114,  # id token expired, session gone, session expired, master token expired
    }
)
# Of those, the ones that mean the connection itself is dead and must be reopened.
RECONNECT_ERRNOS = frozenset({250002, 252007, 390110, 390111, 390112, 390114})
_HTTP_5XX = re.compile(
    r"\bHTTP (5\d\d)\b|\b(50[0-4]) (Internal Server Error|Bad Gateway|Service Unavailable)"
)
_RETRYABLE_CLASSES = {
    "OperationalError",
    "InterfaceError",
    "InternalServerError",
    "ServiceUnavailableError",
    "GatewayTimeoutError",
    "BadGatewayError",
    "OtherHTTPRetryableError",
    "TooManyRequests",
    "RequestTimeoutError",
}


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.1  # fraction of the delay added at random
    max_elapsed_s: float = 45.0  # no attempt starts later than this after the first one

    def gives_up(self, attempt: int, elapsed_s: float, next_delay: float) -> bool:
        """Whether failed attempt `attempt`, `elapsed_s` after the first began, was the last."""
        return attempt >= self.max_attempts or elapsed_s + next_delay > self.max_elapsed_s

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        base: float = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return base * (1 + self.jitter * rand())


def classify(exc: BaseException) -> tuple[bool, bool]:
    """(retryable, reconnect) for an exception raised by the driver."""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True, True
    errno = getattr(exc, "errno", None)
    sqlstate = str(getattr(exc, "sqlstate", "") or "")
    if isinstance(errno, int) and errno in RETRYABLE_ERRNOS:
        return True, errno in RECONNECT_ERRNOS
    if sqlstate.startswith("08"):  # SQLSTATE class 08: connection exception
        return True, True
    if isinstance(errno, int) and 290500 <= errno <= 290599:  # ER_HTTP_GENERAL_ERROR + 5xx
        return True, False
    message = str(getattr(exc, "msg", None) or exc)
    if _HTTP_5XX.search(message):
        return True, False
    if type(exc).__name__ in _RETRYABLE_CLASSES and type(exc).__module__.startswith("snowflake."):
        return True, type(exc).__name__ == "InterfaceError"
    return False, False


class NoAnswer(ConnectionError):
    """The connector retried one request for settings.network_timeout seconds and got no answer."""


def bounded_backoff(seconds: float, clock: Callable[[], float] = time.monotonic) -> Callable[[], Iterator[int]]:
    """The connector's backoff policy (its default exponential backoff), ending one request's retries
    after `seconds`.

    The connector retries a request it got no answer to until its network_timeout, which is forever by
    default; setting network_timeout instead would also cancel every query running longer than it (a
    pre-flight or an evaluation over a large table may take minutes). Retries happen only when no
    answer came, so ending them bounds an unreachable Snowflake and never a slow query. The connector
    asks the policy for a fresh generator per request and for the next delay before each retry, and
    raises what the generator raises.
    """
    from snowflake.connector.backoff_policies import exponential_backoff

    delays = exponential_backoff()

    def generator() -> Iterator[int]:
        start = clock()
        for delay in delays():
            left = seconds - (clock() - start)
            if left <= 0:
                raise NoAnswer(f"no answer to a request for {seconds:g}s")
            yield min(int(delay), max(1, int(left)))

    return generator
