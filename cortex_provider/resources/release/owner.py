"""A release's ownership (resources/ownership.py): each version model carries the release resource's
record in its COMMENT (written by FineTunedModelCore when it trains or takes a version over).

- create: existing versions are taken only when every record names this resource (crash recovery),
  when the newest one was trained from this spec with no record yet (its job says so), or when the
  user declared `adopt: true`; a version another stack's record names refuses the release, naming it.
- delete and retention never drop a version this stack adopted, nor one whose record names another
  owner: they are released (this resource's record cleared) and the log says so. The endpoint of an
  adopted release is left in place too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from cortex_provider.resources.finetune.owner import release as release_model
from cortex_provider.resources.finetune.owner import write_record
from cortex_provider.resources.ownership import (
    ADOPTED,
    CREATED,
    ORIGIN_KEY,
    Claim,
    origin_of,
    parse_record,
    release_reason,
    released,
    take_existing,
)
from cortex_provider.session import Session
from cortex_provider.sql.endpoint import CreateEndpoint, DropEndpoint, ShowUserFunctions, parse_user_functions
from cortex_provider.sql.finetune import DropModel, ShowModels
from cortex_provider.sql.identifiers import QualifiedName, SchemaName
from cortex_provider.sql.parse_show import ModelInfo, parse_models

KIND = "ModelRelease"


def existing_origin(name: str, infos: list[ModelInfo], claim: Claim, newest_is_spec: bool) -> str:
    """CREATED or ADOPTED for the versions that exist (`infos`, oldest first); raises OwnershipError."""
    if not infos:
        return CREATED
    for info in infos:  # another owner's record refuses the release, even with adopt
        if parse_record(info.comment) is not None:
            take_existing(KIND, f"{name} (version {info.name})", info.comment, Claim(claim.owner))
    if all(parse_record(i.comment) is not None for i in infos):
        return CREATED  # every record names this resource: crash recovery
    newest = infos[-1]
    return take_existing(KIND, f"{name} (version {newest.name})", newest.comment, claim,
                         provably_ours=newest_is_spec)


def record_versions(session: Session, versions: list[dict[str, Any]], infos: list[ModelInfo], claim: Claim) -> None:
    """Write this resource's record on the versions it takes over (unless already there)."""
    comments = {i.name: i.comment for i in infos}
    for v in versions:
        model = QualifiedName.parse(v["model"]).full("model")
        write_record(session, model, claim, comments.get(model.name.name))


def live_comments(session: Session, schema: SchemaName) -> dict[str, str | None]:
    return {m.name: m.comment for m in parse_models(session.execute(ShowModels(schema=schema)))}


def may_drop(props: Mapping[str, Any], version: Mapping[str, Any], comment: str | None) -> str | None:
    """None when this stack created the version and may drop it; else why it is released instead."""
    owner = {**props, ORIGIN_KEY: version.get(ORIGIN_KEY) or props.get(ORIGIN_KEY)}
    return release_reason(owner, comment)


def let_go(session: Session, props: Mapping[str, Any], version: Mapping[str, Any], comment: str | None) -> None:
    release_model(session, QualifiedName.parse(str(version["model"])).full("model"), props, comment)


def clear_endpoint_record(session: Session, endpoint: QualifiedName) -> None:
    """Released, the endpoint keeps serving what it serves, without this stack's record in its COMMENT
    (CREATE OR REPLACE ... COPY GRANTS: callers keep their access)."""
    for f in parse_user_functions(session.execute(ShowUserFunctions(endpoint.schema_name, endpoint.name))):
        if f.name == endpoint.name.name and f.release is not None and f.release.get("owner") is not None:
            model = QualifiedName.parse(str(f.release["model"])).full("model")
            session.execute(CreateEndpoint(endpoint, model, str(f.release["serving"])))


def tear_down(session: Session, endpoint: QualifiedName, props: Mapping[str, Any], log: Callable[[str], None]
              ) -> None:
    """Delete: drop the endpoint and (retain_on_delete false) the versions this stack created; release the rest."""
    if origin_of(props) == ADOPTED:
        clear_endpoint_record(session, endpoint)
        log(released(KIND, endpoint.sql(), "this stack adopted the release and did not create it"))
    else:
        session.execute(DropEndpoint(endpoint))
        log(f"{endpoint.sql()}: endpoint dropped")
    comments = live_comments(session, endpoint.schema_name)
    keep = props.get("retain_on_delete", True) is not False
    for v in props.get("versions") or []:
        comment = comments.get(QualifiedName.parse(v["model"]).full().name.name)
        why = may_drop(props, v, comment)
        if keep or why is not None:
            let_go(session, props, v, comment)
            if why is not None:
                log(released(KIND, v["model"], why))
            continue
        session.execute(DropModel(QualifiedName.parse(v["model"]).full()))
    if keep:
        log(f"{endpoint.sql()}: versions retained (retain_on_delete is true): "
            f"{', '.join(v['model'] for v in props.get('versions') or [])}")
