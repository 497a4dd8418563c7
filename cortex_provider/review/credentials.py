"""Before a review runs the preview: find the stack's connection the way the provider will.

The provider resolves its connection per field from (a) the stack config `cortex:*` (secrets
decrypted by the engine with the stack's passphrase), (b) connections.toml, (c) SNOWFLAKE_* variables
(cortex_provider/settings.py). The review command resolves the same three sources up front, so a
missing credential is reported once, whole, with its fix, instead of as an unmeasurable plan per model.
Secrets are decrypted through the Pulumi engine (PULUMI_CONFIG_PASSPHRASE or _FILE, as for `pulumi
preview`); without the engine, the stack file's plain values are used and the message says so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from cortex_provider.connection_settings import ConnectionSettings
from cortex_provider.errors import SettingsError
from cortex_provider.settings import resolve_settings

SecretReader = Callable[[Path, str], dict[str, Any]]


def stack_file(project_dir: Path, stack: str) -> Path:
    """stacks/Pulumi.<stack>.yaml (Pulumi.yaml's stackConfigDir), else Pulumi.<stack>.yaml."""
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    folder = project_dir / str(project.get("stackConfigDir") or ".")
    return folder / f"Pulumi.{stack}.yaml"


def plain_config(project_dir: Path, stack: str) -> tuple[dict[str, Any], list[str]]:
    """(`cortex:*` plain values, names of `cortex:*` secrets) from the stack file."""
    path = stack_file(project_dir, stack)
    data = (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
    config = data.get("config") or {}
    plain = {k: v for k, v in config.items() if str(k).startswith("cortex:") and not _secure(v)}
    secret = sorted(k for k, v in config.items() if str(k).startswith("cortex:") and _secure(v))
    return plain, secret


def _secure(value: Any) -> bool:
    return isinstance(value, Mapping) and "secure" in value


def engine_secrets(project_dir: Path, stack: str) -> dict[str, Any]:
    """The stack's config with secrets decrypted, through the Pulumi engine (its CLI)."""
    from cortex_provider.engine.verbs import open_stack

    values = open_stack(project_dir, stack).get_all_config()
    return {k: v.value for k, v in values.items() if k.startswith("cortex:")}


def stack_settings(project_dir: Path | str, stack: str, env: Mapping[str, str] | None = None,
                   secrets: SecretReader = engine_secrets) -> ConnectionSettings:
    """The provider's connection for `stack`, or SettingsError with the whole fix."""
    project_dir = Path(project_dir)
    config, secret_keys = plain_config(project_dir, stack)
    undecrypted = ""
    if secret_keys:
        try:
            config.update(secrets(project_dir, stack))
        except Exception as exc:  # no engine here, or a wrong passphrase: say which secrets were skipped
            undecrypted = (f" (the stack's secrets {', '.join(secret_keys)} could not be decrypted: "
                           f"{str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}; "
                           "set PULUMI_CONFIG_PASSPHRASE to the stack's passphrase)")
    try:
        return resolve_settings(config, env)
    except SettingsError as exc:
        raise SettingsError(f"stack {stack!r}: {exc}{undecrypted}") from None
