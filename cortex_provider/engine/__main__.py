"""``python -m cortex_provider.engine VERB --stack NAME [options]`` — the project's verbs on the real engine.

VERB is up, preview, refresh or destroy (run through the Automation API with the inline program), or
``pulumi ARGS...``: any other `pulumi` command (stack export/import, config set --secret, cancel,
state, ...) with the same environment (file backend, passphrase, offline plugins). Like the Pulumi CLI,
up/refresh/destroy need --yes when not interactive. Exit status: 0 ok, 1 the engine reported an error,
2 the engine could not be started.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cortex_provider.engine.cli import EngineSetupError, run_pulumi
from cortex_provider.engine.verbs import VERBS, open_stack, run_verb


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cortex_provider.engine", description=__doc__.split("\n")[0])
    p.add_argument("verb", choices=VERBS)
    p.add_argument("-s", "--stack", required=True, help="stack name (config: stacks/Pulumi.<stack>.yaml)")
    p.add_argument("-C", "--cwd", default=".", help="project directory (holds Pulumi.yaml); default: .")
    p.add_argument("--diff", action="store_true", help="show old => new values of changed properties")
    p.add_argument("--policy-pack", action="append", default=[],
                   help="run this policy pack (repeatable); this project's: policy/analyzer")
    p.add_argument("--policy-pack-config", action="append", default=[], help="config file per --policy-pack")
    p.add_argument("--expect-no-changes", action="store_true", help="fail if the run would change anything")
    p.add_argument("-t", "--target", action="append", default=[], help="only this resource URN (repeatable)")
    p.add_argument("-y", "--yes", action="store_true", help="proceed without asking")
    return p


def _confirm(verb: str) -> bool:
    if not sys.stdin.isatty():
        print("error: --yes must be passed in to proceed when running in non-interactive mode", file=sys.stderr)
        return False
    return input(f"Do you want to perform this {verb}? [yes/no] ").strip().lower() in ("y", "yes")


def _passthrough(args: Sequence[str]) -> int:
    return run_pulumi(Path.cwd(), args, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["pulumi"]:
            return _passthrough(argv[1:])
        args = _parser().parse_args(argv)
        stack = open_stack(Path(args.cwd), args.stack)
    except EngineSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = {"diff": args.diff, "policy_packs": args.policy_pack, "policy_pack_configs": args.policy_pack_config,
               "expect_no_changes": args.expect_no_changes, "targets": args.target}
    if args.verb != "preview" and not args.yes:
        if args.verb == "up" and sys.stdin.isatty() and not run_verb(stack, "preview", **options).ok:
            return 1
        if not _confirm(args.verb):
            return 1
    return 0 if run_verb(stack, args.verb, **options).ok else 1


if __name__ == "__main__":
    sys.exit(main())
