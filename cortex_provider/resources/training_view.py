"""TrainingView: a view yielding the `prompt` and `completion` text columns FINETUNE reads.

Give `query`, or `source` + `prompt_expr` + `completion_expr` [+ `where`]. Create/update first
probe the query's LIVE result shape (`SELECT * FROM (<query>) LIMIT 0`, cursor.description) and
run the pre-flight (one aggregate query; hard limits of `base_model` fail the step), and only
then send CREATE OR REPLACE VIEW, so a violation leaves nothing behind. The pre-flight needs SQL,
so `check` never runs it (it stays pure); `preview` shows the planned change only.

Drift: outputs keep `ddl_hash`, the hash of the view text SHOW VIEWS printed right after our own
CREATE. A refresh that finds other text (the view was redefined by hand) puts the live query in
`query_text`, and `diff` then plans an update (CREATE OR REPLACE with the declared query). Name,
database or schema changes replace the view; `base_model`/`epochs` changes only re-run the
pre-flight (no DDL). Id: `DB.SCHEMA.VIEW`.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from typing import Any

from cortex_provider.errors import CortexProviderError, InvalidInput
from cortex_provider.resources import grant_cache as cache
from cortex_provider.resources.base import Applied, Diff, Failure, ResourceCore, same
from cortex_provider.resources.ownership import (
    ADOPTED,
    CREATED,
    ORIGIN_KEY,
    OWNER_KEY,
    RECORDED_KEY,
    Claim,
    Owner,
    is_mine,
    log_release,
    origin_of,
    parse_record,
    release_reason,
    released,
    take_existing,
)
from cortex_provider.resources.preflight import PreflightReport, preflight
from cortex_provider.resources.training_view_spec import TrainingViewSpec, training_query_for
from cortex_provider.session import Session
from cortex_provider.sql.identifiers import QualifiedName, SchemaName
from cortex_provider.sql.ownership import SetComment, clear_comment
from cortex_provider.sql.parse_show import ViewInfo
from cortex_provider.sql.statement import UserQuery
from cortex_provider.sql.views import CreateView, DropView, ShapeProbe, view_query_from_text

TEXT_TYPE_CODE = 2  # snowflake.connector.constants.FIELD_ID_TO_NAME[2] == "TEXT"
REQUIRED_COLUMNS = ("PROMPT", "COMPLETION")


class TrainingViewError(CortexProviderError, ValueError):
    """The query does not yield what FINETUNE needs; the message says how to fix it."""


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class TrainingViewCore(ResourceCore[TrainingViewSpec]):
    kind = "TrainingView"
    spec_type = TrainingViewSpec
    replace_on = frozenset({"database", "schema", "name"})
    provider_only = frozenset({"base_model", "epochs"})

    def __init__(self) -> None:
        # (view, query text) whose shape probe passed in this process's check: the create or update of
        # the same `up` that follows does not send it again (one probe per view, not two)
        self._checked: set[tuple[str, str]] = set()
        self._checked_lock = threading.Lock()

    def validate(self, spec: TrainingViewSpec) -> list[Failure]:
        parts = {
            "source": spec.source, "prompt_expr": spec.prompt_expr, "completion_expr": spec.completion_expr
        }
        given = [k for k, v in parts.items() if v is not None]
        if spec.query is not None and (given or spec.where):
            return [Failure("query", "give either `query` or `source` + `prompt_expr` + `completion_expr`, "
                                     "not both")]
        if spec.query is None and len(given) < 3:
            missing = [k for k in parts if k not in given]
            return [Failure(missing[0], f"missing {', '.join(missing)}. Fix: give `query`, or all of "
                                        "`source`, `prompt_expr` and `completion_expr`")]
        try:
            spec.effective_query()
        except InvalidInput as exc:
            return [Failure(exc.field, f"{exc.problem}. Fix: {exc.fix}")]
        return []

    # -- pure ------------------------------------------------------------------------------------
    def diff(self, id_: str, olds: Mapping[str, Any], news: Mapping[str, Any]) -> Diff:
        base = super().diff(id_, olds, news)
        wanted = self.parse(news).effective_query().text
        changed = list(base.changed)
        if olds.get("query_text") != wanted and "query" not in changed:
            changed.append("query")
        if olds.get(RECORDED_KEY) is False:  # imported: this `up` writes the record (update_as)
            changed.append(OWNER_KEY)
        return Diff(changed, base.replaces)

    # -- Snowflake -------------------------------------------------------------------------------
    def probe(self, session: Session, query: UserQuery, fqn: QualifiedName) -> list[str]:
        """Check the live result shape; returns the column names. Sends no DDL."""
        columns = session.describe(ShapeProbe(query))
        by_name = {c.name.upper(): c for c in columns}
        names = [c.name for c in columns]
        missing = [c.lower() for c in REQUIRED_COLUMNS if c not in by_name]
        if missing:
            raise TrainingViewError(
                f"TrainingView {fqn.sql()}: the query yields columns {names}, "
                f"without {' and '.join(missing)}; "
                "FINETUNE reads text columns named prompt and completion. Fix: alias them, e.g. "
                "SELECT note AS prompt, label AS completion FROM ..."
            )
        for col in REQUIRED_COLUMNS:
            code = by_name[col].type_code
            if code is not None and code != TEXT_TYPE_CODE:
                # Imported here: the connector is loaded by the first query, and a provider process that
                # sends none (a no-op preview) should not pay ~0.6 s to import it.
                from snowflake.connector.constants import FIELD_ID_TO_NAME

                raise TrainingViewError(
                    f"TrainingView {fqn.sql()}: column {col.lower()} is {FIELD_ID_TO_NAME[code] or code}, "
                    f"not text. Fix: cast it, e.g. TO_VARCHAR(<expr>) AS {col.lower()}"
                )
        return names

    def probe_for_check(self, session: Session, query: UserQuery, fqn: QualifiedName) -> None:
        """The check's probe (training_view_probe.py); its pass is spent by the next apply of this view
        and query in this process, so an `up` probes each view once. Preview probes all the same."""
        self.probe(session, query, fqn)
        with self._checked_lock:
            self._checked.add((fqn.sql(), query.text))

    def _checked_already(self, query: UserQuery, fqn: QualifiedName) -> bool:
        with self._checked_lock:
            key = (fqn.sql(), query.text)
            found = key in self._checked
            self._checked.discard(key)
            return found

    def _apply(
        self, session: Session, spec: TrainingViewSpec, send_ddl: bool, old_hash: str | None,
        record: str | None = None,
    ) -> dict[str, Any]:
        fqn, query = spec.fqn, spec.effective_query()
        report: PreflightReport | None = None
        ddl_hash = old_hash
        if send_ddl and not self._checked_already(query, fqn):
            self.probe(session, query, fqn)
        report = preflight(session, query, spec.base_model, spec.epochs)
        report.raise_for_errors(f"TrainingView {fqn.sql()}")
        if send_ddl:
            cache.write(session, CreateView(fqn, query, comment=record), cache.views_scope(fqn.schema_name))
            ddl_hash = self._live_hash(session, fqn)
        return self._outputs(spec, query.text, ddl_hash, report)

    def _live_hash(self, session: Session, fqn: QualifiedName) -> str | None:
        for view in cache.views_in(session, fqn.schema_name) or []:
            if fqn.name.matches(view.name):
                return _hash(view.text)
        return None

    @staticmethod
    def _outputs(
        spec: TrainingViewSpec, query_text: str, ddl_hash: str | None, report: PreflightReport | None
    ) -> dict[str, Any]:
        fqn = spec.fqn.sql()
        return {
            **spec.model_dump(mode="json", by_alias=True),
            "fqn": fqn,
            "training_query": training_query_for(spec.database, spec.schema_, spec.name),
            "query_text": query_text,
            "ddl_hash": ddl_hash,
            "preflight": report.to_outputs() if report is not None else None,
        }

    def create(self, session: Session, spec: TrainingViewSpec) -> Applied:
        return self.create_as(session, spec, Claim())

    def create_as(self, session: Session, spec: TrainingViewSpec, claim: Claim) -> Applied:
        """An existing view is replaced only when it is this resource's own or its adoption was declared
        (resources/ownership.py); the view then carries this stack's record in its COMMENT."""
        fqn = spec.fqn
        live = self.live_view(session, fqn)
        origin = CREATED if live is None else take_existing(self.kind, fqn.sql(), live.comment, claim)
        out = self._apply(session, spec, True, None, claim.record())
        return Applied(fqn.sql(), {**out, **claim.outputs(origin)})

    def update(
        self, session: Session, id_: str, olds: Mapping[str, Any], spec: TrainingViewSpec
    ) -> dict[str, Any]:
        return self.update_as(session, id_, olds, spec, Claim())

    def update_as(
        self, session: Session, id_: str, olds: Mapping[str, Any], spec: TrainingViewSpec, claim: Claim
    ) -> dict[str, Any]:
        """CREATE OR REPLACE keeps the record (it would drop a COMMENT it does not repeat). `pulumi import`
        only reads (its preview too), so the `up` after it writes this stack's record, unless another
        stack's is there (left as it is; delete then releases the view)."""
        owner = claim.owner or Owner.from_input(olds.get(OWNER_KEY))
        send_ddl = olds.get("query_text") != spec.effective_query().text
        pending = olds.get(RECORDED_KEY) is False and owner is not None
        new = spec.model_dump(mode="json", by_alias=True)
        if pending and not send_ddl and all(same(olds.get(k), new.get(k)) for k in self.spec_fields()):
            out = dict(olds)  # only the record to write: no pre-flight, nothing else sent
        else:
            out = self._apply(session, spec, send_ddl, olds.get("ddl_hash"), owner.record() if owner else None)
        out.update({OWNER_KEY: owner.as_input() if owner else None, ORIGIN_KEY: origin_of(olds)})
        if pending and owner is not None:
            if not send_ddl:  # else the CREATE OR REPLACE above carried it
                live = self.live_view(session, spec.fqn)
                record = None if live is None else parse_record(live.comment)
                if live is None or record not in (None, owner):
                    return out
                if record is None:
                    cache.write(session, SetComment("VIEW", spec.fqn, owner.record()),
                                cache.views_scope(spec.fqn.schema_name))
            out[RECORDED_KEY] = True
        return out

    def live_view(self, session: Session, fqn: QualifiedName) -> ViewInfo | None:
        """The view as SHOW VIEWS lists it (cached), or None."""
        return next((v for v in cache.views_in(session, fqn.schema_name) or [] if fqn.name.matches(v.name)), None)

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        fqn = QualifiedName.parse(id_, "id").full("id")
        schema = fqn.schema_name
        live = self.live_view(session, fqn)
        if live is None:
            return None
        live_hash = _hash(live.text)
        if props.get("ddl_hash") == live_hash and props.get("query_text"):
            return Applied(id_, dict(props))
        live_query = view_query_from_text(live.text) or live.text
        if props.get("query_text"):  # drifted: keep the declared spec, report the live query
            return Applied(id_, {**props, "query_text": live_query, "ddl_hash": live_hash})
        # `pulumi import` reads only: `recorded: false` makes the next `up` write the record (update_as)
        return Applied(id_, {**self._imported(fqn, schema, live_query, live_hash), ORIGIN_KEY: ADOPTED,
                             RECORDED_KEY: False})

    def _imported(self, fqn: QualifiedName, schema: SchemaName, live_query: str, h: str) -> dict[str, Any]:
        spec = TrainingViewSpec.model_validate(
            {"database": schema.database.sql(), "schema": schema.schema.sql(), "name": fqn.name.sql()}
            | {"query": live_query}
        )
        return self._outputs(spec, live_query, h, None)

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        """Drops only a view this stack created; an adopted one, or one another stack's record names, is
        released (this stack's record cleared) and left in place."""
        fqn = QualifiedName.parse(id_, "id").full("id")
        live = self.live_view(session, fqn)
        why = None if live is None else release_reason(props, live.comment)
        if live is not None and why is not None:
            if is_mine(props, live.comment):
                cache.write(session, clear_comment("VIEW", fqn), cache.views_scope(fqn.schema_name))
            log_release(released(self.kind, fqn.sql(), why))
            return
        cache.write(session, DropView(fqn), cache.views_scope(fqn.schema_name))
