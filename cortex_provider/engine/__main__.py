"""``python -m cortex_provider.engine VERB --stack NAME [options]`` — the project's verbs on the real engine.

VERB is up, preview, refresh or destroy (run through the Automation API with the inline program: the
project directory's own __main__.py, so `-C examples/python-program` runs that example), or
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

from pulumi import automation as auto

from cortex_provider.engine.cli import EngineSetupError, passphrase_fix, run_pulumi
from cortex_provider.engine.interrupt import first_interrupt_stops_providers
from cortex_provider.engine.verbs import VERBS, open_stack, project_program, run_verb

EPILOG = """any other pulumi command, with the same backend, passphrase and offline plugins:
  python -m cortex_provider.engine pulumi [-C PROJECT_DIR] ARGS...
  e.g. pulumi stack export --stack local | pulumi config set --secret cortex:password ... --stack local
       | pulumi cancel --yes --stack local

environment: PULUMI_BACKEND_URL (default file://<project>/.pulumi-local), PULUMI_CONFIG_PASSPHRASE
(default cortex-local-dev, the demo stacks' passphrase: docs/operations.md#the-passphrase)
exit status: 0 ok, 1 the engine reported an error, 2 the engine could not be started"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cortex_provider.engine",
                                usage="%(prog)s {up,preview,refresh,destroy} --stack NAME [options]\n"
                                      "       %(prog)s pulumi ARGS...",
                                description="The project's verbs on the real Pulumi engine (the Automation API "
                                "over the `pulumi` CLI).", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("verb", choices=VERBS, help="up, preview, refresh or destroy (or `pulumi ARGS...`, below)")
    p.add_argument("-s", "--stack", required=True,
                   help="stack name (its config: Pulumi.<stack>.yaml in the project's stackConfigDir)")
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
    """`pulumi ARGS` in the project `-C/--cwd DIR` names (else here), with that project's backend."""
    rest, project = list(args), Path.cwd()
    for i, arg in enumerate(rest):
        if arg in ("-C", "--cwd") and i + 1 < len(rest):
            project = Path(rest[i + 1])
            del rest[i:i + 2]
            break
        if arg.startswith("--cwd="):
            project = Path(arg.split("=", 1)[1])
            del rest[i]
            break
    return run_pulumi(project.resolve(), rest, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["pulumi"]:
            return _passthrough(argv[1:])
        args = _parser().parse_args(argv)
        stack = open_stack(Path(args.cwd), args.stack, program=project_program(Path(args.cwd)))
    except EngineSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except auto.CommandError as exc:  # e.g. a wrong passphrase: the CLI's own words, not a traceback
        said = str(exc).split(" stderr:", 1)[-1].strip() or str(exc).strip()
        print(passphrase_fix(Path(args.cwd), args.stack, said)
              or f"error: could not open stack {args.stack}: {said}", file=sys.stderr)
        return 2
    options = {"diff": args.diff, "policy_packs": args.policy_pack, "policy_pack_configs": args.policy_pack_config,
               "expect_no_changes": args.expect_no_changes, "targets": args.target}
    if args.verb != "preview" and not args.yes:
        if args.verb == "up" and sys.stdin.isatty() and not run_verb(stack, "preview", **options).ok:
            return 1
        if not _confirm(args.verb):
            return 1
    first_interrupt_stops_providers()
    try:
        result = run_verb(stack, args.verb, **options)
        fix = None if result.ok else passphrase_fix(Path(args.cwd), args.stack, result.stdout + result.stderr)
        if fix:
            print(fix, file=sys.stderr)
        return 0 if result.ok else 1
    except KeyboardInterrupt:
        print("stopped at once: if the stack stays locked, run "
              f"`python -m cortex_provider.engine pulumi cancel --yes --stack {args.stack}`", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
