"""Small Pulumi programs of a test's own on the real engine: a project `cortex` whose program is the
`__main__.py` a test writes (run as an Automation API inline program, with `__file__` set), one stack
whose `cortex:*` config points at one emulator account, its own file backend and passphrase.
(The project's own program and stacks: tests/e2e/engine.py.)"""

from __future__ import annotations

import json
import runpy
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pulumi import automation as auto

from cortex_provider.engine import VerbResult, open_stack, run_verb
from cortex_provider.engine.cli import run_pulumi
from tests.resources.finetune_support import TRAIN_QUERY, seed

PASSPHRASE = "programs-passphrase"


class ProgramProject:
    """Stack `stack` of a project in `dest` whose program is `dest/__main__.py`."""

    def __init__(self, dest: Path, emulator: Any, account: str, stack: str = "t", program: str | None = None,
                 *, password: str = "admin", fast_polls: bool = True) -> None:
        self.dir, self.emulator, self.account, self.stack_name = dest, emulator, account, stack
        (dest / "stacks").mkdir(parents=True, exist_ok=True)
        (dest / "Pulumi.yaml").write_text("name: cortex\nruntime: python\nstackConfigDir: stacks\n")
        stack_file = dest / "stacks" / f"Pulumi.{stack}.yaml"
        stack_file.write_text(yaml.safe_dump({"config": emulator.stack_config(account, password)}, sort_keys=False))
        if program is not None:
            self.program(program)
        self.state_dir = dest / ".pulumi-local"
        self.state_dir.mkdir(exist_ok=True)
        self.env = {"PULUMI_BACKEND_URL": f"file://{self.state_dir}", "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE}
        if fast_polls:  # waits follow the stub engine's pace
            self.env |= {"CORTEX_PROVIDER_POLL_INITIAL_S": "0.05", "CORTEX_PROVIDER_POLL_MAX_S": "0.2"}
        self.lines: list[str] = []
        self._stack: auto.Stack | None = None

    def program(self, text: str) -> None:
        (self.dir / "__main__.py").write_text(text)

    def _run_program(self) -> None:
        runpy.run_path(str(self.dir / "__main__.py"), run_name="__main__")

    def stack(self) -> auto.Stack:
        if self._stack is None:
            self._stack = open_stack(self.dir, self.stack_name, env=self.env, program=self._run_program)
        return self._stack

    def run(self, verb: str, **kwargs: Any) -> VerbResult:
        """One verb on the real engine; what it printed is in `lines` (cleared first)."""
        self.lines.clear()
        return run_verb(self.stack(), verb, printer=self.lines.append, **kwargs)

    def pulumi(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Any `pulumi` command in the project, with this harness's environment."""
        return run_pulumi(self.dir, args, self.env, capture_output=True, check=check, timeout=timeout)

    def statements(self, needle: str = "") -> list[str]:
        return [str(e["statement"]) for e in self.emulator.query_log(self.account)
                if needle.upper() in str(e["statement"]).upper()]


class ModelProject(ProgramProject):
    """A program that declares a FineTunedModel from model.json (written by `model()`), on a new emulator
    account seeded with training data (DB.S.TRAIN, 3 rows)."""

    def __init__(self, root: Path, emulator: Any, program: str) -> None:
        account = emulator.new_account()
        self.conn = emulator.connect(account=account)
        seed(self.conn)
        super().__init__(root / "proj", emulator, account, "t", program)

    def model(self, **over: Any) -> None:
        spec = {"model_name": "TUNED", "database": "DB", "schema_name": "S", "base_model": "mistral-7b",
                "training_query": TRAIN_QUERY, "options": {"max_epochs": 1}}
        spec.update(over)
        (self.dir / "model.json").write_text(json.dumps(spec))

    def models(self) -> list[str]:
        cur = self.conn.cursor()
        cur.execute("SHOW MODELS IN SCHEMA DB.S")
        return sorted(r[1] for r in cur.fetchall())


class SnippetProject(ProgramProject):
    """A program given as a snippet (`import pulumi` prepended, dedented)."""

    MUTATING = ("CREATE", "ALTER", "DROP", "GRANT", "REVOKE")

    def set_program(self, body: str) -> None:
        self.program("import pulumi\n" + textwrap.dedent(body))

    def mutations(self, since: int) -> list[str]:
        """Statements that change something, among the account's statements after index `since`."""
        return [s for s in self.statements()[since:] if s.lstrip().upper().startswith(self.MUTATING)]
