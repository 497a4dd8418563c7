"""Brownfield export: read an existing account's Cortex objects in one schema and write the
`cortex:spec` stack file that the next `pulumi up` adopts with zero changes and zero new jobs.

    python -m cortex_provider.export --connection NAME --database DB --schema S [--stack NAME] [--out FILE]

Read (all read-only): SHOW MODELS; FINETUNE('SHOW') + FINETUNE('DESCRIBE') for each model's job (base
model, training/validation query, options exactly as submitted, so FineTunedModel adopts the model
instead of training); SHOW USER FUNCTIONS for release endpoints (their versions become a `releases:`
entry, export/releases.py); SHOW GRANTS OF DATABASE ROLE SNOWFLAKE.CORTEX_USER, ON SCHEMA, ON MODEL; SHOW VIEWS.
What cannot be recovered is written as a YAML comment that says so: a model whose job record was purged
keeps a placeholder training query and is adopted as is (its existence is the truth). Every model is
written with `adopt: true` (a declared adoption: `up` takes it over and later releases it, never drops it;
one another stack's record names is noted, and `up` refuses it); views, shares and
replication groups are listed, not declared (declare them by hand once their bodies are reviewed).
"""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]

from cortex_provider import catalogue
from cortex_provider.export.releases import owner_of, release_endpoints, release_entry
from cortex_provider.resources.finetune.core import ALL_STATUSES
from cortex_provider.resources.finetune.lookup import find_job
from cortex_provider.resources.ownership import parse_record
from cortex_provider.session import Session
from cortex_provider.sql.finetune import ShowModels
from cortex_provider.sql.grants import CORTEX_USER, GrantTarget, ShowGrants
from cortex_provider.sql.identifiers import Identifier, SchemaName
from cortex_provider.sql.parse_show import parse_grants, parse_models, parse_views
from cortex_provider.sql.views import ShowViews

PLACEHOLDER_QUERY = "SELECT NULL AS prompt, NULL AS completion"
BUILTIN_ROLES = frozenset({"ACCOUNTADMIN", "SYSADMIN", "SECURITYADMIN", "USERADMIN", "ORGADMIN"})


def _roles(rows: list[Any], privilege: str) -> list[str]:
    out = {Identifier.of(g.grantee_name).sql() for g in rows
           if g.privilege.upper() == privilege and g.granted_to.upper() == "ROLE"
           and g.grantee_name.upper() not in BUILTIN_ROLES}
    return sorted(out)


def export_spec(session: Session, database: str, schema: str) -> tuple[dict[str, Any], list[str]]:
    """(the `cortex:spec` mapping, comments about what could not be recovered)."""
    where = SchemaName(Identifier.parse(database, "database"), Identifier.parse(schema, "schema"))
    notes: list[str] = []
    cortex_users = [g.grantee_name for g in parse_grants(session.execute(ShowGrants(of_database_role=CORTEX_USER)))
                    if g.granted_to.upper() == "ROLE" and g.grantee_name.upper() not in BUILTIN_ROLES]
    creators = _roles(parse_grants(session.execute(ShowGrants(on=GrantTarget.schema(where)))), "CREATE MODEL")
    endpoints = release_endpoints(session, where)
    versions: dict[str, list[int]] = {name: [] for name in endpoints}
    models = []
    for info in parse_models(session.execute(ShowModels(schema=where))):
        qn = info.qualified
        version = owner_of(endpoints, where, info.name)
        if version is not None:  # a version of a release: exported under `releases`
            versions[version[0]].append(version[1])
            continue
        entry: dict[str, Any] = {"name": Identifier.of(info.name).sql()}
        owner = parse_record(info.comment)
        if owner is not None:
            notes.append(f"models.{info.name}: managed by {owner.describe()}; `up` here refuses it while that "
                         "stack holds it (let that stack go of it first)")
        job = find_job(session, qn, None, None, None, None, ALL_STATUSES)
        if job is None or not job.training_data:
            notes.append(f"models.{info.name}: its fine-tuning job record was purged, so base model, training "
                         "query and options cannot be recovered; it is adopted as is (no retrain) — the values "
                         "below are placeholders, do not change them unless you mean to retrain")
            entry.update(base_model=catalogue.CURRENT[0], training_query=PLACEHOLDER_QUERY, options={})
        else:
            opts = job.extra.get("options")
            if not isinstance(opts, dict):
                notes.append(f"models.{info.name}: DESCRIBE does not return the job's options (max_epochs), so "
                             "`options: {}` is written and the model is adopted as is; changing options retrains")
            entry.update(base_model=job.base_model, training_query=job.training_data,
                         options=dict(opts) if isinstance(opts, dict) else {})
            if job.validation_data:
                entry["validation_query"] = job.validation_data
        usage = _roles(parse_grants(session.execute(ShowGrants(on=GrantTarget.model(qn)))), "USAGE")
        if usage:
            entry["usage_roles"] = usage
        entry["adopt"] = True  # a declared adoption (resources/ownership.py): released, never dropped
        models.append(entry)
    views = [v.name for v in parse_views(session.execute(ShowViews(where)))]
    if views:
        notes.append(f"views not declared (review their bodies, then add them under training_views): "
                     f"{', '.join(views)}")
    spec: dict[str, Any] = {"database": where.database.sql(), "schema": where.schema.sql(),
                            "access": {"cortex_users": sorted(set(cortex_users)), "model_creators": creators},
                            "models": models}
    if endpoints:
        def roles(model: Any) -> list[str]:
            return _roles(parse_grants(session.execute(ShowGrants(on=GrantTarget.model(model)))), "USAGE")

        spec["releases"] = [release_entry(session, where, name, rel, versions[name], roles, notes)
                            for name, rel in sorted(endpoints.items())]
    return spec, notes


def render(spec: dict[str, Any], notes: list[str], source: str) -> str:
    """The stack file text: comments first, then `config: cortex:spec: ...`."""
    head = [f"# Exported by `python -m cortex_provider.export` from {source}.",
            "# The next `pulumi up` adopts these objects: expect no changes and no FINETUNE CREATE."]
    head += [f"# NOTE: {n}" for n in notes]
    body: str = yaml.safe_dump({"config": {"cortex:spec": spec}}, sort_keys=False, allow_unicode=True, width=1000)
    return "\n".join(head) + "\n" + body
