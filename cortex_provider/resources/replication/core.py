"""ModelReplication's reconcile core (the package docstring says what it does)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel

from cortex_provider.resources.base import Applied, ResourceCore
from cortex_provider.resources.names import same_account
from cortex_provider.resources.ownership import ADOPTED, ORIGIN_KEY, OWNER_KEY, Claim, log_release, origin_of, released
from cortex_provider.resources.replication.owner import group_origin
from cortex_provider.resources.replication.spec import ReplicationSpec
from cortex_provider.session import Session
from cortex_provider.sql.finetune import ShowModels
from cortex_provider.sql.identifiers import AccountName, Identifier
from cortex_provider.sql.parse_show import (
    ReplicationGroupInfo,
    parse_database_names,
    parse_models,
    parse_replication_groups,
)
from cortex_provider.sql.replication import (
    AlterReplicationGroupSet,
    CreateReplicaGroup,
    CreateReplicationGroup,
    CurrentAccount,
    DropReplicationGroup,
    RefreshReplicationGroup,
    SetAllowedDatabases,
    ShowDatabasesInReplicationGroup,
    ShowReplicationGroups,
    UnsetReplicationSchedule,
)

# (target account, connections.toml name or None) -> a Session in that account
Connector = Callable[[AccountName, str | None], Session]


def whoami(session: Session) -> AccountName:
    row = session.query_one(CurrentAccount()) or {}
    return AccountName(
        str(row.get("ACCOUNT_NAME", "")).upper(), str(row.get("ORGANIZATION_NAME", "")).upper()
    )


def resolve(target: str, me: AccountName) -> AccountName:
    """A bare target name belongs to the primary's organisation."""
    acct = AccountName.parse(target)
    return acct if acct.org else AccountName(acct.account, me.org)


def _group_row(
    session: Session, group: Identifier, where: AccountName, primary: bool
) -> ReplicationGroupInfo | None:
    """The primary (or secondary) group `group` living in account `where`, per SHOW REPLICATION GROUPS."""
    for row in parse_replication_groups(session.execute(ShowReplicationGroups())):
        in_account = row.account_name is None or row.account_name.upper() == where.account
        if row.name.strip('"') == group.name and row.is_primary == primary and in_account:
            return row
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ReplicationCore(ResourceCore[ReplicationSpec]):
    kind: ClassVar[str] = "cortex:ModelReplication"
    spec_type: ClassVar[type[BaseModel]] = ReplicationSpec
    replace_on: ClassVar[frozenset[str]] = frozenset({"group"})
    provider_only: ClassVar[frozenset[str]] = frozenset({"target_connections"})

    def __init__(self, connector: Connector) -> None:
        self._connector = connector

    def _target(self, acct: AccountName, conns: Mapping[str, str], written: str | None = None) -> Session:
        name = conns.get(written or "") or next(
            (v for k, v in conns.items() if same_account(k, acct.sql())), None
        )
        return self._connector(acct, name)

    # -- create / update: one convergence ------------------------------------------------------
    def create(self, session: Session, spec: ReplicationSpec) -> Applied:
        return self.create_as(session, spec, Claim())

    def create_as(self, session: Session, spec: ReplicationSpec, claim: Claim) -> Applied:
        """An existing primary group is taken only with `adopt: true` (owner.py)."""
        origin = group_origin(spec.identifier, _group_row(session, spec.identifier, whoami(session), True), claim)
        return Applied(spec.group, {**self._converge(session, spec, None), **claim.outputs(origin)})

    def update(
        self, session: Session, id_: str, olds: Mapping[str, Any], spec: ReplicationSpec
    ) -> dict[str, Any]:
        return {**self._converge(session, spec, olds), **{k: olds.get(k) for k in (OWNER_KEY, ORIGIN_KEY)}}

    def _converge(
        self, session: Session, spec: ReplicationSpec, olds: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        me, group = whoami(session), spec.identifier
        wanted = {t: resolve(t, me) for t in spec.target_accounts}
        row = _group_row(session, group, me, primary=True)
        if row is None:
            session.execute(
                CreateReplicationGroup(
                    group, spec.database_ids(), tuple(wanted.values()), spec.schedule, if_not_exists=True
                )
            )
            allowed: set[AccountName] = set()
        else:
            allowed = {AccountName.parse(a) for a in row.allowed_accounts} - {me}
        old = olds or {}
        conns = {**(old.get("target_connections") or {}), **spec.target_connections}
        previous = {resolve(t, me) for t in old.get("target_accounts") or []} | allowed
        for acct in sorted(previous - set(wanted.values()), key=AccountName.sql):
            _drop_replica(self._target(acct, conns), group, acct)
        if row is not None:
            self._alter_primary(session, spec, row, allowed, set(wanted.values()), old)
        refresh_all = olds is None or any(
            old.get(k) != getattr(spec, k) for k in ("refresh_token", "databases")
        )
        replicas: dict[str, Any] = {}
        for written, acct in wanted.items():
            target = self._target(acct, conns, written)
            before = (old.get("replicas") or {}).get(written) or {}
            last = before.get("last_refreshed_at")
            created = _ensure_replica(target, group, acct, me)
            if created or refresh_all or acct not in allowed:
                target.execute(RefreshReplicationGroup(group))
                last = _now()
            replicas[written] = _status(target, acct, spec.databases, True, last)
        return {**spec.model_dump(mode="json"), **_refs(me, group), "replicas": replicas}

    @staticmethod
    def _alter_primary(
        session: Session,
        spec: ReplicationSpec,
        row: ReplicationGroupInfo,
        allowed: set[AccountName],
        wanted: set[AccountName],
        old: Mapping[str, Any],
    ) -> None:
        group = spec.identifier
        if allowed != wanted:
            accts = tuple(sorted(wanted, key=AccountName.sql))
            session.execute(AlterReplicationGroupSet(group, allowed_accounts=accts))
        if old.get("databases") != spec.databases:
            session.execute(SetAllowedDatabases(group, spec.database_ids()))
        live_schedule = (row.replication_schedule or "").strip() or None
        if live_schedule != spec.schedule:
            if spec.schedule is None:
                session.execute(UnsetReplicationSchedule(group))
            else:
                session.execute(AlterReplicationGroupSet(group, schedule=spec.schedule))

    # -- read / delete --------------------------------------------------------------------------
    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        me, group = whoami(session), Identifier.parse(id_, "id")
        row = _group_row(session, group, me, primary=True)
        if row is None:
            return None
        written = list(props.get("target_accounts") or [])
        conns = props.get("target_connections") or {}
        dbs = list(props.get("databases") or []) or [  # import: SHOW REPLICATION GROUPS does not list them
            Identifier.parse(name, "database").sql()
            for name in parse_database_names(session.execute(ShowDatabasesInReplicationGroup(group)))
        ]
        present, replicas = [], {}
        for acct in sorted({AccountName.parse(a) for a in row.allowed_accounts} - {me}, key=AccountName.sql):
            name = next((w for w in written if resolve(w, me) == acct), acct.sql())
            target = self._target(acct, conns, name)
            alive = _group_row(target, group, acct, primary=False) is not None
            last = ((props.get("replicas") or {}).get(name) or {}).get("last_refreshed_at")
            replicas[name] = _status(target, acct, dbs, alive, last if alive else None)
            if alive:
                present.append(name)
        outputs = {
            "group": group.sql(),
            "databases": dbs,
            "target_accounts": sorted(present),  # a missing replica is drift: the next up recreates it
            "schedule": (row.replication_schedule or "").strip() or None,
            "refresh_token": props.get("refresh_token"),
            "target_connections": dict(conns),
            **_refs(me, group),
            "replicas": replicas,
            **{k: props[k] for k in (OWNER_KEY, ORIGIN_KEY) if k in props},  # a refresh keeps who made it
        }
        return Applied(group.sql(), outputs)

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        if origin_of(props) == ADOPTED:  # neither the group nor its replicas: this stack did not create them
            log_release(released("ModelReplication", id_, "this stack adopted it and did not create it"))
            return
        me, group = whoami(session), Identifier.parse(id_, "id")
        conns = props.get("target_connections") or {}
        targets = {resolve(t, me) for t in props.get("target_accounts") or []}
        primary_ref = f"{me.sql()}.{group.sql()}"
        for row in parse_replication_groups(session.execute(ShowReplicationGroups())):
            if (
                not row.is_primary
                and row.name.strip('"') == group.name
                and row.account_name
                and (row.primary or "").upper() == primary_ref.upper()
            ):
                targets.add(
                    AccountName(row.account_name.upper(), (row.organization_name or me.org or "").upper())
                )
        for acct in sorted(targets - {me}, key=AccountName.sql):
            _drop_replica(self._target(acct, conns), group, acct)
        session.execute(DropReplicationGroup(group))  # the group only: the databases stay


def _refs(me: AccountName, group: Identifier) -> dict[str, str]:
    return {"primary_account": me.sql(), "primary_group": f"{me.sql()}.{group.sql()}"}


def _ensure_replica(target: Session, group: Identifier, acct: AccountName, me: AccountName) -> bool:
    """Create the secondary group unless it exists; True when it was created now."""
    if _group_row(target, group, acct, primary=False) is not None:
        return False
    target.execute(CreateReplicaGroup(group, me, group, if_not_exists=True))
    return True


def _drop_replica(target: Session, group: Identifier, acct: AccountName) -> None:
    """Drop the secondary group in `acct` (never a primary group of the same name there)."""
    if _group_row(target, group, acct, primary=False) is not None:
        target.execute(DropReplicationGroup(group))


def _status(
    target: Session, acct: AccountName, databases: list[str], replicated: bool, last: str | None
) -> dict[str, Any]:
    """Per-target outputs: replica present, last refresh this provider ran, models visible there."""
    names = {Identifier.parse(d).name for d in databases}
    models = []
    if replicated:
        models = sorted(
            m.qualified.sql() for m in parse_models(target.execute(ShowModels())) if m.database in names
        )
    return {"account": acct.sql(), "replicated": replicated, "last_refreshed_at": last, "models": models}
