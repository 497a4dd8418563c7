"""CLI: ``python -m cortex_provider.review comment --stack NAME [--cwd DIR] [--from-json FILE]``.

Prints the preview as a Markdown comment for a pull request. Without ``--from-json`` it runs
``pulumi preview --json`` on the real engine (cortex_provider.engine: Check and Diff only; nothing is
created, no state is written); with it, it reads a file of that output (e.g. from a CI job that ran
``pulumi preview --json`` itself).
``--policy-config FILE`` takes the same JSON as ``pulumi preview --policy-pack-config``
({"<policy name>": {"<key>": value, "enforcementLevel": ...}}). Exit status: 0, or 1 when the
preview failed (or, with ``--fail-on-violations``, when a policy is violated), or 2 when the stack's
connection cannot be resolved (review/credentials.py: stack config secrets, connections.toml, env).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cortex_provider.engine import EngineSetupError
from cortex_provider.errors import SettingsError
from cortex_provider.review.changes import Preview, engine_preview, load_preview_json
from cortex_provider.review.comment import render, violations_for
from cortex_provider.review.credentials import stack_settings


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m cortex_provider.review",
                                description="Review tooling for cortex model changes.")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("comment", help="render the preview as a Markdown pull-request comment")
    c.add_argument("-s", "--stack", required=True, help="stack name (stacks/Pulumi.<stack>.yaml)")
    c.add_argument("-C", "--cwd", default=".", help="project directory (holds Pulumi.yaml); default: .")
    c.add_argument("--from-json", default=None, metavar="FILE",
                   help="read `pulumi preview --json` output instead of running the preview")
    c.add_argument("--policy-config", default=None, metavar="FILE", help="policy config JSON (see policy/README.md)")
    c.add_argument("--fail-on-violations", action="store_true", help="exit 1 when a policy is violated")
    c.add_argument("-v", "--verbose", action="store_true", help="echo the engine's messages to stderr")
    return p


def load_policy_config(path: str | None) -> dict[str, dict[str, Any]]:
    """Pulumi's policy config file: per policy either an enforcement level or an object of settings."""
    if path is None:
        return {}
    raw = json.loads(Path(path).read_text())
    if not isinstance(raw, dict):
        raise SystemExit(f"{path}: expected a JSON object of policy name -> settings")
    return {str(k): {kk: vv for kk, vv in v.items() if kk != "enforcementLevel"}
            for k, v in raw.items() if isinstance(v, dict)}


def _preview(args: argparse.Namespace) -> Preview:
    if args.from_json:
        return load_preview_json(args.from_json, args.stack)

    def echo(line: str) -> None:
        if args.verbose:
            print(line, file=sys.stderr)

    return engine_preview(args.cwd, args.stack, echo)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = load_policy_config(args.policy_config)
    if not args.from_json:  # the preview measures training data: it needs the stack's connection
        try:
            stack_settings(args.cwd, args.stack)
        except SettingsError as exc:
            print(f"review: cannot reach Snowflake: {exc}", file=sys.stderr)
            return 2
    try:
        preview = _preview(args)
    except EngineSetupError as exc:
        print(f"review: cannot run the preview: {exc}", file=sys.stderr)
        return 2
    source = (f"from `pulumi preview --json` ({args.from_json})" if args.from_json
              else f"from `pulumi preview --json` on stack {args.stack}")
    sys.stdout.write(render(preview, config, source=source))
    if preview.errors:
        return 1
    return 1 if args.fail_on_violations and violations_for(preview, config) else 0


if __name__ == "__main__":
    sys.exit(main())
