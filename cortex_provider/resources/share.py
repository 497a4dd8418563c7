"""ModelShare: a Snowflake share that hands fine-tuned models of one schema to consumer accounts.

Create/update converge the live share on the spec: USAGE on the database, the schema, each
model and each function granted to the share (stale grants revoked), consumer accounts added/removed
in place. `functions` are SECURE functions of the schema, e.g. a ModelRelease's endpoint: Snowflake
shares functions only when they are secure, and the endpoint is one (sql/endpoint.py); the consumer
calls `<mounted db>.<schema>.<NAME>(prompt)` and it runs the provider's serving version, which need not
be shared itself. Only
`name` forces a replace. Read reports what SHOW SHARES / SHOW GRANTS TO SHARE say, so accounts or
grants changed by hand surface as a diff and the next `up` repairs them. Delete drops the share,
never the database or the models; a share this stack adopted, or another stack's record names in its
COMMENT, is released instead (resources/ownership.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from cortex_provider.resources.base import Applied, Diff, ResourceCore
from cortex_provider.resources.names import account, ident, same_account, sorted_unique
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
from cortex_provider.sql.endpoint import GrantEndpointUsage
from cortex_provider.sql.grants import (
    Grantee,
    GrantPrivilege,
    GrantTarget,
    ObjectType,
    Privilege,
    RevokePrivilege,
    ShowGrants,
)
from cortex_provider.sql.identifiers import AccountName, Identifier, QualifiedName, SchemaName
from cortex_provider.sql.ownership import SetComment, clear_comment
from cortex_provider.sql.parse_show import ShareInfo, canonical_name, parse_grants, parse_shares
from cortex_provider.sql.sharing import AlterShareAccounts, CreateShare, DropShare, ShowShares

_ORDER = (ObjectType.DATABASE, ObjectType.SCHEMA, ObjectType.MODEL)
FUNCTION = "FUNCTION"  # SHOW GRANTS' granted_on for a function (an endpoint)


def as_written(live: Iterable[str], written: Iterable[str]) -> list[str]:
    """Live account names in the form the spec wrote them (unknown ones as printed), sorted."""
    written = list(written)
    out = {next((w for w in written if same_account(w, a)), a.upper()) for a in live}
    return sorted(out)


class ShareSpec(BaseModel):
    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )

    name: str
    database: str
    schema_: str = Field(alias="schema")
    models: list[str] = Field(default_factory=list)
    functions: list[str] = Field(default_factory=list)
    consumer_accounts: list[str] = Field(default_factory=list)

    @field_validator("name", "database")
    @classmethod
    def _ident(cls, v: str, info: ValidationInfo) -> str:
        return ident(v, info.field_name or "name")

    @field_validator("consumer_accounts")
    @classmethod
    def _accounts(cls, v: list[str]) -> list[str]:
        return sorted_unique(account(a, f"consumer_accounts[{i}]") for i, a in enumerate(v))

    @field_validator("schema_")
    @classmethod
    def _schema(cls, v: str, info: ValidationInfo) -> str:
        if "database" not in info.data:
            return v  # the database is invalid; that failure is reported on its own
        db = Identifier.parse(info.data["database"], "database")
        schema = SchemaName.parse(v, "schema", default_database=db)
        if schema.database != db:
            raise ValueError(f"{schema.sql()} is not in database {db.sql()}. Fix: give the schema name only")
        return schema.schema.sql()

    @field_validator("models", "functions")
    @classmethod
    def _in_schema(cls, v: list[str], info: ValidationInfo) -> list[str]:
        if "database" not in info.data or "schema_" not in info.data:
            return v
        db = Identifier.parse(info.data["database"])
        schema = SchemaName(db, Identifier.parse(info.data["schema_"]))
        field, names = info.field_name or "models", []
        for i, text in enumerate(v):
            q = QualifiedName.parse(text, f"{field}[{i}]").resolve(schema)
            if q.schema_name != schema:
                raise ValueError(
                    f"{field}[{i}]: {q.sql()} is not in {schema.sql()} (one ModelShare shares the {field} of "
                    "one schema). Fix: declare another ModelShare for other schemas"
                )
            names.append(q.name.sql())
        return sorted_unique(names)

    @property
    def identifier(self) -> Identifier:
        return Identifier.parse(self.name)

    def targets(self) -> list[GrantTarget]:
        """What the share must hold, in grant order: database, schema, models."""
        db = Identifier.parse(self.database)
        schema = SchemaName(db, Identifier.parse(self.schema_))
        models = [QualifiedName(Identifier.parse(m), schema.schema, db) for m in self.models]
        return [GrantTarget.database(db), GrantTarget.schema(schema), *map(GrantTarget.model, models)]

    def function_names(self) -> list[QualifiedName]:
        db = Identifier.parse(self.database)
        return [QualifiedName(Identifier.parse(f), Identifier.parse(self.schema_), db) for f in self.functions]


@dataclass(frozen=True)
class LiveShare:
    info: ShareInfo
    grants: set[tuple[ObjectType, str]]  # (granted_on, canonical name) of USAGE grants
    functions: set[str]  # canonical names of the functions granted USAGE (signatures dropped)

    def names(self, kind: ObjectType) -> list[str]:
        return sorted(n for k, n in self.grants if k is kind)


def function_name(printed: str) -> str:
    """SHOW GRANTS names a function with its signature (`DB.S."EP(PROMPT VARCHAR):VARCHAR(16777216)"`);
    the name without it, canonical (`DB.S.EP`)."""
    base = printed.split("(", 1)[0]
    if base.count('"') % 2:
        base += '"'
    return canonical_name(base)


def find_share(session: Session, name: Identifier) -> LiveShare | None:
    infos = parse_shares(session.execute(ShowShares(like=name)))
    info = next((s for s in infos if s.kind == "OUTBOUND" and s.name.strip('"') == name.name), None)
    if info is None:
        return None
    grants, functions = set(), set()
    for g in parse_grants(session.execute(ShowGrants(to_share=name))):
        if g.privilege.upper() == "USAGE" and g.granted_on.upper() in {t.value for t in _ORDER}:
            grants.add((ObjectType(g.granted_on.upper()), canonical_name(g.name)))
        elif g.privilege.upper() == "USAGE" and g.granted_on.upper() == FUNCTION:
            functions.add(function_name(g.name))
    return LiveShare(info, grants, functions)


def _target(kind: ObjectType, name: str) -> GrantTarget:
    if kind is ObjectType.DATABASE:
        return GrantTarget.database(Identifier.parse(name))
    if kind is ObjectType.SCHEMA:
        return GrantTarget.schema(SchemaName.parse(name))
    return GrantTarget.model(QualifiedName.parse(name))


class ShareCore(ResourceCore[ShareSpec]):
    kind: ClassVar[str] = "cortex:ModelShare"
    spec_type: ClassVar[type[BaseModel]] = ShareSpec
    replace_on: ClassVar[frozenset[str]] = frozenset({"name"})

    def spec_fields(self) -> list[str]:
        return [f.alias or n for n, f in ShareSpec.model_fields.items()]

    def create(self, session: Session, spec: ShareSpec) -> Applied:
        return self.create_as(session, spec, Claim())

    def create_as(self, session: Session, spec: ShareSpec, claim: Claim) -> Applied:
        """An existing share is taken only when its COMMENT names this resource (an interrupted create)
        or `adopt: true` is declared (resources/ownership.py); this resource's record goes in its COMMENT."""
        live = find_share(session, spec.identifier)
        origin = CREATED if live is None else take_existing("ModelShare", spec.identifier.sql(),
                                                            live.info.comment, claim)
        record = claim.record()
        if live is None:  # IF NOT EXISTS: a create racing another is finished, not failed
            session.execute(CreateShare(spec.identifier, comment=record, if_not_exists=True))
        elif record is not None and live.info.comment != record:
            session.execute(SetComment("SHARE", spec.identifier, record))
        applied = self._converge(session, spec)
        return Applied(applied.id, {**applied.outputs, **claim.outputs(origin)})

    def update(self, session: Session, id_: str, olds: Mapping[str, Any], spec: ShareSpec) -> dict[str, Any]:
        return {**self._converge(session, spec).outputs, **{k: olds.get(k) for k in (OWNER_KEY, ORIGIN_KEY)}}

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        """An imported share (`recorded: false`) plans an update of `owner`: that `up` writes the record."""
        d = super().diff(id_, olds, news)
        return Diff([*d.changed, OWNER_KEY], d.replaces) if olds.get(RECORDED_KEY) is False else d

    def update_as(self, session: Session, id_: str, olds: Mapping[str, Any], spec: ShareSpec, claim: Claim
                  ) -> dict[str, Any]:
        """`pulumi import` only reads (its preview too): the next `up` writes this stack's record, unless
        another stack's is there (left as it is; delete then releases the share)."""
        out = self.update(session, id_, olds, spec)
        if olds.get(RECORDED_KEY) is False and claim.owner is not None:
            live = find_share(session, spec.identifier)
            record = claim.record()
            if live is not None and record is not None and parse_record(live.info.comment) is None:
                session.execute(SetComment("SHARE", spec.identifier, record))
                out.update({OWNER_KEY: claim.owner.as_input(), RECORDED_KEY: True})
        return out

    def _converge(self, session: Session, spec: ShareSpec) -> Applied:
        name = spec.identifier
        live = find_share(session, name)
        if live is None:
            raise RuntimeError(f"share {name.sql()} vanished while it was being configured; run up again")
        wanted = spec.targets()
        keys = {(t.object_type, t.name.sql()) for t in wanted}
        functions = {f.sql(): f for f in spec.function_names()}
        for stale in sorted(live.functions - set(functions)):  # functions first: they sit in the schema
            session.execute(GrantEndpointUsage(QualifiedName.parse(stale), name, to_share=True, revoke=True))
        for kind in reversed(_ORDER):  # models, then schemas, then the database
            for _, stale in sorted(k for k in live.grants - keys if k[0] is kind):
                session.execute(RevokePrivilege(Privilege.USAGE, _target(kind, stale), Grantee.share(name)))
        for t in wanted:
            if (t.object_type, t.name.sql()) not in live.grants:
                session.execute(GrantPrivilege(Privilege.USAGE, t, Grantee.share(name)))
        for key, fn in sorted(functions.items()):
            if key not in live.functions:
                session.execute(GrantEndpointUsage(fn, name, to_share=True))
        extra = [a for a in live.info.to if not any(same_account(a, w) for w in spec.consumer_accounts)]
        missing = [w for w in spec.consumer_accounts if not any(same_account(a, w) for a in live.info.to)]
        if extra:
            accts = tuple(AccountName.parse(a) for a in extra)
            session.execute(AlterShareAccounts(name, "REMOVE", accts))
        if missing:
            session.execute(AlterShareAccounts(name, "ADD", tuple(AccountName.parse(a) for a in missing)))
        return Applied(spec.name, {**spec.model_dump(mode="json"), **_refs(live.info, name)})

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        name = Identifier.parse(id_, "id")
        live = find_share(session, name)
        if live is None:
            return None
        kept = {k: props[k] for k in (OWNER_KEY, ORIGIN_KEY, RECORDED_KEY) if k in props}  # a refresh keeps who made it
        if not props:  # `pulumi import`: it only reads, the next `up` writes the record (update_as)
            kept[RECORDED_KEY] = False
        return Applied(name.sql(), {**live_fields(live, name, props), **_refs(live.info, name), **kept})

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        """Drops a share this stack created; one it adopted, or another stack's record names, is released."""
        name = Identifier.parse(id_, "id")
        live = find_share(session, name)
        why = None if live is None else release_reason(props, live.info.comment)
        if live is not None and why is not None:
            if is_mine(props, live.info.comment):
                session.execute(clear_comment("SHARE", name))
            log_release(released("ModelShare", name.sql(), why))
            return
        session.execute(DropShare(name))


def _refs(info: ShareInfo, name: Identifier) -> dict[str, Any]:
    owner = (info.owner_account or "").upper() or None
    return {"owner_account": owner, "share_ref": f"{owner}.{name.sql()}" if owner else name.sql()}


def live_fields(live: LiveShare, name: Identifier, props: Mapping[str, Any]) -> dict[str, Any]:
    """The spec fields as Snowflake has them now, in the spec's normal form (drift shows as a diff)."""
    dbs = live.names(ObjectType.DATABASE)
    database = dbs[0] if len(dbs) == 1 else None
    schemas = [SchemaName.parse(s) for s in live.names(ObjectType.SCHEMA)]
    schema: str | None = None  # one schema grant inside the database, else a drift to repair
    if len(schemas) == 1 and database is not None and schemas[0].database.sql() == database:
        schema = schemas[0].schema.sql()

    def in_place(names: Iterable[str]) -> list[str]:
        """Names inside the shared schema as the spec writes them (bare), others fully qualified."""
        out = []
        for n in names:
            q = QualifiedName.parse(n)
            here = database is not None and schema is not None and q.schema_name.sql() == f"{database}.{schema}"
            out.append(q.name.sql() if here else q.sql())
        return sorted_unique(out)

    return {
        "name": name.sql(),
        "database": database,
        "schema": schema,
        "models": in_place(live.names(ObjectType.MODEL)),
        "functions": in_place(live.functions),
        "consumer_accounts": as_written(live.info.to, props.get("consumer_accounts") or []),
    }
