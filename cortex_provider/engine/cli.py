"""Finding the `pulumi` binary and the environment every engine call runs with.

The environment keeps the engine offline and local: no update check, no plugin downloads (dynamic
providers need none), a file:// backend beside the project unless PULUMI_BACKEND_URL says otherwise,
and the passphrase secrets provider. The dynamic-provider plugin script that ships with the CLI starts
`$PULUMI_PYTHON_CMD -m pulumi.dynamic`, so it is pointed at this interpreter (the one that has
cortex_provider installed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

PULUMI_VERSION = "3.274.1"  # tested with the pulumi==3.272.0 Python SDK (pyproject.toml)
DEFAULT_PASSPHRASE = "cortex-local-dev"  # guards the local demo's secrets only; set your own


class EngineSetupError(RuntimeError):
    """The engine cannot start; the message says what to install or set."""


def find_pulumi(env: Mapping[str, str] | None = None) -> Path:
    """$CORTEX_PULUMI, then the CLI linked next to this interpreter (scripts/bootstrap.sh), then PATH."""
    env = os.environ if env is None else env
    candidates = [env.get("CORTEX_PULUMI"), str(Path(sys.executable).parent / "pulumi"), shutil.which("pulumi")]
    for cand in candidates:
        if cand and Path(cand).is_file() and os.access(cand, os.X_OK):
            return Path(cand)
    raise EngineSetupError(
        "no Pulumi CLI found (looked at $CORTEX_PULUMI, next to this Python, and on PATH). Fix: run "
        "scripts/bootstrap.sh, which builds it from the Go module proxy when Go is installed, or install "
        f"the Pulumi CLI v{PULUMI_VERSION} (https://www.pulumi.com/docs/install/) and put it on PATH"
    )


def pulumi_version(binary: Path) -> str:
    """`pulumi version` as printed (e.g. 'v3.274.1')."""
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true"})
    version = out.stdout.strip()
    if out.returncode != 0 or not version.startswith("v3."):
        raise EngineSetupError(
            f"{binary} does not report a Pulumi v3 version ({version or out.stderr.strip()!r}). "
            "Fix: rerun scripts/pulumi-cli.sh (a CLI built without the version stamp prints nothing)"
        )
    return version


def engine_env(project_dir: Path, binary: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables every engine command of this project runs with (the caller's win where set)."""
    base = os.environ if base is None else base
    bindirs = [str(binary.parent), str(Path(sys.executable).parent)]
    env = {
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        "PULUMI_PYTHON_CMD": sys.executable,
        "PATH": os.pathsep.join([*bindirs, base.get("PATH", "")]),
    }
    if not base.get("PULUMI_BACKEND_URL"):
        state = project_dir / ".pulumi-local"
        state.mkdir(parents=True, exist_ok=True)
        env["PULUMI_BACKEND_URL"] = f"file://{state}"
    if not base.get("PULUMI_CONFIG_PASSPHRASE") and not base.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        env["PULUMI_CONFIG_PASSPHRASE"] = DEFAULT_PASSPHRASE
    return env


def engine_vars(project_dir: Path, binary: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """What every engine call of `project_dir` adds to the process environment: the engine's defaults
    decided over the process environment and `env` together, then `env` itself (the caller wins)."""
    env = dict(env or {})
    return {**engine_env(project_dir, binary, {**os.environ, **env}), **env}


def passphrase_fix(project_dir: Path, stack: str, said: str) -> str | None:
    """One line naming the fix when the CLI refused the passphrase (None for any other failure): the
    demo stack files carry the salt of DEFAULT_PASSPHRASE, so any other passphrase is refused."""
    if "incorrect passphrase" not in said:
        return None
    config = project_dir / "stacks" / f"Pulumi.{stack}.yaml"
    where = config if config.exists() else project_dir / f"Pulumi.{stack}.yaml"
    return (f"error: stack {stack}: incorrect passphrase: {where} (its encryptionsalt) and the stack's state "
            "were encrypted with another passphrase than PULUMI_CONFIG_PASSPHRASE. Fix: unset "
            f"PULUMI_CONFIG_PASSPHRASE to use the demo stacks' ({DEFAULT_PASSPHRASE}); for your own, on a stack "
            "with no state yet delete that file's `encryptionsalt:` line, on one with state run `pulumi stack "
            "change-secrets-provider passphrase` (docs/operations.md#the-passphrase)")


def run_pulumi(project_dir: Path, args: Sequence[str], env: Mapping[str, str] | None = None,
               **run: Any) -> subprocess.CompletedProcess[str]:
    """Any `pulumi` command (stack export/import, config set --secret, cancel, import) in `project_dir`
    with the same environment as the verbs."""
    binary = find_pulumi()
    full = {**os.environ, **engine_vars(project_dir, binary, env)}
    return subprocess.run([str(binary), *args], cwd=project_dir, env=full, text=True, **run)

