"""The review command resolves the stack's connection as the provider does (stack config, secrets
decrypted by the engine, connections.toml, environment) and reports a missing one whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cortex_provider.errors import SettingsError
from cortex_provider.review.__main__ import main
from cortex_provider.review.credentials import stack_settings

STACK = """config:
  cortex:account: LOCAL
  cortex:user: ADMIN
  cortex:host: 127.0.0.1
{extra}"""


def project(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: cortex\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "Pulumi.t.yaml").write_text(STACK.format(extra=extra))
    return tmp_path


def no_secrets(_dir: Path, _stack: str) -> dict[str, Any]:
    raise AssertionError("no secret in the stack file: the engine is not asked")


def test_environment_and_connections_toml(tmp_path: Path) -> None:
    root = project(tmp_path)
    got = stack_settings(root, "t", {"SNOWFLAKE_PASSWORD": "from-env"}, secrets=no_secrets)
    assert got.password is not None and got.password.get_secret_value() == "from-env"
    assert got.sources["password"] == "env" and got.sources["account"] == "config"
    home = tmp_path / "sfhome"
    home.mkdir()
    (home / "connections.toml").write_text('[ci]\npassword = "from-toml"\n')
    env = {"SNOWFLAKE_HOME": str(home), "SNOWFLAKE_DEFAULT_CONNECTION_NAME": "ci"}
    got = stack_settings(root, "t", env, secrets=no_secrets)
    assert got.password is not None and got.password.get_secret_value() == "from-toml"


def test_stack_secrets_are_decrypted_through_the_engine(tmp_path: Path) -> None:
    root = project(tmp_path, "  cortex:password:\n    secure: v1:AAAA\n")
    asked: list[str] = []

    def engine(_dir: Path, stack: str) -> dict[str, Any]:
        asked.append(stack)
        return {"cortex:password": "decrypted"}

    got = stack_settings(root, "t", {}, secrets=engine)
    assert asked == ["t"] and got.password is not None and got.password.get_secret_value() == "decrypted"

    def broken(_dir: Path, _stack: str) -> dict[str, Any]:
        raise RuntimeError("incorrect passphrase")

    with pytest.raises(SettingsError) as info:
        stack_settings(root, "t", {}, secrets=broken)
    text = str(info.value)
    assert "cortex:password could not be decrypted: incorrect passphrase" in text
    assert text.endswith("set PULUMI_CONFIG_PASSPHRASE to the stack's passphrase)")


def test_missing_credential_message_is_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    for var in ("SNOWFLAKE_PASSWORD", "SNOWFLAKE_PRIVATE_KEY_PATH", "SNOWFLAKE_DEFAULT_CONNECTION_NAME",
                "SNOWFLAKE_PRIVATE_KEY", "SNOWFLAKE_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(var, raising=False)
    assert main(["comment", "--stack", "t", "--cwd", str(root)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("review: cannot reach Snowflake: stack 't': no credential for user 'ADMIN'.")
    assert err.endswith("SNOWFLAKE_PASSWORD / SNOWFLAKE_PRIVATE_KEY_PATH in the environment)")  # not cut
