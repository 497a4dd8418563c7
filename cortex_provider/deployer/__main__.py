"""`python -m cortex_provider.deployer --stack local [--all-kinds] [--print-only]` (see __init__.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from cortex_provider.deployer import ADMIN_ROLES, needs
from cortex_provider.deployer.handover import handovers
from cortex_provider.errors import CortexProviderError
from cortex_provider.program.spec import StackConfigError, parse_stack_spec
from cortex_provider.project import project_name
from cortex_provider.session import Session
from cortex_provider.settings import resolve_settings
from cortex_provider.sql.identifiers import Identifier, SchemaName


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cortex_provider.deployer", description=__doc__)
    parser.add_argument("--stack", default="local")
    parser.add_argument("--stacks-dir", type=Path, default=Path("stacks"))
    parser.add_argument("--admin-role", default="ACCOUNTADMIN", help="the role that grants (default ACCOUNTADMIN)")
    parser.add_argument("--account", help="another account than the stack file's cortex:account")
    parser.add_argument("--all-kinds", action="store_true", help="what every resource kind needs on the schema")
    parser.add_argument("--print-only", action="store_true", help="print the grants, send nothing")
    args = parser.parse_args(argv)
    path = args.stacks_dir / f"Pulumi.{args.stack}.yaml"
    try:
        config: dict[str, Any] = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
        spec = parse_stack_spec(config.get("cortex:spec"), str(path))
        role_text, user_text = config.get("cortex:role"), config.get("cortex:user")
        if not role_text or str(role_text).upper() in ADMIN_ROLES:
            print(f"{path}: cortex:role is {role_text or 'unset'}; set it to the deployer role (e.g. CORTEX_DEPLOYER) "
                  "so the stack does not deploy as ACCOUNTADMIN", file=sys.stderr)
            return 2
        role, user = Identifier.parse(str(role_text), "cortex:role"), Identifier.parse(str(user_text), "cortex:user")
        grants = needs(spec, role, user, all_kinds=args.all_kinds)
    except (OSError, StackConfigError, CortexProviderError) as exc:
        print(f"deployer: {exc}", file=sys.stderr)
        return 2
    print(f"deployer: role {role.sql()} for stack {args.stack!r} ({len(grants)} grants, as {args.admin_role}):")
    session = None
    if not args.print_only:
        account = {"cortex:account": args.account} if args.account else {}
        settings = resolve_settings({**config, "cortex:role": args.admin_role, **account})
        session = Session(settings)
    for need in grants:
        print(f"  {need.statement.sql()};  -- {need.why}")
        if session is not None:
            try:
                session.execute(need.statement)
            except CortexProviderError as exc:
                print(f"deployer: {need.statement.sql()} failed: {exc}", file=sys.stderr)
                return 1
    if session is not None:
        return _hand_over(session, spec, args.stacks_dir, args.stack, role)
    return 0


def _hand_over(session: Session, spec: Any, stacks_dir: Path, stack: str, role: Identifier) -> int:
    """Give the deployer this stack's objects an admin role made before (deployer/handover.py); the
    records name the project of the Pulumi.yaml beside stacks/."""
    schema = SchemaName(Identifier.parse(spec.database, "database"), Identifier.parse(spec.schema_, "schema"))
    try:
        project = project_name(stacks_dir.resolve().parent)
        moves = handovers(session, schema, project, stack, role)
        for move in moves:
            print(f"  {move.statement.sql()};  -- recorded as stack {stack!r}'s, owned by {move.owner}")
            session.execute(move.statement)
    except (OSError, CortexProviderError) as exc:
        print(f"deployer: handing this stack's objects to {role.sql()} failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
