"""Statements for distillation (teacher labels materialised in a table) and evaluation gates.

Every COMPLETE runs inside Snowflake over the rows of a user query: labelling is one
INSERT ... SELECT (no row passes through the client), evaluation one SELECT. A user query is embedded
through `UserQuery` only; the model names, instructions and label key are literals.

Label table columns: PROMPT, COMPLETION, LABEL_HASH (SHA2 of label key + prompt: what the anti-join
compares), LABEL_KEY (which teacher/instructions/max_tokens produced the row), TEACHER, LABELLED_AT.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar, Literal

from cortex_provider.errors import InvalidInput
from cortex_provider.sql import literals
from cortex_provider.sql.finetune import check_base_model
from cortex_provider.sql.identifiers import QualifiedName
from cortex_provider.sql.preflight import HASH_MOD
from cortex_provider.sql.statement import Statement, UserQuery, embed

LABEL_COLUMNS = ("PROMPT", "COMPLETION", "LABEL_HASH", "LABEL_KEY", "TEACHER", "LABELLED_AT")
_LABEL_KEY = re.compile(r"[0-9a-f]{16,64}")
HASH_MOD_B = 998_244_353
SqlMetric = Literal["exact_match", "similarity"]


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not _LABEL_KEY.fullmatch(key):
        raise InvalidInput("label_key", f"{key!r} is not a hex digest", "use DistillationSpec.label_key()")
    return key


def _check_tokens(max_tokens: int | None) -> None:
    if max_tokens is not None and (isinstance(max_tokens, bool) or not 0 < max_tokens <= 100_000):
        raise InvalidInput("max_tokens", f"{max_tokens!r} is out of range", "use 1..100000 or leave it out")


def complete_call(model: str, prompt_sql: str, max_tokens: int | None) -> str:
    """COMPLETE(model, <prompt expr>) as text. With max_tokens: the options form (greedy, bounded),
    whose JSON answer is unwrapped to the message text. `prompt_sql` is SQL built in this module."""
    m = literals.string(check_base_model(model, "model"), "model")
    if max_tokens is None:
        return f"SNOWFLAKE.CORTEX.COMPLETE({m}, {prompt_sql})"
    options = literals.object_constant({"max_tokens": max_tokens, "temperature": 0})
    return (
        f"TRY_PARSE_JSON(SNOWFLAKE.CORTEX.COMPLETE({m}, "
        f"ARRAY_CONSTRUCT(OBJECT_CONSTRUCT('role', 'user', 'content', {prompt_sql})), {options}))"
        ":choices[0]:messages::VARCHAR"
    )


def _hashed_prompts(prompts: UserQuery, label_key: str) -> str:
    """Distinct non-null prompts of the user's query with their label hash (columns PROMPT, H)."""
    key = literals.string(_check_key(label_key), "label_key")
    return (
        f"(SELECT p.prompt AS PROMPT, SHA2({key} || p.prompt, 256) AS H "
        f"FROM (SELECT DISTINCT src.prompt FROM {embed(prompts)} AS src WHERE src.prompt IS NOT NULL) AS p)"
    )


@dataclass(frozen=True)
class CreateLabelTable(Statement):
    kind: ClassVar[str] = "CREATE TABLE"
    table: QualifiedName

    def __post_init__(self) -> None:
        self.table.full("target_table")

    def sql(self) -> str:
        return (
            f"CREATE TABLE IF NOT EXISTS {self.table.sql()} (PROMPT VARCHAR, COMPLETION VARCHAR, "
            "LABEL_HASH VARCHAR, LABEL_KEY VARCHAR, TEACHER VARCHAR, LABELLED_AT TIMESTAMP_NTZ)"
        )


@dataclass(frozen=True)
class LabelNewPrompts(Statement):
    """INSERT the teacher's completion of every prompt whose label hash the table does not hold yet.

    Returns Snowflake's one-row `number of rows inserted`."""

    kind: ClassVar[str] = "LABEL PROMPTS"
    table: QualifiedName
    teacher: str
    instructions: str
    label_key: str
    prompts: UserQuery
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        self.table.full("target_table")
        check_base_model(self.teacher, "teacher_model")
        literals.string(self.instructions, "instructions")
        _check_key(self.label_key)
        _check_tokens(self.max_tokens)

    @property
    def idempotent(self) -> bool:
        return True  # the anti-join makes a resend label only what the first attempt did not

    def sql(self) -> str:
        prompt = f"{literals.string(self.instructions, 'instructions')} || new.PROMPT" if self.instructions \
            else "new.PROMPT"
        teacher = literals.string(self.teacher, "teacher_model")
        return (
            f"INSERT INTO {self.table.sql()} ({', '.join(LABEL_COLUMNS)})\n"
            f"SELECT new.PROMPT, {complete_call(self.teacher, prompt, self.max_tokens)}, new.H, "
            f"{literals.string(self.label_key)}, {teacher}, CURRENT_TIMESTAMP()\n"
            f"FROM {_hashed_prompts(self.prompts, self.label_key)} AS new\n"
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.table.sql()} AS done WHERE done.LABEL_HASH = new.H)"
        )


@dataclass(frozen=True)
class PruneLabels(Statement):
    """DELETE rows whose label hash no current prompt has (a prompt removed, or the teacher,
    instructions or max_tokens changed). Returns `number of rows deleted`."""

    kind: ClassVar[str] = "PRUNE LABELS"
    table: QualifiedName
    label_key: str
    prompts: UserQuery

    def __post_init__(self) -> None:
        self.table.full("target_table")
        _check_key(self.label_key)

    def sql(self) -> str:
        return (
            f"DELETE FROM {self.table.sql()} AS done WHERE NOT EXISTS "
            f"(SELECT 1 FROM {_hashed_prompts(self.prompts, self.label_key)} AS cur WHERE cur.H = done.LABEL_HASH)"
        )


@dataclass(frozen=True)
class LabelCount(Statement):
    """ROWS_TOTAL and ROWS_CURRENT (rows labelled under `label_key`) of the label table."""

    kind: ClassVar[str] = "COUNT LABELS"
    table: QualifiedName
    label_key: str

    def __post_init__(self) -> None:
        self.table.full("target_table")
        _check_key(self.label_key)

    def sql(self) -> str:
        key = literals.string(self.label_key)
        return (
            "SELECT COUNT(*) AS ROWS_TOTAL, "
            f"COALESCE(SUM(IFF(LABEL_KEY = {key}, 1, 0)), 0) AS ROWS_CURRENT FROM {self.table.sql()}"
        )


@dataclass(frozen=True)
class PromptsFingerprint(Statement):
    """ROW_COUNT, HASH_SUM_A, HASH_SUM_B (sums of HASH(prompt) modulo two primes) over the distinct
    prompts: changes when a prompt is added, removed or edited. Read-only, one row back. Modular sums
    rather than BITXOR_AGG keep every value inside a signed 64-bit integer on any engine."""

    kind: ClassVar[str] = "FINGERPRINT"
    prompts: UserQuery

    def sql(self) -> str:
        return (
            "SELECT COUNT(*) AS ROW_COUNT, "
            f"COALESCE(SUM(MOD(h, {HASH_MOD})), 0) AS HASH_SUM_A, COALESCE(SUM(MOD(h, {HASH_MOD_B})), 0) AS HASH_SUM_B "
            f"FROM (SELECT HASH(p.prompt) AS h FROM (SELECT DISTINCT src.prompt FROM {embed(self.prompts)} "
            "AS src WHERE src.prompt IS NOT NULL) AS p) AS hashed"
        )


@dataclass(frozen=True)
class DropLabelTable(Statement):
    kind: ClassVar[str] = "DROP TABLE"
    table: QualifiedName

    def __post_init__(self) -> None:
        self.table.full("target_table")

    def sql(self) -> str:
        return f"DROP TABLE IF EXISTS {self.table.sql()}"


# -- evaluation ----------------------------------------------------------------------------------
def _eval_outputs(model: str, baseline: str | None, query: UserQuery, limit: int, max_tokens: int | None) -> str:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 < limit <= 100_000:
        raise InvalidInput("max_rows", f"{limit!r} is out of range", "use 1..100000")
    _check_tokens(max_tokens)
    base = f", {complete_call(baseline, 'src.prompt', max_tokens)} AS BASELINE_OUTPUT" if baseline else ""
    return (
        f"SELECT src.completion AS EXPECTED, {complete_call(model, 'src.prompt', max_tokens)} AS MODEL_OUTPUT"
        f"{base} FROM {embed(query)} AS src WHERE src.prompt IS NOT NULL LIMIT {limit}"
    )


def _trimmed(col: str) -> str:
    """Whitespace (space, tab, newline, CR, FF, VT) cut at both ends; NULL becomes ''."""
    return f"COALESCE(REGEXP_REPLACE({col}, '^[[:space:]]+|[[:space:]]+$', ''), '')"


def _score_sql(metric: SqlMetric, out: str) -> str:
    """Per-row score in SQL; eval_metrics.py holds the same definitions in Python."""
    o, e = _trimmed(out), _trimmed("outs.EXPECTED")
    if metric == "exact_match":
        return f"IFF({o} = {e}, 1, 0)"
    return f"1 - EDITDISTANCE({o}, {e}) / GREATEST(LENGTH({o}), LENGTH({e}), 1)"


@dataclass(frozen=True)
class EvalScores(Statement):
    """One row: ROWS_EVALUATED, MODEL_SCORE[, BASELINE_SCORE] — the metric averaged in SQL."""

    kind: ClassVar[str] = "EVALUATE"
    model: str
    query: UserQuery
    metric: SqlMetric
    baseline: str | None = None
    limit: int = 200
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.metric not in ("exact_match", "similarity"):
            raise InvalidInput("metric", f"{self.metric!r} is not computed in SQL", "use EvalOutputs")
        _eval_outputs(self.model, self.baseline, self.query, self.limit, self.max_tokens)

    def sql(self) -> str:
        base = f", AVG({_score_sql(self.metric, 'outs.BASELINE_OUTPUT')}) AS BASELINE_SCORE" if self.baseline else ""
        return (
            f"SELECT COUNT(*) AS ROWS_EVALUATED, AVG({_score_sql(self.metric, 'outs.MODEL_OUTPUT')}) AS MODEL_SCORE"
            f"{base} FROM ({_eval_outputs(self.model, self.baseline, self.query, self.limit, self.max_tokens)}) AS outs"
        )


@dataclass(frozen=True)
class EvalOutputs(Statement):
    """Per row: EXPECTED, MODEL_OUTPUT[, BASELINE_OUTPUT] (for metrics scored in Python)."""

    kind: ClassVar[str] = "EVALUATE"
    model: str
    query: UserQuery
    baseline: str | None = None
    limit: int = 200
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        _eval_outputs(self.model, self.baseline, self.query, self.limit, self.max_tokens)

    def sql(self) -> str:
        return _eval_outputs(self.model, self.baseline, self.query, self.limit, self.max_tokens)


@dataclass(frozen=True)
class TableProbe(Statement):
    """SELECT * FROM <table> LIMIT 0: the table's columns, no rows (fails when it does not exist)."""

    kind: ClassVar[str] = "PROBE TABLE"
    table: QualifiedName

    def __post_init__(self) -> None:
        self.table.full("target_table")

    def sql(self) -> str:
        return f"SELECT * FROM {self.table.sql()} LIMIT 0"


def training_select(table: QualifiedName) -> str:
    """The query a TrainingView / FineTunedModel reads the labelled rows with."""
    return f"SELECT prompt, completion FROM {table.full('target_table').sql()}"
