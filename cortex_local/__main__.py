"""cortex_local: an embedded Snowflake + Cortex emulator, reached only through snowflake-connector-python.

    python -m cortex_local serve --host 127.0.0.1 --port 8765 --data .cortex-local [--engine stub|lora]
                                 [--job-retention SECONDS]
    snowflake.connector.connect(account="acme", user="admin", password="admin",
                                host="127.0.0.1", port=8765, protocol="http")

What is emulated (on fakesnow 0.12.1 = DuckDB + sqlglot, with our statement handling in front):
- Several accounts in one server, chosen by the `account` connect parameter. An unknown account is
  provisioned on its first login; that user becomes its ACCOUNTADMIN with that password. Later
  logins check passwords (390100). Organisation name: LOCALORG (for `LOCALORG.<account>`).
- Built-in roles ACCOUNTADMIN, SYSADMIN (granted to ACCOUNTADMIN), PUBLIC; CREATE/DROP ROLE,
  CREATE/DROP USER, SHOW ROLES/USERS (never passwords), USE ROLE/DATABASE/SCHEMA/WAREHOUSE,
  CURRENT_ACCOUNT/ROLE/USER/DATABASE/SCHEMA/WAREHOUSE/ORGANIZATION_NAME().
- GRANT/REVOKE of privileges on ACCOUNT, DATABASE, SCHEMA, TABLE, VIEW, MODEL; roles to users and
  roles (hierarchy); DATABASE ROLE SNOWFLAKE.CORTEX_USER (NOT held by PUBLIC here, unlike Snowflake);
  SHOW GRANTS TO ROLE/USER, ON <object>, OF ROLE, OF DATABASE ROLE.
- Cortex access as of 2026 (cortex_local/ai_access.py): USE AI FUNCTIONS (PUBLIC's by default) / USE AI
  FUNCTION <name>, DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER (no FINETUNE), model RBAC application roles
  SNOWFLAKE."CORTEX-MODEL-ROLE-<MODEL>"/"-ALL" (ALL on SNOWFLAKE.PUBLIC by default), CALL
  SNOWFLAKE.LOCAL.REVOKE_FROM_/GRANT_TO_PUBLIC_APPLICATION_ROLE, SHOW MODELS IN SNOWFLAKE.MODELS, SHOW
  APPLICATION ROLES IN APPLICATION SNOWFLAKE, SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC.
- Privileges enforced on what we handle: creating/using/dropping databases, schemas, tables, views,
  models, roles, users, grants. Owners (the creating role) hold every privilege; ACCOUNTADMIN holds all.
- Databases, schemas, tables, views, DML, queries, bindings: fakesnow, one DuckDB file per database
  (DATA/accounts/<ACCOUNT>/db/<DB>.db), re-attached on restart. CREATE VIEW records its text for
  GET_DDL('VIEW', ...). MODEL objects: SHOW MODELS, DESCRIBE MODEL, DROP MODEL (records are created
  by Cortex FINETUNE or replication through the catalog API).
- A query log (DATA/query_log.jsonl); the catalog (DATA/catalog.json).

Not emulated: warehouses (any name is accepted and only reported back), network policies, MFA,
key-pair/OAuth auth, session policies, future grants, grant option semantics (except USE AI FUNCTIONS
WITH GRANT OPTION), row access policies,
privilege checks on reading/writing table rows (SELECT/INSERT on tables are NOT enforced),
visibility filtering of SHOW DATABASES/SCHEMAS/TABLES, time travel, stages beyond fakesnow's,
anything fakesnow does not implement (it fails with fakesnow's own error). Unsupported statements
fail with `SQL compilation error:`; nothing is silently ignored.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from cortex_local.engines import ENGINE_NAMES, EngineUnavailable, load_engine


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cortex_local", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the emulator (HTTP; the connector uses protocol='http')")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--data", required=True, help="directory holding all state (survives restarts)")
    serve.add_argument("--engine", choices=ENGINE_NAMES, default="lora")
    serve.add_argument(
        "--job-retention",
        type=float,
        default=7 * 24 * 3600,
        help="seconds a finished FINETUNE job stays visible (default 7 days)",
    )
    serve.add_argument(
        "--finetune-catalogue",
        choices=("current", "2025"),
        default="current",
        help="base models FINETUNE accepts: the current docs (llama3.1-8b, arctic-extract) or the 2024-25 six",
    )
    serve.add_argument(
        "--describe-options",
        action="store_true",
        help="FINETUNE('DESCRIBE') also returns `options` (the current docs' example; Snowflake's Python client "
        "rejects it)",
    )
    serve.add_argument("--log-level", default="warning")
    return parser


def serve(args: argparse.Namespace) -> int:
    import warnings

    import uvicorn

    # fakesnow's cursor triggers a DuckDB copy warning on every query: noise for a server log
    warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")

    from cortex_local import cortex
    from cortex_local.app import build_app
    from cortex_local.server import EmulatorServer

    data_dir = Path(args.data).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        engine = load_engine(args.engine, str(data_dir), deferred=True)
    except EngineUnavailable as exc:
        print(f"cortex_local: {exc}", file=sys.stderr)
        return 2
    server = EmulatorServer(data_dir, engine, job_retention_s=args.job_retention)
    cortex.setup(server, args.finetune_catalogue, args.describe_options)
    logging.basicConfig(level=args.log_level.upper())
    config = uvicorn.Config(build_app(server), host=args.host, port=args.port, log_level=args.log_level, lifespan="on")
    print(
        f"cortex_local serving http://{args.host}:{args.port} data={data_dir} engine={args.engine}",
        flush=True,
    )
    # uvicorn turns SIGINT/SIGTERM into a graceful shutdown (lifespan -> server.close()), then re-raises
    # the signal to the handler that was installed before it: make that one a no-op so we exit 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    uvicorn.Server(config).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
