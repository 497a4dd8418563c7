"""A consumer stack's `shared_models` section: mount another stack's share in this account and let
declared roles use the models in it.

    shared_models:
      - database: SUPPORT_SHARED        # the database created here FROM SHARE
        stack: primary                  # the provider stack (StackReference) ...
        share: SUPPORT_MODELS           # ... and its `shares[].name`: share_ref = its `share:<NAME>` output
        roles: [ANALYST]                # GRANT IMPORTED PRIVILEGES ON DATABASE ... TO ROLE
      - database: OTHER_SHARED
        share_ref: MYORG.TEAM_B.MODELS  # or the share written out, for a provider outside Pulumi

A role calling COMPLETE on the mounted models also needs SNOWFLAKE.CORTEX_USER: list it under
`access.cortex_users` (those grants are made before the mounts). Outputs: `shared:<DATABASE>` =
{database, share_ref, status, models, roles}.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cortex_provider.errors import InvalidInput
from cortex_provider.program.registered import slug
from cortex_provider.pulumi.shared_models import SharedModels
from cortex_provider.sql.consumer import ShareRef
from cortex_provider.sql.identifiers import Identifier


class MountError(ValueError):
    """The provider stack does not export the share a `shared_models` entry names; the text says the fix."""


class SharedModelsEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    database: str = Field(description="the database to create here FROM SHARE")
    stack: str | None = Field(None, description="the provider stack, read through a StackReference")
    share: str | None = Field(None, description="a name under the provider stack's `shares`")
    share_ref: str | None = Field(None, description="ORG.ACCOUNT.SHARE, instead of stack + share")
    roles: list[str] = Field(default_factory=list, description="roles granted IMPORTED PRIVILEGES")
    adopt: bool = Field(False, description="take over an existing mount of this share no stack's record names")

    @field_validator("database", "share")
    @classmethod
    def _ident(cls, v: str | None) -> str | None:
        return None if v is None else _checked(lambda: Identifier.parse(v).sql())

    @field_validator("share_ref")
    @classmethod
    def _ref(cls, v: str | None) -> str | None:
        return None if v is None else _checked(lambda: ShareRef.parse(v).sql())

    @field_validator("roles")
    @classmethod
    def _roles(cls, v: list[str]) -> list[str]:
        names = [_checked(partial(_ident_sql, r)) for r in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate roles {dupes}; list each once")
        return names

    @model_validator(mode="after")
    def _one_source(self) -> SharedModelsEntry:
        by_stack = self.stack is not None or self.share is not None
        if by_stack == (self.share_ref is not None):
            raise ValueError("give either `stack` + `share` (the provider stack's share) or `share_ref`, not both")
        if by_stack and (self.stack is None or self.share is None):
            raise ValueError("`stack` and `share` go together: name the provider stack and its share")
        return self


def _checked(render: Callable[[], str]) -> str:
    try:
        return render()
    except InvalidInput as exc:
        raise ValueError(f"{exc.problem}. Fix: {exc.fix}") from None


def _ident_sql(text: str) -> str:
    return Identifier.parse(text).sql()


def _ref_of(outputs: Mapping[str, Any] | None, stack: str, share: str) -> str:
    return share_ref_from(outputs or {}, stack, share)


def unique_databases(entries: list[SharedModelsEntry]) -> list[SharedModelsEntry]:
    names = [e.database for e in entries]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"databases {dupes} are mounted twice; give each mount its own database")
    return entries


def share_ref_from(outputs: Mapping[str, Any], stack: str, share: str) -> str:
    """The provider stack's `share:<share>` output, or a MountError naming what it does export."""
    ref = outputs.get(f"share:{share}")
    if not isinstance(ref, str) or not ref:
        known = sorted(k.removeprefix("share:") for k in outputs if k.startswith("share:"))
        raise MountError(
            f"cortex:spec.shared_models: stack {stack!r} exports no share {share!r} (it exports: "
            f"{', '.join(known) or 'none'}). Fix: run `up` for {stack!r} first, or fix `share`"
        )
    return ref


def build_mounts(
    entries: Sequence[SharedModelsEntry], after: Sequence[pulumi.Resource]
) -> dict[str, SharedModels]:
    """One SharedModels per entry (after `after`: the roles' CORTEX_USER grants), keyed by database."""
    refs: dict[str, pulumi.StackReference] = {}
    mounts: dict[str, SharedModels] = {}
    for e in entries:
        share_ref: Any = e.share_ref
        if share_ref is None:
            assert e.stack is not None and e.share is not None  # _one_source
            if e.stack not in refs:  # its own name: `consume` may reference the same stack
                refs[e.stack] = pulumi.StackReference(f"shared-models-{slug(e.stack)}", stack_name=e.stack)
            share_ref = refs[e.stack].outputs.apply(partial(_ref_of, stack=e.stack, share=e.share))
        mounts[e.database] = SharedModels(
            f"shared-models-{slug(e.database)}", database=e.database, share_ref=share_ref, roles=e.roles,
            adopt=e.adopt,
            opts=pulumi.ResourceOptions(depends_on=list(after)),
        )
    return mounts


def export_mounts(mounts: Mapping[str, SharedModels]) -> None:
    for database, m in mounts.items():
        pulumi.export(f"shared:{database}", pulumi.Output.all(
            m.database, m.share_ref, m.status, m.models, m.roles,
        ).apply(lambda v: {"database": v[0], "share_ref": v[1], "status": v[2], "models": v[3], "roles": v[4]}))
