"""`python -m cortex_provider.export --connection NAME --database DB --schema S [--stack local] [--out FILE]`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cortex_provider.export import export_spec, render
from cortex_provider.session import Session
from cortex_provider.settings import resolve_settings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m cortex_provider.export", description=__doc__)
    p.add_argument("--connection", required=True, help="a connections.toml connection name")
    p.add_argument("--database", default=os.environ.get("SNOWFLAKE_DATABASE"))
    p.add_argument("--schema", default=os.environ.get("SNOWFLAKE_SCHEMA"))
    p.add_argument("--stack", default="exported", help="stack name for the default --out path")
    p.add_argument("--out", help="file to write (default stacks/Pulumi.<stack>.yaml; '-' for stdout)")
    args = p.parse_args(argv)
    if not args.database or not args.schema:
        p.error("--database and --schema are required (or SNOWFLAKE_DATABASE / SNOWFLAKE_SCHEMA)")
    settings = resolve_settings({"cortex:connectionName": args.connection})
    session = Session(settings)
    try:
        spec, notes = export_spec(session, args.database, args.schema)
    finally:
        session.close()
    text = render(spec, notes, f"connection {args.connection}, schema {args.database}.{args.schema}")
    if args.out == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.out or f"stacks/Pulumi.{args.stack}.yaml")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}: {len(spec['models'])} models" + (f", {len(notes)} notes" if notes else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
