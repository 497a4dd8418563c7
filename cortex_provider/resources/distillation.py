"""DistillationDataset: a teacher model's completions of a prompt set, materialised as a training table.

    target_table(prompt, completion, label_hash, label_key, teacher, labelled_at)

The teacher runs inside Snowflake: one `INSERT ... SELECT COMPLETE(teacher, instructions || prompt)`,
no row passes through the client. The student is trained on (prompt, completion): it learns to answer
the bare prompt as the teacher answered the instructed one (`training_query` output).

Incremental: a row's label_hash is SHA2(label_key || prompt), label_key a digest of (teacher,
instructions, max_tokens, and the teacher's fine-tuning job id when the teacher is a model this stack
trains: a retrained teacher relabels). The INSERT anti-joins on it, so an `up` sends to the teacher only prompts
not labelled before under the current key:
- new prompts -> only they are labelled;
- a changed teacher, instructions or max_tokens -> a new key, so every prompt is labelled again (in
  place: the table keeps its name, dependents keep working) and, with `prune` (default), the rows of the
  old key are deleted after the new labels are in. A failing teacher leaves the old rows untouched.
- prompts removed from the query -> their rows are pruned (unless prune=false).
Pulumi only calls update on a diff, so the provider's `check` measures `prompts_fingerprint` (COUNT +
hash aggregate of the distinct prompts, one read-only SELECT): new prompts change an input, and
`up` labels them. Id: the table's `DB.SCHEMA.TABLE`; `target_table` changes replace.
What labelling costs (COMPLETE tokens) is planned by distillation_plan.py and, after labelling, counted
into the outputs complete_input_tokens / complete_output_tokens (the current labels' tokens).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from snowflake.connector.constants import FIELD_ID_TO_NAME

from cortex_provider.errors import CortexProviderError, InvalidInput, ParseError, SnowflakeStatementError
from cortex_provider.resources.base import Applied, ResourceCore
from cortex_provider.resources.names import cortex_model, qualified, query_text, to_qualified
from cortex_provider.session import Session
from cortex_provider.sql.distill import (
    LABEL_COLUMNS,
    CreateLabelTable,
    DropLabelTable,
    LabelCount,
    LabelNewPrompts,
    PromptsFingerprint,
    PruneLabels,
    TableProbe,
    training_select,
)
from cortex_provider.sql.identifiers import QualifiedName
from cortex_provider.sql.labelling import LabelTokens
from cortex_provider.sql.statement import UserQuery
from cortex_provider.sql.views import ShapeProbe

TEXT_TYPE_CODE = 2
DOES_NOT_EXIST = 2003


def _fine_tuned(model: str) -> bool:
    """A fine-tuned model's DB.SCHEMA.NAME (cortex_model's canonical form), not a base model's name."""
    try:
        return QualifiedName.parse(model, "teacher_model").is_full
    except InvalidInput:
        return False


class DistillationError(CortexProviderError, ValueError):
    """The prompts or the target table are not usable; the message says how to fix it."""


class DistillationSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    teacher_model: str
    prompts_query: str
    target_table: str
    instructions: str = ""
    max_tokens: int | None = Field(None, ge=1, le=100_000)
    prune: bool = True
    retain_on_delete: bool = True
    prompts_fingerprint: str | None = None  # measured by the provider's check, not set by users
    # a fine-tuned teacher's job: a new job (the teacher retrained) is a new label key, so every prompt is
    # labelled again by the new teacher
    teacher_job_id: str | None = None
    # the base model the teacher's tokens are counted with (COUNT_TOKENS) and its COMPLETE rate looked up
    # by; defaults to teacher_model when that is a base model
    teacher_base_model: str | None = None

    @field_validator("teacher_model")
    @classmethod
    def _teacher(cls, v: str) -> str:
        return cortex_model(v, "teacher_model", "use a Cortex model name, e.g. llama3.1-405b, or a fine-tuned "
                            "model's DB.SCHEMA.NAME")

    @field_validator("teacher_base_model")
    @classmethod
    def _teacher_base(cls, v: str | None) -> str | None:
        if v is None:
            return None
        name = cortex_model(v, "teacher_base_model", "use the teacher's base model name, e.g. llama3.1-8b")
        if _fine_tuned(name):
            raise ValueError(f"{v!r} is a fine-tuned model. Fix: use the base model it was trained from")
        return name

    @field_validator("prompts_query")
    @classmethod
    def _query(cls, v: str) -> str:
        return query_text(v, "prompts_query")

    @field_validator("target_table")
    @classmethod
    def _table(cls, v: str) -> str:
        name = qualified(v, "target_table")
        if not name.is_full:
            raise ValueError(f"{v!r} is not fully qualified. Fix: write DATABASE.SCHEMA.TABLE")
        return name.sql()

    @field_validator("instructions")
    @classmethod
    def _instructions(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError("contains a NUL character. Fix: remove it")
        return v

    @property
    def table(self) -> QualifiedName:
        return to_qualified(self.target_table)

    @property
    def prompts(self) -> UserQuery:
        return UserQuery(self.prompts_query, "prompts_query")

    @property
    def count_model(self) -> str | None:
        """The base model that counts the teacher's tokens: None (~4 characters/token) when unknown."""
        if self.teacher_base_model is not None:
            return self.teacher_base_model
        return None if _fine_tuned(self.teacher_model) else self.teacher_model

    def label_key(self) -> str:
        """Digest of what makes a label: the teacher (and its job), the instructions and the output bound."""
        parts: list[Any] = [self.teacher_model, self.instructions, self.max_tokens]
        if self.teacher_job_id is not None:  # absent: the key labels made before job ids counted still match
            parts.append(self.teacher_job_id)
        return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]


def measure_fingerprint(session: Session, prompts_query: str) -> str:
    """The prompts' fingerprint: one read-only aggregate SELECT."""
    row = session.query_one(PromptsFingerprint(UserQuery(prompts_query, "prompts_query"))) or {}
    try:
        return ":".join(str(int(row[k])) for k in ("ROW_COUNT", "HASH_SUM_A", "HASH_SUM_B"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ParseError(f"FINGERPRINT: unexpected row {row!r}") from exc


def _count(rows: list[dict[str, Any]], suffix: str) -> int:
    """Snowflake's DML result: one row, column `number of rows inserted|deleted`."""
    for row in rows:
        for key, value in row.items():
            if key.upper().endswith(suffix):
                return int(value)
    return 0


class DistillationCore(ResourceCore[DistillationSpec]):
    kind = "DistillationDataset"
    spec_type = DistillationSpec
    replace_on = frozenset({"target_table"})
    provider_only = frozenset({"retain_on_delete"})

    def _probe_prompts(self, session: Session, spec: DistillationSpec) -> None:
        columns = {c.name.upper(): c for c in session.describe(ShapeProbe(spec.prompts))}
        col = columns.get("PROMPT")
        if col is None:
            raise DistillationError(
                f"DistillationDataset {spec.target_table}: prompts_query yields {sorted(columns)}, no "
                "prompt column. Fix: alias it, e.g. SELECT note AS prompt FROM ...")
        if col.type_code is not None and col.type_code != TEXT_TYPE_CODE:
            raise DistillationError(
                f"DistillationDataset {spec.target_table}: prompt is {FIELD_ID_TO_NAME[col.type_code]}, "
                "not text. Fix: TO_VARCHAR(<expr>) AS prompt")

    def _ensure_table(self, session: Session, spec: DistillationSpec) -> None:
        session.execute(CreateLabelTable(spec.table))
        have = {c.name.upper() for c in session.describe(TableProbe(spec.table))}
        missing = [c for c in LABEL_COLUMNS if c not in have]
        if missing:
            raise DistillationError(
                f"DistillationDataset {spec.target_table}: the table exists without columns "
                f"{', '.join(missing)} (not a label table). Fix: name a new target_table")

    def _apply(self, session: Session, spec: DistillationSpec) -> dict[str, Any]:
        self._probe_prompts(session, spec)
        # measured BEFORE labelling: a prompt added meanwhile shows up as a diff on the next `up`
        fingerprint = spec.prompts_fingerprint or measure_fingerprint(session, spec.prompts_query)
        self._ensure_table(session, spec)
        key = spec.label_key()
        inserted = _count(session.execute(LabelNewPrompts(
            spec.table, spec.teacher_model, spec.instructions, key, spec.prompts, spec.max_tokens)), "INSERTED")
        pruned = _count(session.execute(PruneLabels(spec.table, key, spec.prompts)), "DELETED") \
            if spec.prune else 0
        total, current = self._counts(session, spec.table, key)
        tokens = session.query_one(LabelTokens(spec.table, spec.instructions, key, spec.count_model)) or {}
        return {
            **spec.model_dump(mode="json", by_alias=True),
            "prompts_fingerprint": fingerprint,
            "fqn": spec.table.sql(),
            "label_key": key,
            "training_query": training_select(spec.table),
            "rows_labelled_this_run": inserted,
            "rows_pruned_this_run": pruned,
            "rows_total": total,
            "rows_current": current,
            "complete_input_tokens": int(tokens.get("INPUT_TOKENS") or 0),
            "complete_output_tokens": int(tokens.get("OUTPUT_TOKENS") or 0),
        }

    @staticmethod
    def _counts(session: Session, table: QualifiedName, key: str) -> tuple[int, int]:
        row = session.query_one(LabelCount(table, key)) or {}
        return int(row.get("ROWS_TOTAL") or 0), int(row.get("ROWS_CURRENT") or 0)

    def create(self, session: Session, spec: DistillationSpec) -> Applied:
        return Applied(spec.table.sql(), self._apply(session, spec))

    def update(
        self, session: Session, id_: str, olds: Mapping[str, Any], spec: DistillationSpec
    ) -> dict[str, Any]:
        return self._apply(session, spec)

    def read(self, session: Session, id_: str, props: Mapping[str, Any]) -> Applied | None:
        table = QualifiedName.parse(id_, "id").full("id")
        key = str(props.get("label_key") or "0" * 32)
        try:
            total, current = self._counts(session, table, key)
        except SnowflakeStatementError as exc:
            if exc.errno == DOES_NOT_EXIST:
                return None
            raise
        if not props.get("teacher_model"):  # import: no spec to recover from the table alone
            raise DistillationError(f"DistillationDataset {id_}: import is not supported; declare the "
                                    "resource with its teacher_model and prompts_query")
        return Applied(id_, {**props, "rows_total": total, "rows_current": current})

    def delete(self, session: Session, id_: str, props: Mapping[str, Any]) -> None:
        if props.get("retain_on_delete", True):
            return  # the labels were paid for: the table stays (drop it by hand, or set retain_on_delete)
        session.execute(DropLabelTable(QualifiedName.parse(id_, "id").full("id")))
