"""SharedModels: the consuming account's side of a ModelShare — a database mounted from the provider's
share and the roles allowed to use the models in it.

create: `CREATE DATABASE <database> FROM SHARE <share_ref>` (after checking, by SHOW SHARES, that the
share is offered to this account), then `GRANT IMPORTED PRIVILEGES ON DATABASE` to each role — the only
grant a shared database takes (https://docs.snowflake.com/user-guide/data-share-providers). A mount of
the same share left by an interrupted create is adopted; any other database of that name is refused.
read: SHOW DATABASES (kind/origin), SHOW GRANTS ON DATABASE (IMPORTED PRIVILEGES print as USAGE) and
SHOW MODELS IN DATABASE. A dropped database reads as gone; a share the provider took away reads as
`status: REVOKED`, no models, and `share_ref: <revoked>` — a diff that replaces the mount on the next
`up` (delete first: Snowflake wants it re-created, https://docs.snowflake.com/en/user-guide/
data-share-consumers), which fails with a clear message while the provider still withholds the share.
update: roles only (granted / revoked in place; roles granted by hand are reported, never revoked).
delete: drops the mounted database, nothing of the provider's; a database that is not a mount of
this share (replaced by hand) is left alone, and a mount this stack adopted or another stack's record
names (its COMMENT, resources/ownership.py) is released.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from cortex_provider.errors import CortexProviderError, InvalidInput
from cortex_provider.resources.base import Applied, Diff, ResourceCore
from cortex_provider.resources.names import ident, sorted_unique
from cortex_provider.resources.ownership import (
    CREATED,
    ORIGIN_KEY,
    OWNER_KEY,
    RECORDED_KEY,
    Claim,
    is_mine,
    log_release,
    parse_record,
    release_reason,
    released,
    take_existing,
)
from cortex_provider.session import Session
from cortex_provider.sql.consumer import (
    REVOKED_ORIGIN,
    DatabaseInfo,
    DropDatabase,
    GrantImportedPrivileges,
    RevokeImportedPrivileges,
    ShareRef,
    ShowDatabases,
    ShowModelsInDatabase,
    parse_databases,
)
from cortex_provider.sql.grants import GrantTarget, ShowGrants
from cortex_provider.sql.identifiers import Identifier
from cortex_provider.sql.ownership import SetComment, clear_comment
from cortex_provider.sql.parse_show import named, parse_grants, parse_models, parse_shares
from cortex_provider.sql.sharing import CreateDatabaseFromShare, ShowShares

AVAILABLE, REVOKED = "AVAILABLE", "REVOKED"


class SharedModelsError(CortexProviderError, RuntimeError):
    """The mount cannot be made as declared; the message says why and what to do."""


class SharedModelsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database: str
    share_ref: str
    roles: list[str] = []

    @field_validator("database")
    @classmethod
    def _database(cls, v: str, info: ValidationInfo) -> str:
        return ident(v, "database")

    @field_validator("share_ref")
    @classmethod
    def _share_ref(cls, v: str) -> str:
        if v == REVOKED_ORIGIN:
            return v  # what a refresh records once the provider took the share away
        return ShareRef.parse(v, "share_ref").sql()

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        return sorted_unique(ident(r, f"roles[{i}]") for i, r in enumerate(v))

    @property
    def db(self) -> Identifier:
        return Identifier.parse(self.database)

    @property
    def ref(self) -> ShareRef:
        if self.share_ref == REVOKED_ORIGIN:
            raise InvalidInput("share_ref", "the share was taken away", "declare the provider's share_ref")
        return ShareRef.parse(self.share_ref)


def find_database(session: Session, name: Identifier) -> DatabaseInfo | None:
    found = named(parse_databases(session.execute(ShowDatabases(name))), name)
    return found[0] if found else None


def offered(session: Session, ref: ShareRef) -> bool:
    """Does SHOW SHARES list `ref` as an INBOUND share of this account?"""
    for s in parse_shares(session.execute(ShowShares(like=ref.share))):
        if s.kind == "INBOUND" and s.name.strip('"') == ref.share.name and s.owner_account:
            try:
                if ShareRef.parse(f"{s.owner_account}.{ref.share.sql()}").same_as(ref):
                    return True
            except InvalidInput:
                continue
    return False


def _granted_roles(session: Session, db: Identifier) -> list[str]:
    """Roles holding IMPORTED PRIVILEGES (printed by SHOW GRANTS as USAGE on the database)."""
    rows = parse_grants(session.execute(ShowGrants(on=GrantTarget.database(db))))
    return sorted_unique(
        Identifier.of(g.grantee_name).sql()
        for g in rows
        if g.privilege.upper() == "USAGE" and g.granted_to.upper() == "ROLE"
    )


class SharedModelsCore(ResourceCore[SharedModelsSpec]):
    kind: ClassVar[str] = "cortex:SharedModels"
    spec_type: ClassVar[type[BaseModel]] = SharedModelsSpec
    replace_on: ClassVar[frozenset[str]] = frozenset({"database", "share_ref"})

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        d = super().diff(id_, olds, news)
        # a new mount under the same name needs the old one gone first (one database per name); an imported
        # mount (`recorded: false`) plans an update of `owner`: that `up` writes the record (update_as)
        changed = [*d.changed, OWNER_KEY] if olds.get(RECORDED_KEY) is False else d.changed
        return Diff(changed, d.replaces, delete_before_replace=bool(d.replaces))

    def update_as(self, session: Session, id_: str, olds: Mapping[str, Any], spec: SharedModelsSpec, claim: Claim
                  ) -> dict[str, Any]:
        """`pulumi import` only reads (its preview too): the next `up` writes this stack's record, unless
        another stack's is there (left as it is; delete then releases the mount)."""
        out = self.update(session, id_, olds, spec)
        info = find_database(session, spec.db) if olds.get(RECORDED_KEY) is False else None
        record = claim.record()
        if info is not None and claim.owner is not None and record is not None and parse_record(info.comment) is None:
            session.execute(SetComment("DATABASE", spec.db, record))
            out.update({OWNER_KEY: claim.owner.as_input(), RECORDED_KEY: True})
        return out

    def create(self, session: Session, spec: SharedModelsSpec) -> Applied:
        return self.create_as(session, spec, Claim())

    def create_as(self, session: Session, spec: SharedModelsSpec, claim: Claim) -> Applied:
        """A mount of the same share is taken when its COMMENT names this resource, or has no record (an
        interrupted create, as before records), or `adopt: true`; another stack's record is refused."""
        db, ref = spec.db, spec.ref
        existing = find_database(session, db)
        if existing is not None and not _same(existing.share(), ref.sql()):
            what = f"a mount of {existing.origin}" if existing.imported else f"a {existing.kind.lower()} database"
            raise SharedModelsError(
                f"database {db.sql()} already exists in this account ({what}); SharedModels only mounts a "
                f"new database. Fix: choose another `database`, or drop {db.sql()} if it is not needed"
            )
        origin = CREATED
        if existing is None:
            if not offered(session, ref):
                raise SharedModelsError(_not_offered(ref))
            session.execute(CreateDatabaseFromShare(db, ref.provider, ref.share))
        else:
            origin = take_existing("SharedModels", db.sql(), existing.comment, claim, provably_ours=True)
        record = claim.record()
        if record is not None and (existing is None or existing.comment != record):
            session.execute(SetComment("DATABASE", db, record))
        for role in spec.roles:
            session.execute(GrantImportedPrivileges(db, Identifier.parse(role)))
        live = self.read(session, db.sql(), {**spec.model_dump(), **claim.outputs(origin)})
        if live is None:
            raise SharedModelsError(f"database {db.sql()} vanished right after it was created; run up again")
        return live

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        db = Identifier.parse(id_, "id")
        info = find_database(session, db)
        if info is None or not info.imported:
            return None  # dropped (or replaced by a database that is not a mount)
        declared = set(props.get("roles") or [])
        live_roles = _granted_roles(session, db)
        share = info.share()
        models: list[str] = []
        if share is not None:
            models = sorted(m.qualified.sql() for m in parse_models(session.execute(ShowModelsInDatabase(db))))
        outputs = {
            "database": db.sql(),
            "share_ref": share.sql() if share is not None else REVOKED_ORIGIN,
            "roles": [r for r in live_roles if r in declared],
            "other_roles": [r for r in live_roles if r not in declared],
            "status": AVAILABLE if share is not None else REVOKED,
            "models": models,
            "provider_account": share.provider.sql() if share is not None else props.get("provider_account"),
            **{k: props[k] for k in (OWNER_KEY, ORIGIN_KEY, RECORDED_KEY) if k in props},  # a refresh keeps who made it
            **({RECORDED_KEY: False} if not props else {}),  # `pulumi import` reads only: the next `up` records
        }
        return Applied(db.sql(), outputs)

    def update(
        self, session: Session, id_: str, olds: Mapping[str, Any], spec: SharedModelsSpec
    ) -> dict[str, Any]:
        db = spec.db
        live = set(_granted_roles(session, db))
        for role in spec.roles:
            if role not in live:
                session.execute(GrantImportedPrivileges(db, Identifier.parse(role)))
        for role in sorted(set(olds.get("roles") or []) - set(spec.roles)):  # only roles this stack granted
            if role in live:
                session.execute(RevokeImportedPrivileges(db, Identifier.parse(role)))
        applied = self.read(session, id_, {**spec.model_dump(), **{k: olds.get(k) for k in (OWNER_KEY, ORIGIN_KEY)}})
        if applied is None:
            raise SharedModelsError(f"database {db.sql()} is gone; run `refresh`, then `up` to mount it again")
        return applied.outputs

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        db = Identifier.parse(id_, "id")
        info = find_database(session, db)
        if info is None or not info.imported:
            return  # nothing of ours left under this name: never drop a database we did not mount
        mine = info.revoked or _same(info.share(), props.get("share_ref"))
        why = release_reason(props, info.comment)
        if mine and why is not None:  # adopted, or another stack's record: released, never dropped
            if is_mine(props, info.comment):
                session.execute(clear_comment("DATABASE", db))
            log_release(released("SharedModels", db.sql(), why))
        elif mine:
            session.execute(DropDatabase(db))


def _same(live: ShareRef | None, recorded: object) -> bool:
    """Is the live mount one of the recorded share (`<revoked>` or garbage: no)?"""
    if live is None or not isinstance(recorded, str):
        return False
    try:
        return live.same_as(ShareRef.parse(recorded))
    except InvalidInput:
        return False


def _not_offered(ref: ShareRef) -> str:
    return (
        f"share {ref.sql()} is not offered to this account (SHOW SHARES lists no INBOUND share of that "
        f"name from {ref.provider.sql()}): the provider has not added this account, or removed it. "
        "Fix: list this account in the provider stack's shares[].consumer_accounts and run its `up`, "
        "then run `up` here"
    )
