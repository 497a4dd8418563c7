"""The ModelReplication spec: the group, its databases and the target accounts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cortex_provider.resources.names import account, ident, same_account, sorted_unique
from cortex_provider.sql.identifiers import Identifier
from cortex_provider.sql.replication import check_schedule


class ReplicationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group: str
    databases: list[str] = Field(min_length=1)
    target_accounts: list[str] = Field(min_length=1)
    schedule: str | None = None
    refresh_token: str | None = None
    target_connections: dict[str, str] = Field(default_factory=dict)

    @field_validator("group")
    @classmethod
    def _group(cls, v: str) -> str:
        return ident(v, "group")

    @field_validator("databases")
    @classmethod
    def _dbs(cls, v: list[str]) -> list[str]:
        return sorted_unique(ident(d, f"databases[{i}]") for i, d in enumerate(v))

    @field_validator("target_accounts")
    @classmethod
    def _targets(cls, v: list[str]) -> list[str]:
        return sorted_unique(account(a, f"target_accounts[{i}]") for i, a in enumerate(v))

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, v: str | None) -> str | None:
        return None if v is None else check_schedule(v, "schedule")

    @field_validator("refresh_token", mode="before")
    @classmethod
    def _token(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _connections_name_targets(self) -> ReplicationSpec:
        conns = {}
        for key, name in self.target_connections.items():
            match = next((t for t in self.target_accounts if same_account(t, key)), None)
            if match is None:
                raise ValueError(f"target_connections: {key!r} is not one of target_accounts. Fix: key it by a "
                                 "target account, or add that account to target_accounts")
            conns[match] = name
        self.target_connections = conns
        return self

    @property
    def identifier(self) -> Identifier:
        return Identifier.parse(self.group)

    def database_ids(self) -> tuple[Identifier, ...]:
        return tuple(Identifier.parse(d) for d in self.databases)
