"""Secure data sharing of MODEL objects between accounts of the one local organisation.

Provider state lives in the provider account's catalog record, `extra["shares"]`:
  {SHARE: {name, created_on, owner, comment, grants: [{privilege, granted_on, name, granted_by,
  created_on}], accounts: ["LOCALORG.B", ...]}}
A consumer's `CREATE DATABASE x FROM SHARE LOCALORG.A.S` is recorded in `extra["imported_databases"]`
({X: {provider, share, created_on, owner}}) and materialised as read-only MODEL records in X whose
`extra["shared_from"]` points at the provider's model (no adapter of their own, so DROP DATABASE in
the consumer never touches the provider's files). `sync_consumers` re-materialises them after every
change on either side; inference checks the share again at call time (`live_shared_model`).
When the provider drops the share or removes the consumer account from it, the import is marked
`revoked` for good: Snowflake's consumer must re-create the database even if the account is added
back ("It will need to be re-created if and when the publisher makes it available again"), and any
use of it fails with 003030 (`unavailable`). Roles reach an imported database's objects only through
GRANT IMPORTED PRIVILEGES (shown by SHOW GRANTS as USAGE on the database; privileges.py).
Only USAGE on DATABASE / SCHEMA / MODEL can be granted to a share; tables and views cannot here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cortex_local.catalog_records import ModelRec, now
from cortex_local.errors import compilation_error, does_not_exist, sql_error
from cortex_local.idents import qualified, quote, split_name

if TYPE_CHECKING:
    from cortex_local.server import EmulatorServer

SHARES, IMPORTS = "shares", "imported_databases"


def account_id(server: EmulatorServer, text: str) -> str:
    """`org.acct` or `acct` -> 'LOCALORG.ACCT' (the only organisation is the server's)."""
    parts = [p.strip().strip('"') for p in text.strip().split(".")]
    if len(parts) == 1:
        parts = [server.org_name, parts[0]]
    if len(parts) != 2 or parts[0].upper() != server.org_name.upper():
        raise compilation_error(f"invalid account identifier '{text}': use {server.org_name}.<account_name>")
    return f"{server.org_name}.{parts[1].upper()}"


def account_of(acct_id: str) -> str:
    return acct_id.split(".", 1)[1]


def shares_of(server: EmulatorServer, account: str) -> dict[str, dict[str, Any]]:
    """The live mapping (mutate under catalog.lock, then catalog.save())."""
    return server.catalog.account(account).extra.setdefault(SHARES, {})  # type: ignore[no-any-return]


def imports_of(server: EmulatorServer, account: str) -> dict[str, dict[str, Any]]:
    return server.catalog.account(account).extra.setdefault(IMPORTS, {})  # type: ignore[no-any-return]


def get_share(server: EmulatorServer, account: str, name: str) -> dict[str, Any]:
    share = shares_of(server, account).get(name)
    if share is None:
        raise does_not_exist(name, "Share")
    return share


def share_database(share: dict[str, Any]) -> str | None:
    for g in share["grants"]:
        if g["granted_on"] == "DATABASE":
            return str(g["name"])
    return None


def granted(share: dict[str, Any], granted_on: str, name: str) -> bool:
    return any(g["granted_on"] == granted_on and g["name"] == name for g in share["grants"])


def _expected_models(
    server: EmulatorServer, provider: str, share: dict[str, Any], local_db: str, owner: str
) -> dict[str, ModelRec]:
    """Consumer-side copies the share currently entitles `local_db` to (keyed by local name)."""
    src_db = share_database(share)
    out: dict[str, ModelRec] = {}
    if src_db is None:
        return out
    for g in share["grants"]:
        if g["granted_on"] != "MODEL":
            continue
        model = server.catalog.account(provider).models.get(g["name"])
        if model is None or quote(model.database) != src_db:
            continue
        if not granted(share, "SCHEMA", qualified(model.database, model.schema)):
            continue
        rec = ModelRec(
            database=local_db,
            schema=model.schema,
            name=model.name,
            owner=owner,
            base_model=model.base_model,
            backing_model=model.backing_model,
            adapter_path=None,
            job_id=None,
            comment=model.comment,
            extra={"shared_from": {"account": provider, "model": model.qualified}},
        )
        out[rec.qualified] = rec
    return out


def consumer_entitled(
    server: EmulatorServer, consumer: str, provider: str, share_name: str
) -> dict[str, Any] | None:
    if not server.catalog.has_account(provider):
        return None
    share = shares_of(server, provider).get(share_name)
    if share is None or f"{server.org_name}.{consumer}" not in share["accounts"]:
        return None
    return share


def unavailable() -> Exception:
    """003030, what Snowflake answers for an imported database whose share was taken away."""
    return sql_error(
        3030,
        "SQL compilation error:\nShared database is no longer available for use. It will need to be "
        "re-created if and when the publisher makes it available again.",
        "02000",
    )


def is_revoked(server: EmulatorServer, consumer: str, local_db: str) -> bool:
    with server.catalog.lock:
        imp = imports_of(server, consumer).get(local_db)
        return bool(imp and imp.get("revoked"))


def require_available(server: EmulatorServer, consumer: str, local_db: str) -> None:
    if is_revoked(server, consumer, local_db):
        raise unavailable()


def sync_import(server: EmulatorServer, consumer: str, local_db: str) -> list[str]:
    """Re-materialise the shared models of one imported database; returns their schemas."""
    catalog = server.catalog
    with catalog.lock:
        imp = imports_of(server, consumer).get(local_db)
        if imp is None:
            return []
        share = consumer_entitled(server, consumer, imp["provider"], imp["share"])
        if share is None or imp.get("revoked"):
            imp["revoked"] = True  # taken away once: never comes back by itself
            share = None
        wanted = _expected_models(server, imp["provider"], share, local_db, imp["owner"]) if share else {}
        acct = catalog.account(consumer)
        for key, rec in list(acct.models.items()):
            if rec.database == local_db and key not in wanted:
                del acct.models[key]
        for key, rec in wanted.items():
            acct.models[key] = rec
        catalog.save()
        granted_schemas = [split_name(g["name"])[-1] for g in (share or {}).get("grants", [])
                           if g["granted_on"] == "SCHEMA"]  # e.g. one holding only a shared function
        return sorted({r.schema for r in wanted.values()} | set(granted_schemas))


def sync_consumers(server: EmulatorServer, provider: str, share_name: str) -> None:
    """After a provider-side change: refresh every database imported from this share."""
    for consumer in server.catalog.account_names():
        with server.catalog.lock:
            dbs = [
                db
                for db, imp in imports_of(server, consumer).items()
                if imp["provider"] == provider and imp["share"] == share_name
            ]
        for db in dbs:
            schemas = sync_import(server, consumer, db)
            ensure_schemas(server, consumer, db, schemas)


def ensure_schemas(server: EmulatorServer, account: str, db: str, schemas: list[str]) -> None:
    """The consumer's (empty) DuckDB database needs the shared schemas for USE / SHOW ... IN SCHEMA."""
    runtime = server.account_runtime(account)
    if not runtime.database_exists(db):
        return
    with runtime.lock:
        for schema in schemas:
            if not runtime.schema_exists(db, schema):
                runtime.duck_conn.execute(
                    f"CREATE SCHEMA IF NOT EXISTS {quote_duck(db)}.{quote_duck(schema)}"
                )


def quote_duck(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def live_shared_model(server: EmulatorServer, consumer: str, rec: ModelRec) -> ModelRec | None:
    """The provider's MODEL behind a consumer copy, if the share still grants it; else None."""
    source = rec.extra.get("shared_from") or {}
    with server.catalog.lock:
        imp = imports_of(server, consumer).get(rec.database)
        if imp is None or imp.get("revoked"):
            return None
        share = consumer_entitled(server, consumer, imp["provider"], imp["share"])
        if share is None or not granted(share, "MODEL", source.get("model", "")):
            return None
        return server.catalog.account(imp["provider"]).models.get(source["model"])


def new_share(name: str, owner: str, comment: str | None) -> dict[str, Any]:
    return {
        "name": name,
        "created_on": now(),
        "owner": owner,
        "comment": comment,
        "grants": [],
        "accounts": [],
    }
