"""A Pulumi project directory and one stack's configuration, read the way the CLI reads them.

``Pulumi.yaml`` gives the project name, ``main`` (the program; default ``__main__.py``) and
``stackConfigDir``; ``<stackConfigDir>/Pulumi.<stack>.yaml`` gives ``config`` and, for secrets,
``encryptionsalt``. Config values reach the program as strings (objects as JSON), keyed
``<project>:<key>``, exactly as ``pulumi.Config`` expects.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from cortex_provider.offline.crypto import Crypter, SecretsError, from_salt_state, passphrase_from_env


class ProjectError(Exception):
    """The project or stack files are missing or malformed."""


@dataclass
class Project:
    directory: Path
    name: str
    program: Path
    stack: str
    stack_file: Path
    config: dict[str, str] = field(default_factory=dict)
    secret_keys: set[str] = field(default_factory=set)
    crypter: Crypter | None = None

    def config_args(self) -> dict[str, Any]:
        """Config as the engine sends it in Configure ``args``: objects parsed, secrets wrapped."""
        from cortex_provider.offline.wire import secret

        args: dict[str, Any] = {}
        for key, raw in self.config.items():
            value: Any = raw
            if raw[:1] in "{[":
                try:
                    value = json.loads(raw)
                except ValueError:
                    value = raw
            args[key] = secret(value) if key in self.secret_keys else value
        return args


def _yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ProjectError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ProjectError(f"{path}: expected a mapping at the top level")
    return data


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


def load_project(directory: str | Path, stack: str, *, passphrase: str | None = None) -> Project:
    root = Path(directory).resolve()
    manifest = root / "Pulumi.yaml"
    if not manifest.is_file():
        raise ProjectError(f"no Pulumi.yaml in {root} (pass --cwd to the project directory)")
    meta = _yaml(manifest)
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{manifest}: missing project 'name'")
    program = root / str(meta.get("main") or "")
    if program.is_dir():
        program = program / "__main__.py"
    if not program.is_file():
        raise ProjectError(f"program {program} not found")
    stack_file = root / str(meta.get("stackConfigDir") or ".") / f"Pulumi.{stack}.yaml"
    project = Project(root, name, program, stack, stack_file)
    if not stack_file.is_file():
        return project  # Pulumi allows a stack without config.
    data = _yaml(stack_file)
    if passphrase is None:
        passphrase = passphrase_from_env()
    salt = data.get("encryptionsalt")
    for key, value in (data.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            if project.crypter is None:
                if not isinstance(salt, str):
                    raise ProjectError(f"{stack_file}: secure value for {key} but no encryptionsalt")
                try:
                    project.crypter = from_salt_state(salt, passphrase)
                except SecretsError as exc:
                    raise ProjectError(f"{stack_file}: {exc}") from exc
            project.config[full] = project.crypter.decrypt(str(value["secure"]))
            project.secret_keys.add(full)
        else:
            project.config[full] = _as_text(value)
    if project.crypter is None and isinstance(salt, str) and passphrase is not None:
        project.crypter = from_salt_state(salt, passphrase)
    return project
