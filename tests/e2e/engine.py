"""The e2e suites' harness: a copy of the project whose stacks run on the real Pulumi engine.

`EngineProject(dest, emulator_port)` copies Pulumi.yaml, __main__.py and stacks/ to `dest`, gives the
copy its own file backend (`dest/.pulumi-local`) and points every stack at the emulator through the
SNOWFLAKE_* variables that the CLI and its dynamic-provider processes inherit. `run(verb, stack)` is
`cortex_provider.engine.run_verb` (Automation API over the `pulumi` binary); `pulumi(*args)` runs any
other CLI command (stack export/import, config set --secret, cancel, import) in the same environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pulumi import automation as auto

from cortex_provider.engine import VerbResult, open_stack, run_verb
from cortex_provider.engine.cli import run_pulumi

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "e2e-passphrase"


class EngineProject:
    """A project copy with its own state, run through the real engine against one emulator."""

    def __init__(self, dest: Path, port: int, *, host: str = "127.0.0.1", password: str = "admin",
                 fast_polls: bool = True, extra_env: dict[str, str] | None = None) -> None:
        self.dir = dest
        dest.mkdir(parents=True, exist_ok=True)
        for name in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(ROOT / name, dest / name)
        shutil.copytree(ROOT / "stacks", dest / "stacks", dirs_exist_ok=True)
        for path in (dest / "stacks").glob("Pulumi.*.yaml"):  # the copy gets its own passphrase's salt
            data = yaml.safe_load(path.read_text())
            if data.pop("encryptionsalt", None) is not None:
                path.write_text(yaml.safe_dump(data, sort_keys=False))
        self.state_dir = dest / ".pulumi-local"
        self.state_dir.mkdir(exist_ok=True)
        self.env = {
            "SNOWFLAKE_HOST": host, "SNOWFLAKE_PORT": str(port), "SNOWFLAKE_PROTOCOL": "http",
            "SNOWFLAKE_PASSWORD": password,
            "PULUMI_BACKEND_URL": f"file://{self.state_dir}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        }
        if fast_polls:  # waits follow the stub engine's pace
            self.env |= {"CORTEX_PROVIDER_POLL_INITIAL_S": "0.2", "CORTEX_PROVIDER_POLL_MAX_S": "0.5"}
        self.env |= extra_env or {}
        self._stacks: dict[str, auto.Stack] = {}

    # -- stack files -----------------------------------------------------------------------------
    def stack_file(self, stack: str = "local") -> Path:
        return self.dir / "stacks" / f"Pulumi.{stack}.yaml"

    def load(self, stack: str = "local") -> dict[str, Any]:
        data: dict[str, Any] = yaml.safe_load(self.stack_file(stack).read_text())
        return data

    def save(self, data: dict[str, Any], stack: str = "local") -> None:
        self.stack_file(stack).write_text(yaml.safe_dump(data, sort_keys=False))

    def spec(self, stack: str = "local") -> dict[str, Any]:
        spec: dict[str, Any] = self.load(stack)["config"]["cortex:spec"]
        return spec

    def set_spec(self, spec: dict[str, Any], stack: str = "local") -> None:
        data = self.load(stack)
        data["config"]["cortex:spec"] = spec
        self.save(data, stack)

    # -- the engine --------------------------------------------------------------------------------
    def stack(self, name: str = "local") -> auto.Stack:
        if name not in self._stacks:
            self._stacks[name] = open_stack(self.dir, name, env=self.env)
        return self._stacks[name]

    def run(self, verb: str, stack: str = "local", *, quiet: bool = True, **kwargs: Any) -> VerbResult:
        printer = (lambda _line: None) if quiet else print
        return run_verb(self.stack(stack), verb, printer=printer, **kwargs)

    def pulumi(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Any `pulumi` command in the project, with this harness's environment."""
        return run_pulumi(self.dir, args, self.env, capture_output=True, check=check, timeout=timeout)

    def export(self, stack: str = "local") -> dict[str, Any]:
        """`pulumi stack export` (secrets stay encrypted)."""
        out: dict[str, Any] = json.loads(self.pulumi("stack", "export", "--stack", stack).stdout)
        return out

    def resource_names(self, stack: str = "local") -> set[str]:
        resources = self.export(stack)["deployment"].get("resources") or []
        return {r["urn"].split("::")[-1] for r in resources if r["type"].startswith("pulumi-python:dynamic")}

    def state_files(self) -> list[Path]:
        return [p for p in self.state_dir.rglob("*") if p.is_file()]
