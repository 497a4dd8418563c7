"""Who owns a Snowflake object: the record kept in its COMMENT, and the rules create and delete follow.

Snowflake keeps the record with the object, so another stack, an export or a new machine reads it:

    managed by cortex-provider: {"project":"cortex","stack":"local","resource":"model-support-extractor"}

- create: an existing object is taken only when it is provably this resource's own (its record names
  this project, stack and resource: crash recovery; kinds may add their own proof, e.g. a model's job
  started from the same spec) or when the user declared the adoption (`adopt: true`, `pulumi import`,
  what the export tool writes). A record naming anything else is refused, even with `adopt: true`: two
  stacks never manage one object. No record and no declaration is refused too, with the fix.
- this stack writes its record on what it creates or takes over; outputs say `origin`: created/adopted.
- delete: an object this stack adopted, or whose record now names another owner, is released (this
  stack's record cleared, nothing dropped) and the log says so; what it created follows the kind's rule.
A comment that is not a record (a user's note) means unowned. The program passes `owner` and `adopt`
as inputs that are not spec fields: they never diff, so a stack created before records existed
upgrades with no change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cortex_provider.errors import CortexProviderError

RECORD_PREFIX = "managed by cortex-provider: "
OWNER_KEY = "owner"  # input and output: {"project", "stack", "resource"}
ADOPT_KEY = "adopt"  # input: the user declared the adoption
RECORDED_KEY = "recorded"  # output: the object carries this resource's record (false: the next up writes it)
ORIGIN_KEY = "origin"  # output: CREATED or ADOPTED
CLAIM_KEYS = frozenset({OWNER_KEY, ADOPT_KEY})
CREATED, ADOPTED = "created", "adopted"
_FIELDS = ("project", "stack", "resource")


class OwnershipError(CortexProviderError):
    """An existing object this resource may not take: the message names its owner and the fix."""


@dataclass(frozen=True)
class Owner:
    project: str
    stack: str
    resource: str

    def record(self) -> str:
        """The COMMENT text this owner writes."""
        return RECORD_PREFIX + json.dumps(self.as_input(), separators=(",", ":"))

    def as_input(self) -> dict[str, str]:
        return {"project": self.project, "stack": self.stack, "resource": self.resource}

    def describe(self) -> str:
        return f"stack {self.stack!r} of project {self.project!r} (resource {self.resource!r})"

    @classmethod
    def from_input(cls, value: Any) -> Owner | None:
        """The `owner` input or output, or None when absent or malformed (state from older code)."""
        if not isinstance(value, Mapping) or not all(isinstance(value.get(k), str) and value.get(k)
                                                     for k in _FIELDS):
            return None
        return cls(*(str(value[k]) for k in _FIELDS))


def parse_record(comment: str | None) -> Owner | None:
    """The owner a COMMENT names; None for no comment or any text that is not a record."""
    if not comment or not comment.startswith(RECORD_PREFIX):
        return None
    try:
        data = json.loads(comment[len(RECORD_PREFIX):])
    except ValueError:
        return None
    return Owner.from_input(data)


@dataclass(frozen=True)
class Claim:
    """What a create knows about its right to an existing object: who asks, and whether the user
    declared the adoption."""

    owner: Owner | None = None
    adopt: bool = False

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> Claim:
        return cls(Owner.from_input(props.get(OWNER_KEY)), props.get(ADOPT_KEY) is True)

    def record(self) -> str | None:
        return None if self.owner is None else self.owner.record()

    def outputs(self, origin: str) -> dict[str, Any]:
        """The ownership outputs of a created or adopted object."""
        return {OWNER_KEY: None if self.owner is None else self.owner.as_input(), ORIGIN_KEY: origin}


def take_existing(kind: str, name: str, comment: str | None, claim: Claim, provably_ours: bool = False) -> str:
    """CREATED (this resource's own: carry on as its creator) or ADOPTED (declared); else raises."""
    record = parse_record(comment)
    if record is not None:
        if claim.owner is not None and record == claim.owner:
            return CREATED
        raise OwnershipError(
            f"{kind} {name} is managed by {record.describe()}: this stack neither adopts nor changes it "
            "(nothing was created or changed). Fix: give it another name here, or let that stack go of it "
            "first (remove it there, or `pulumi destroy` that stack: a kept object is then released) and "
            "declare `adopt: true` here."
        )
    if claim.adopt:  # declared first: a declared adoption is released, never dropped
        return ADOPTED
    if provably_ours:
        return CREATED
    raise OwnershipError(
        f"{kind} {name} already exists and no stack's record names it, so this stack does not take it over "
        "silently (nothing was created or changed). Fix: declare `adopt: true` on it to take it over (an "
        "adopted object is released, never dropped, when this stack lets it go), or give it another name."
    )


def origin_of(props: Mapping[str, Any], legacy_adopted: bool = False) -> str:
    """CREATED or ADOPTED from state; state from before records existed says so only through the
    kind's own hint (`legacy_adopted`)."""
    origin = props.get(ORIGIN_KEY)
    if origin in (CREATED, ADOPTED):
        return str(origin)
    return ADOPTED if legacy_adopted else CREATED


def release_reason(props: Mapping[str, Any], comment: str | None, legacy_adopted: bool = False) -> str | None:
    """Why delete must release instead of drop, or None when this stack created the object and may drop it."""
    record = parse_record(comment)
    mine = Owner.from_input(props.get(OWNER_KEY))
    if record is not None and record != mine:
        return f"its COMMENT names {record.describe()} as its owner"
    if origin_of(props, legacy_adopted) == ADOPTED:
        return "this stack adopted it and did not create it"
    return None


def is_mine(props: Mapping[str, Any], comment: str | None) -> bool:
    """The live record names this resource (so releasing it clears the record)."""
    mine = Owner.from_input(props.get(OWNER_KEY))
    return mine is not None and parse_record(comment) == mine


def released(kind: str, name: str, why: str) -> str:
    return (f"{kind} {name}: released, not dropped ({why}); this stack no longer manages it and "
            "left it as it is.")


def left_in_place(kind: str, name: str, held: list[str]) -> str:
    """A grant's delete: the privileges the role held before this stack granted them stay."""
    return (f"{kind} {name}: released, not revoked ({', '.join(held)}: held before this stack granted "
            "it); this stack no longer manages it and left it as it is.")


def log_release(message: str) -> None:
    """What delete released, in the Pulumi log (objects and privileges this stack did not create)."""
    import pulumi  # lazily: the cores run without an engine in unit tests

    pulumi.log.info(message)
