"""Database replication between accounts of the local organisation (replication groups).

State per account in the catalog record, `extra["replication_groups"]`:
  primary:   {name, created_on, owner, comment, is_primary: True, object_types, allowed_databases,
              allowed_accounts, replication_schedule, secondary_state: None}
  secondary: {name, created_on, owner, comment, is_primary: False, primary: "LOCALORG.A.G",
              last_refresh: epoch ms | None, databases: [...], secondary_state: "started"|"suspended"}
A refresh copies each allowed database (DuckDB `COPY FROM DATABASE` on the primary into a fresh file,
then swapped into the target), the view DDL records, ownership records, and MODEL objects with a
private copy of their adapter directory. Replica databases are read-only (cortex.readonly).
Schedules of the form 'N MINUTE' run in ReplicationScheduler; cron schedules are shown, not run.
"""

from __future__ import annotations

import copy
import logging
import re
import shutil
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cortex_local.catalog_records import ACCOUNTADMIN
from cortex_local.cortex.readonly import mark_read_only, read_only_reason
from cortex_local.errors import compilation_error, does_not_exist, sql_error
from cortex_local.idents import qualified

if TYPE_CHECKING:
    from cortex_local.server import EmulatorServer

log = logging.getLogger("cortex_local.replication")
KEY = "replication_groups"
RELEASED = "released_replica_databases"  # db -> "replica of <primary>" it was before its group was dropped
_MINUTES = re.compile(r"^\s*(\d+)\s*MINUTES?\s*$", re.IGNORECASE)


def groups_of(server: EmulatorServer, account: str) -> dict[str, dict[str, Any]]:
    return server.catalog.account(account).extra.setdefault(KEY, {})  # type: ignore[no-any-return]


def group_id(server: EmulatorServer, account: str, name: str) -> str:
    return f"{server.org_name}.{account}.{name}"


def find_primary(server: EmulatorServer, ref: str) -> tuple[str, dict[str, Any]]:
    parts = ref.split(".")
    if len(parts) != 3 or parts[0].upper() != server.org_name.upper():
        raise compilation_error(
            f"invalid replication group identifier '{ref}': use {server.org_name}.<account>.<group>"
        )
    account, name = parts[1].upper(), parts[2]
    if server.catalog.has_account(account):
        grp = groups_of(server, account).get(name)
        if grp is not None and grp["is_primary"]:
            return account, grp
    raise does_not_exist(ref, "Replication group")


def schedule_minutes(schedule: str | None) -> int | None:
    m = _MINUTES.match(schedule or "")
    return int(m[1]) if m else None


def next_refresh(server: EmulatorServer, grp: dict[str, Any]) -> datetime | None:
    """When the scheduler will next refresh a secondary (None without an 'N MINUTE' schedule)."""
    if grp["is_primary"]:
        return None
    try:
        _, prim = find_primary(server, grp["primary"])
    except Exception:
        return None
    minutes = schedule_minutes(prim.get("replication_schedule"))
    if minutes is None or grp.get("secondary_state") == "suspended":
        return None
    base = grp.get("last_refresh") or _ms(grp["created_on"])
    return datetime.fromtimestamp(base / 1000, UTC) + timedelta(minutes=minutes)


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def _duck(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copy_database(server: EmulatorServer, src: str, dst: str, db: str) -> None:
    src_rt, dst_rt = server.account_runtime(src), server.account_runtime(dst)
    tmp = dst_rt.root / f".replica-{db}.db"
    tmp.unlink(missing_ok=True)
    with src_rt.lock:
        src_rt.duck_conn.execute(f"ATTACH '{str(tmp).replace(chr(39), chr(39) * 2)}' AS __cortex_replica")
        try:
            src_rt.duck_conn.execute(f"COPY FROM DATABASE {_duck(db)} TO __cortex_replica")
        finally:
            src_rt.duck_conn.execute("DETACH __cortex_replica")
    target = dst_rt.db_dir / f"{db}.db"
    with dst_rt.lock:
        dst_rt.duck_conn.execute(f"DETACH DATABASE IF EXISTS {_duck(db)}")
        (dst_rt.db_dir / f"{db}.db.wal").unlink(missing_ok=True)
        shutil.move(str(tmp), str(target))
        dst_rt._reattach(db, target)


def _copy_catalog(server: EmulatorServer, src: str, dst: str, db: str, owner: str) -> None:
    """Ownership and view DDL records under `db`, and MODEL objects with private adapter copies."""
    catalog = server.catalog
    qdb = qualified(db)
    adapters = server.data_dir / "cortex" / "replicas" / dst / db
    with catalog.lock:
        s_acct, d_acct = catalog.account(src), catalog.account(dst)
        roles = set(d_acct.roles)
        for key, role in s_acct.owners.items():
            name = key.split(" ", 1)[1]
            if name == qdb or name.startswith(qdb + "."):
                d_acct.owners[key] = role if role in roles else owner
        d_acct.owners[f"DATABASE {qdb}"] = owner
        for key, view in s_acct.views.items():
            if view.database == db:
                d_acct.views[key] = copy.deepcopy(view)
        wanted = {k: m for k, m in s_acct.models.items() if m.database == db}
        stale = [m for k, m in d_acct.models.items() if m.database == db and k not in wanted]
    for m in stale:
        catalog.drop_model(dst, m.database, m.schema, m.name)
    for key, model in wanted.items():
        path = None
        if model.adapter_path:
            dest = adapters / (model.job_id or f"{model.schema}.{model.name}")
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(model.adapter_path, dest)
            path = str(dest)
        role = model.owner if model.owner in roles else owner
        catalog.copy_model(
            src, key, dst, model.database, model.schema, model.name, role, adapter_path=path, replace=True
        )
        if path is None:
            with catalog.lock:
                catalog.account(dst).models[key].adapter_path = None
    catalog.save()


def refresh(server: EmulatorServer, account: str, name: str) -> list[str]:
    """Refresh the secondary group `name` in `account` from its primary; returns the databases copied."""
    with server.catalog.lock:
        grp = groups_of(server, account).get(name)
        if grp is None:
            raise does_not_exist(name, "Replication group")
        if grp["is_primary"]:
            raise compilation_error(
                f"Replication group '{name}' is a primary group; refresh its secondaries."
            )
        primary_account, prim = find_primary(server, grp["primary"])
        me = f"{server.org_name}.{account}"
        if me not in prim["allowed_accounts"]:
            raise sql_error(
                3001,
                f"SQL access control error:\nAccount {me} is not allowed to replicate {grp['primary']}.",
                "42501",
            )
        dbs = list(prim["allowed_databases"])
        owner = grp["owner"]
        replica_of = f"replica of {grp['primary']}"
        for db in dbs:
            reason = read_only_reason(server, account, db)
            # Snowflake: a group re-created from the same primary overwrites the databases it released
            released = server.catalog.account(account).extra.get(RELEASED, {}).get(db)
            if server.account_runtime(account).database_exists(db) and replica_of not in (reason, released):
                raise compilation_error(
                    f"Database '{db}' already exists in account {account} and is not a replica of "
                    f"{grp['primary']}."
                )
    copied = []
    for db in dbs:
        if not server.account_runtime(primary_account).database_exists(db):
            continue
        _copy_database(server, primary_account, account, db)
        _copy_catalog(server, primary_account, account, db, owner)
        mark_read_only(server, account, db, replica_of)
        copied.append(db)
    with server.catalog.lock:
        for db in set(grp.get("databases", [])) - set(copied):
            mark_read_only(server, account, db, None)  # left the group: a standalone database now
        grp["databases"] = copied
        grp["last_refresh"] = int(time.time() * 1000)
        server.catalog.save()
    return copied


def release_secondary(server: EmulatorServer, account: str, grp: dict[str, Any]) -> None:
    """DROP of a secondary group: its databases become standalone (writable) databases."""
    for db in grp.get("databases", []):
        mark_read_only(server, account, db, None)
        with server.catalog.lock:
            released = server.catalog.account(account).extra.setdefault(RELEASED, {})
            released[db] = f"replica of {grp['primary']}"


def secondaries_of(server: EmulatorServer, account: str, name: str) -> list[tuple[str, dict[str, Any]]]:
    ref = group_id(server, account, name)
    out = []
    for other in server.catalog.account_names():
        for grp in groups_of(server, other).values():
            if not grp["is_primary"] and grp["primary"] == ref:
                out.append((other, grp))
    return out


class ReplicationScheduler:
    """Background refresh of secondaries whose primary has a 'N MINUTE' REPLICATION_SCHEDULE."""

    def __init__(self, server: EmulatorServer, tick_s: float = 5.0) -> None:
        self.server, self.tick_s = server, tick_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cortex-replication", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while not self._stop.wait(self.tick_s):
            now = datetime.now(UTC)
            for account in self.server.catalog.account_names():
                with self.server.catalog.lock:
                    due = [
                        n
                        for n, g in groups_of(self.server, account).items()
                        if (when := next_refresh(self.server, g)) is not None and when <= now
                    ]
                for name in due:
                    try:
                        refresh(self.server, account, name)
                    except Exception:
                        log.exception("scheduled refresh of %s.%s failed", account, name)


__all__ = ["ACCOUNTADMIN", "ReplicationScheduler", "refresh"]
