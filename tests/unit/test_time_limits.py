"""Faults are messages: every connection has login and network time limits, the session's retries are
bounded in wall time, and a connect to the emulator probes no cloud metadata address."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
import snowflake.connector as sf

from cortex_provider.errors import SettingsError, SnowflakeUnreachable
from cortex_provider.retry import NoAnswer, RetryPolicy, bounded_backoff
from cortex_provider.session import Session
from cortex_provider.settings import resolve_settings
from cortex_provider.sql.grants import ShowGrants
from cortex_provider.sql.identifiers import Identifier
from cortex_provider.sql.statement import UserQuery
from cortex_provider.sql.views import ShapeProbe

BASE = {"cortex:account": "acct", "cortex:user": "u", "cortex:password": "pw"}
SHOW = ShowGrants(to_role=Identifier.parse("R"))


def test_connector_gets_login_and_network_timeouts_by_default() -> None:
    kwargs = resolve_settings({**BASE, "cortex:host": "acct.snowflakecomputing.com"}, env={}).connect_kwargs()
    assert kwargs["login_timeout"] == 60  # never the connector's forever
    # not the connection's network_timeout: the connector would cancel every longer query with it
    assert "network_timeout" not in kwargs
    assert "platform_detection_timeout_seconds" not in kwargs  # a real account keeps the connector's default


def test_time_limits_follow_config_then_toml_then_env() -> None:
    env = {"SNOWFLAKE_NETWORK_TIMEOUT": "30", "SNOWFLAKE_LOGIN_TIMEOUT": "20",
           "SNOWFLAKE_PLATFORM_DETECTION_TIMEOUT": "0"}
    s = resolve_settings({**BASE, "cortex:networkTimeout": "90"}, env=env)
    assert (s.network_timeout, s.login_timeout, s.platform_detection_timeout) == (90, 20, 0.0)
    assert s.sources["network_timeout"] == "config" and s.sources["login_timeout"] == "env"
    assert s.connect_kwargs()["platform_detection_timeout_seconds"] == 0.0


def test_one_request_stops_retrying_after_network_timeout() -> None:
    now = [0.0]
    delays = bounded_backoff(30, clock=lambda: now[0])()
    waited = 0
    with pytest.raises(NoAnswer, match="30s"):
        for delay in delays:  # the connector sleeps each delay, then asks for the next
            now[0] += delay + 1.0
            waited += delay
    assert 25 <= now[0] <= 31 + 16


def test_a_bad_time_limit_names_its_key() -> None:
    with pytest.raises(SettingsError, match=r"cortex:networkTimeout = 'soon'.*pulumi config set cortex:networkTimeout"):
        resolve_settings({**BASE, "cortex:networkTimeout": "soon"}, env={})


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_platform_detection_is_off_for_a_loopback_host(host: str) -> None:
    s = resolve_settings({**BASE, "cortex:host": host}, env={})
    assert s.connect_kwargs()["platform_detection_timeout_seconds"] == 0.0
    on = resolve_settings({**BASE, "cortex:host": host, "cortex:platformDetectionTimeout": "0.5"}, env={})
    assert on.connect_kwargs()["platform_detection_timeout_seconds"] == 0.5  # the user decides


def test_retries_stop_within_the_wall_budget_and_name_url_and_settings() -> None:
    now = [0.0]

    def connect(_settings: Any) -> Any:
        now[0] += 20.0  # each attempt spends 20 s in the connector's own retries
        raise sf.OperationalError(msg="Could not connect to Snowflake backend", errno=250003)

    settings = resolve_settings({**BASE, "cortex:host": "db.example.com", "cortex:port": "8443"}, env={})
    session = Session(settings, connect=connect, retry=RetryPolicy(max_attempts=100, jitter=0.0),
                      sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0])
    with pytest.raises(SnowflakeUnreachable) as info:
        session.execute(SHOW)
    assert now[0] <= RetryPolicy().max_elapsed_s + 20.0 + 8.0  # no attempt starts past the budget
    text = str(info.value)
    assert "https://db.example.com:8443" in text and "cortex:loginTimeout=60s" in text
    assert "gave up after" in text


def test_a_dead_server_mid_session_is_unreachable_not_a_hang() -> None:
    now = [0.0]

    class Dead:
        def cursor(self) -> Any:
            return self

        def execute(self, _sql: str) -> Any:
            now[0] += 60.0  # the connector's retries of one request, bounded by cortex:networkTimeout
            raise sf.OperationalError(msg="Failed to execute request", errno=250003)

        description = None

        def fetchall(self) -> Any:
            return []

        def close(self) -> None:
            return None

        def is_closed(self) -> bool:
            return False

    settings = resolve_settings(BASE, env={})
    session = Session(settings, connect=lambda _s: Dead(), sleep=lambda s: now.__setitem__(0, now[0] + s),
                      clock=lambda: now[0])
    with pytest.raises(SnowflakeUnreachable, match=r"did not answer.*cortex:networkTimeout=60s"):
        session.execute(SHOW)
    assert now[0] <= 120.0


def test_connect_to_the_emulator_reaches_no_other_address(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The connector's platform detection probes cloud metadata addresses (169.254.169.254, ...) on
    login unless told not to: the provider's settings tell it for a loopback host."""
    monkeypatch.delenv("SNOWFLAKE_DISABLE_PLATFORM_DETECTION", raising=False)
    tried: list[str] = []
    real_connect = socket.socket.connect

    def guarded(sock: socket.socket, address: Any) -> Any:
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        tried.append(host)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not ipaddress.ip_address(host).is_loopback:
            raise OSError(f"test refused a connection to {host}")  # never leave the machine
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    config = {**emulator.stack_config(emulator.new_account()), "cortex:role": "ACCOUNTADMIN"}
    session = Session(resolve_settings(config, env={}))
    try:
        assert [c.name for c in session.describe(ShapeProbe(UserQuery("SELECT 1 AS prompt")))] == ["PROMPT"]
    finally:
        session.close()
    inet = [h for h in tried if not h.startswith("/")]
    assert inet and all(ipaddress.ip_address(h).is_loopback for h in inet), tried
