"""Brownfield export of model releases: a release endpoint this project wrote (a secure function whose
COMMENT names its serving version, sql/endpoint.py) and its versions NAME_V1, NAME_V2, ... become one
`releases:` entry that ModelRelease adopts: what the newest version was trained from (its job record),
the serving version pinned when it is not the newest (adoption must not repoint), `keep` no lower than
the versions found (adoption must not drop any), usage_roles = the roles with USAGE on the serving
version (the release grants them USAGE on the endpoint as well)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cortex_provider import catalogue
from cortex_provider.resources.finetune.core import ALL_STATUSES
from cortex_provider.resources.finetune.lookup import find_job
from cortex_provider.session import Session
from cortex_provider.sql.endpoint import (
    ShowUserFunctions,
    parse_user_functions,
    parse_version,
    version_label,
    version_name,
    version_of,
)
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName

DEFAULT_KEEP = 3
Roles = Callable[[QualifiedName], list[str]]


def release_endpoints(session: Session, where: SchemaName) -> dict[str, dict[str, Any]]:
    """{endpoint name: its release comment ({serving, model})} for the schema's release endpoints."""
    found = {}
    for f in parse_user_functions(session.execute(ShowUserFunctions(where))):
        if f.release is not None:
            found[f.name] = f.release
    return found


def owner_of(endpoints: dict[str, dict[str, Any]], where: SchemaName, model_name: str) -> tuple[str, int] | None:
    """(endpoint, version number) when `model_name` is a version of one of the endpoints."""
    for name in endpoints:
        number = version_of(QualifiedName(Identifier.of(name), where.schema, where.database), model_name)
        if number is not None:
            return name, number
    return None


def release_entry(session: Session, where: SchemaName, name: str, release: dict[str, Any], numbers: list[int],
                  roles: Roles, notes: list[str]) -> dict[str, Any]:
    endpoint = QualifiedName(Identifier.of(name), where.schema, where.database)
    entry: dict[str, Any] = {"name": Identifier.of(name).sql()}
    if not numbers:
        notes.append(f"releases.{name}: the endpoint has no versions left in this schema; declare it by hand")
        return entry
    newest = max(numbers)
    job = find_job(session, version_name(endpoint, newest), None, None, None, None, ALL_STATUSES)
    if job is None or not job.training_data:
        notes.append(f"releases.{name}: the job record of {version_label(newest)} was purged; the values below "
                     "are placeholders and the version is adopted as is (changing them trains the next version)")
        entry.update(base_model=catalogue.CURRENT[0], training_query="SELECT NULL AS prompt, NULL AS completion",
                     options={})
    else:
        opts = job.extra.get("options")
        entry.update(base_model=job.base_model, training_query=job.training_data,
                     options=dict(opts) if isinstance(opts, dict) else {})
        if job.validation_data:
            entry["validation_query"] = job.validation_data
    serving = str(release.get("serving") or version_label(newest))
    if parse_version(serving) != newest:
        entry["serving"] = serving  # adoption keeps the version in service; remove the pin to serve the newest
        notes.append(f"releases.{name}: {serving} serves, not the newest {version_label(newest)}: pinned")
    entry["keep"] = max(DEFAULT_KEEP, len(numbers))
    usage = roles(version_name(endpoint, parse_version(serving)))
    if usage:
        entry["usage_roles"] = usage
    entry["adopt"] = True  # a declared adoption (resources/release/owner.py): released, never dropped
    return entry
