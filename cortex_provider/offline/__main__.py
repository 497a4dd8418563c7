"""CLI: ``python -m cortex_provider.offline up|preview|refresh|destroy --stack NAME [options]``.

Like the Pulumi CLI, ``up``/``refresh``/``destroy`` ask for confirmation on a terminal and need
``--yes`` when not interactive. Exit status 0 on success, 1 on any error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cortex_provider.offline.api import RunResult, run_destroy, run_preview, run_refresh, run_up

_RUNNERS = {"up": run_up, "preview": run_preview, "refresh": run_refresh, "destroy": run_destroy}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m cortex_provider.offline",
        description="Run the Pulumi program without the Pulumi engine (verification tool, not Pulumi).",
    )
    p.add_argument("command", choices=sorted(_RUNNERS))
    p.add_argument("-s", "--stack", required=True,
                   help="stack name (config: <stackConfigDir>/Pulumi.<stack>.yaml)")
    p.add_argument("-C", "--cwd", default=".", help="project directory (holds Pulumi.yaml); default: .")
    p.add_argument("--state", default=None, help="state file; default: <cwd>/.pulumi-local/<stack>.json")
    p.add_argument("--diff", action="store_true", help="show old => new values of changed properties")
    p.add_argument("-y", "--yes", action="store_true", help="proceed without asking")
    return p


def _confirm(command: str) -> bool:
    if not sys.stdin.isatty():
        print("error: --yes must be passed in to proceed when running in non-interactive mode",
              file=sys.stderr)
        return False
    answer = input(f"Do you want to perform this {command}? [yes/no] ").strip().lower()
    return answer in ("y", "yes")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    kwargs = {"state_path": args.state, "show_diff": args.diff}
    if args.command != "preview" and not args.yes:
        if args.command == "up":
            first = run_preview(args.cwd, args.stack, **kwargs)
            if not first.ok:
                return 1
        if not _confirm(args.command):
            return 1
    result: RunResult = _RUNNERS[args.command](args.cwd, args.stack, **kwargs)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
