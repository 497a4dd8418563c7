"""The reconcile-core contract every resource kind implements, independent of Pulumi.

A core turns a validated spec into Snowflake statements through a Session. Outputs always carry the
normalised spec fields, so `diff` compares what was applied (old outputs) with what is wanted.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from cortex_provider.resources.ownership import Claim
from cortex_provider.session import Session

SpecT = TypeVar("SpecT", bound=BaseModel)


@dataclass(frozen=True)
class Failure:
    """A check failure: the input property at fault and how to fix it."""

    property: str
    reason: str


@dataclass(frozen=True)
class Checked:
    inputs: dict[str, Any]
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class Diff:
    changed: list[str]
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False

    @property
    def has_changes(self) -> bool:
        return bool(self.changed)


@dataclass(frozen=True)
class Applied:
    """Result of create/read/update: the object's id and its full outputs."""

    id: str
    outputs: dict[str, Any]


class SpecError(ValueError):
    """Input rejected before any SQL is sent; the message names the field and the fix."""

    def __init__(self, kind: str, failures: list[Failure]) -> None:
        self.failures = failures
        lines = "; ".join(f"{f.property}: {f.reason}" for f in failures)
        super().__init__(f"{kind}: invalid input — {lines}")


def wire_form(value: Any) -> Any:
    """A value as Pulumi hands it back from state: the SDK's deserializer drops mapping keys whose value
    is None, and numbers travel as doubles. Comparing wire forms keeps an unset option written as a
    missing key, `null` or a None default (e.g. `options: {}` vs `{'max_epochs': None}`) from being a
    change, so check -> state -> diff of the same inputs is empty."""
    if isinstance(value, Mapping):
        return {k: wire_form(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [wire_form(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def same(old: Any, new: Any) -> bool:
    """Equal as stored: see wire_form."""
    return bool(wire_form(old) == wire_form(new))


def stored(spec: type[BaseModel], olds: Mapping[str, Any], field: str, new: Any, *, absent_is_null: bool) -> Any:
    """What state holds for `field` of `spec`: its value; else, where `absent_is_null` (the whole spec was
    written, so a missing key is a null wire_form dropped), the field's default; else, or for a required
    field, `new` (unknown: no change)."""
    if field in olds:
        return olds[field]
    info = spec.model_fields[field]
    if not absent_is_null or info.is_required():
        return new
    value = info.get_default(call_default_factory=True)
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def failures_from(error: ValidationError) -> list[Failure]:
    """Flatten pydantic errors into (property, reason) pairs with dotted property paths."""
    out = []
    for err in error.errors():
        prop = ".".join(str(part) for part in err["loc"]) or "(input)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        out.append(Failure(prop, msg))
    return out


class ResourceCore(abc.ABC, Generic[SpecT]):
    """check/diff are pure; create/read/update/delete talk to Snowflake through the Session."""

    kind: ClassVar[str]
    spec_type: ClassVar[type[BaseModel]]
    # Spec fields whose change Snowflake cannot apply in place.
    replace_on: ClassVar[frozenset[str]] = frozenset()
    # Spec fields that only steer the provider (no Snowflake call when they change).
    provider_only: ClassVar[frozenset[str]] = frozenset()

    def spec_fields(self) -> list[str]:
        """Property names of the spec (a field's alias when it has one, e.g. `schema` for `schema_`)."""
        return [f.alias or name for name, f in self.spec_type.model_fields.items()]

    def parse(self, props: Mapping[str, Any]) -> SpecT:
        """Validate props into the spec; raises SpecError naming every bad field."""
        data = {k: props[k] for k in self.spec_fields() if k in props and props[k] is not None}
        try:
            return self.spec_type.model_validate(data)  # type: ignore[return-value]
        except ValidationError as exc:
            raise SpecError(self.kind, failures_from(exc)) from None

    def check(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Checked:
        try:
            spec = self.parse(news)
        except SpecError as exc:
            return Checked(dict(news), exc.failures)
        extra = self.validate(spec)
        return Checked(spec.model_dump(mode="json", by_alias=True), extra)

    def validate(self, spec: SpecT) -> list[Failure]:
        """Cross-field checks beyond the pydantic model; pure (no SQL)."""
        return []

    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        new = self.parse(news).model_dump(mode="json", by_alias=True)
        changed = [k for k in self.spec_fields() if not same(olds.get(k), new.get(k))]
        return Diff(changed=changed, replaces=[k for k in changed if k in self.replace_on])

    @abc.abstractmethod
    def create(self, session: Session, spec: SpecT) -> Applied: ...

    def create_as(self, session: Session, spec: SpecT, claim: Claim) -> Applied:
        """create with the program's ownership claim (resources/ownership.py); kinds that keep a record
        in Snowflake override it, the others ignore the claim."""
        return self.create(session, spec)

    @abc.abstractmethod
    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        """The live object, or None when it no longer exists (Pulumi then drops it from state)."""

    def update(self, session: Session, id_: str, olds: Mapping[str, Any], spec: SpecT) -> dict[str, Any]:
        """In-place update; by default only provider-only fields change, so nothing is sent."""
        return {**dict(olds), **spec.model_dump(mode="json", by_alias=True)}

    def update_as(self, session: Session, id_: str, olds: Mapping[str, Any], spec: SpecT, claim: Claim
                  ) -> dict[str, Any]:
        """update with the ownership claim, for kinds whose update rewrites the record."""
        return self.update(session, id_, olds, spec)

    @abc.abstractmethod
    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None: ...
