"""ModelEvaluation: the metrics (pure), the gate against the emulator (stub engine), and a failing
gate keeping its dependents from being created (the `distill` stack on the real Pulumi engine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cortex_provider.resources import eval_metrics as em
from cortex_provider.resources.evaluation import EvaluationCore, EvaluationError, EvaluationFailed
from cortex_provider.session import Column
from cortex_provider.sql.rows import Rows
from cortex_provider.sql.statement import Statement
from tests.e2e.engine import EngineProject
from tests.e2e.support import seed_demo
from tests.resources.grant_support import Acct

J = '{"condition": "gout", "severity": "mild", "duration_days": 3, "age": 40}'


# -- metrics (pure) ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("output", "expected", "score"),
    [
        (J, J, 1.0),
        ('```json\n{"age": 40.0, "duration_days": 3, "severity": " Mild", "condition": "GOUT"}\n```', J, 1.0),
        ('{"condition": "gout", "severity": "severe", "duration_days": 3, "age": 40}', J, 0.75),
        ('{"condition": "gout", "severity": "mild", "duration_days": 3}', J, 0.75),  # a key missing
        ('{"condition": "gout", "severity": "mild", "duration_days": 3, "age": 40, "x": 1}', J, 0.8),  # extra key
        ('{"condition": "gout", "severity": "mild", "duration_days": "3", "age": 40}', J, 0.75),  # "3" != 3
        ("The patient has gout.", J, 0.0),
        ('["gout"]', J, 0.0),
        ("{}", "{}", 1.0),
    ],
)
def test_json_keys(output: str, expected: str, score: float) -> None:
    assert em.json_keys(output, expected) == pytest.approx(score)


def test_json_keys_needs_json_expected_answers() -> None:
    with pytest.raises(em.ExpectedNotJson, match="is not a JSON object"):
        em.json_keys(J, "gout")


def test_exact_match_and_similarity() -> None:
    assert em.exact_match("  yes\n", "yes") == 1.0 and em.exact_match("Yes", "yes") == 0.0
    assert em.exact_match(None, "") == 1.0
    assert em.levenshtein("kitten", "sitting") == 3
    assert em.similarity("kitten", "sitting") == pytest.approx(1 - 3 / 7)
    assert em.similarity("same ", " same") == 1.0 and em.similarity("abc", "xyz") == 0.0
    assert em.similarity("", "") == 1.0
    assert em.mean_score("exact_match", [("a", "a"), ("a", "b")]) == 0.5
    assert em.mean_score("similarity", []) is None


# -- the gate against the emulator ------------------------------------------------------------------
@pytest.fixture
def tuned(acct: Acct) -> str:
    """A stub-trained model DB.S.M and a held-out table whose expected answers are its own outputs."""
    model = acct.make_model("M")
    acct.sql(f"CREATE TABLE DB.S.EVAL AS SELECT NOTE AS prompt, SNOWFLAKE.CORTEX.COMPLETE('{model}', NOTE) "
             "AS completion FROM DB.S.NOTES")
    return model


EVAL = "SELECT prompt, completion FROM DB.S.EVAL"


def evaluate(acct: Acct, inputs: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    core = EvaluationCore()
    checked = core.check(olds or {}, inputs)
    assert not checked.failures, checked.failures
    spec = core.parse(checked.inputs)
    return core.create(acct.session, spec).outputs if olds is None else core.update(acct.session, "e", olds, spec)


def completes(acct: Acct, mark: int) -> list[str]:
    return [s for s in acct.since(mark) if "CORTEX.COMPLETE" in s]


def test_gate_passes_with_both_scores_from_one_aggregate_query(acct: Acct, tuned: str) -> None:
    mark = acct.mark()
    outs = evaluate(acct, {"model": tuned, "baseline_model": "mistral-7b", "eval_query": EVAL,
                           "metric": "exact_match", "threshold": 0.9, "model_job_id": "ft_1"})
    assert (outs["model_score"], outs["baseline_score"], outs["rows_evaluated"], outs["passed"]) == (1.0, 0.0, 4, True)
    sent = completes(acct, mark)
    assert len(sent) == 1 and sent[0].startswith("SELECT COUNT(*) AS ROWS_EVALUATED")  # scored in SQL


def test_gate_fails_below_the_baseline_with_both_scores(acct: Acct, tuned: str) -> None:
    with pytest.raises(EvaluationFailed) as err:
        evaluate(acct, {"model": "mistral-7b", "baseline_model": tuned, "eval_query": EVAL,
                        "metric": "similarity", "threshold": 0.0})
    text = str(err.value)
    assert "gate FAILED for mistral-7b" in text and f"< baseline {tuned} 1.0000" in text
    assert "model = 0." in text and f"baseline {tuned} = 1.0000" in text and "not rolled out" in text


def test_json_keys_gate_fails_below_threshold(acct: Acct, tuned: str) -> None:
    acct.sql(f"CREATE TABLE DB.S.JEVAL AS SELECT NOTE AS prompt, '{J}' AS completion FROM DB.S.NOTES")
    mark = acct.mark()
    with pytest.raises(EvaluationFailed, match=r"json_keys 0\.0000 < threshold 0\.5000.*model = 0\.0000.*4 rows"):
        evaluate(acct, {"model": tuned, "eval_query": "SELECT prompt, completion FROM DB.S.JEVAL",
                        "metric": "json_keys", "threshold": 0.5})
    sent = completes(acct, mark)
    assert len(sent) == 1 and sent[0].startswith("SELECT src.completion AS EXPECTED")  # outputs fetched once
    with pytest.raises(EvaluationError, match="is not a JSON object"):
        evaluate(acct, {"model": tuned, "eval_query": EVAL, "metric": "json_keys"})


def test_sql_scores_match_the_python_definitions(acct: Acct, tuned: str) -> None:
    acct.sql("CREATE TABLE DB.S.VAR AS SELECT prompt, completion || '\n ' AS completion FROM DB.S.EVAL "
             "WHERE prompt = 'headache' UNION ALL SELECT prompt, UPPER(completion) FROM DB.S.EVAL "
             "WHERE prompt = 'sneezing' UNION ALL SELECT prompt, 'x' FROM DB.S.EVAL WHERE prompt LIKE 'fever%'")
    query = "SELECT prompt, completion FROM DB.S.VAR"
    cur = acct.conn.cursor()
    cur.execute(f"SELECT completion, SNOWFLAKE.CORTEX.COMPLETE('{tuned}', prompt) FROM DB.S.VAR")
    pairs = [(out, exp) for exp, out in cur.fetchall()]
    for metric in ("exact_match", "similarity"):
        outs = evaluate(acct, {"model": tuned, "eval_query": query, "metric": metric})
        assert outs["model_score"] == pytest.approx(em.mean_score(metric, pairs), abs=1e-4), metric
    assert 0 < em.mean_score("similarity", pairs) < 1  # type: ignore[operator]


def test_reevaluates_only_when_the_model_or_data_change(acct: Acct, tuned: str) -> None:
    core = EvaluationCore()
    inputs = {"model": tuned, "eval_query": EVAL, "metric": "exact_match", "threshold": 0.5, "model_job_id": "ft_1"}
    outs = evaluate(acct, inputs)
    assert not core.diff("e", outs, core.check(outs, inputs).inputs).has_changes
    mark = acct.mark()
    raised = evaluate(acct, {**inputs, "threshold": 0.95}, outs)  # re-decided from stored scores
    assert raised["passed"] and acct.since(mark) == []
    retrained = {**inputs, "model_job_id": "ft_2"}
    assert core.diff("e", outs, core.check(outs, retrained).inputs).changed == ["model_job_id"]
    evaluate(acct, retrained, outs)
    assert len(completes(acct, mark)) == 1


def test_eval_query_shape_is_checked_before_any_complete(acct: Acct, tuned: str) -> None:
    mark = acct.mark()
    with pytest.raises(EvaluationError, match="without completion"):
        evaluate(acct, {"model": tuned, "eval_query": "SELECT prompt FROM DB.S.EVAL", "metric": "similarity"})
    assert completes(acct, mark) == []
    acct.sql("CREATE TABLE DB.S.EMPTY (prompt VARCHAR, completion VARCHAR)")
    with pytest.raises(EvaluationFailed, match="returned no rows"):
        evaluate(acct, {"model": tuned, "eval_query": "SELECT * FROM DB.S.EMPTY", "metric": "exact_match"})


class _FakeSession:
    """Answers the json_keys path without Snowflake: a shape probe, then the fetched outputs."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.sent = rows, []  # type: list[dict[str, Any]], list[str]

    def describe(self, stmt: Statement) -> list[Column]:
        return [Column("PROMPT", 2), Column("COMPLETION", 2)]

    def execute(self, stmt: Statement) -> Rows:
        self.sent.append(stmt.sql())
        return Rows(self.rows)


def test_json_keys_gate_passes_above_baseline() -> None:
    other = '{"condition": "gout", "severity": "mild", "duration_days": 9, "age": 41}'
    rows = [{"EXPECTED": J, "MODEL_OUTPUT": J, "BASELINE_OUTPUT": other},
            {"EXPECTED": J, "MODEL_OUTPUT": other, "BASELINE_OUTPUT": "prose"}]
    core = EvaluationCore()
    spec = core.parse({"model": "DB.S.M", "baseline_model": "llama3.1-8b", "eval_query": EVAL,
                       "metric": "json_keys", "threshold": 0.7})
    session = _FakeSession(rows)
    outs = core.create(session, spec).outputs  # type: ignore[arg-type]
    assert (outs["model_score"], outs["baseline_score"], outs["passed"]) == (0.75, 0.25, True)
    assert "BASELINE_OUTPUT" in session.sent[0]


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [("metric", "bleu", "exact_match"), ("threshold", 1.5, "less than or equal to 1"),
     ("eval_query", "DROP TABLE X", "must start with SELECT"), ("model", "a b", "Cortex model name")],
)
def test_check_rejects_bad_input(field: str, value: Any, needle: str) -> None:
    base = {"model": "DB.S.M", "eval_query": EVAL, "metric": "exact_match"}
    failures = EvaluationCore().check({}, {**base, field: value}).failures
    assert [f.property for f in failures] == [field] and needle in failures[0].reason


# -- a failing gate keeps its dependents from being created (real engine, `distill` stack) ----------
@pytest.fixture
def distill_project(tmp_path: Path, emulator: Any) -> Iterator[tuple[EngineProject, str]]:
    account = emulator.new_account()
    seed_demo(emulator.port, rows=30, account=account)  # IDs 0..29, all under the stack's ID < 40
    project = EngineProject(tmp_path / "project", emulator.port, fast_polls=True)
    data = project.load("distill")
    data["config"]["cortex:account"] = account
    data["config"]["cortex:role"] = "ACCOUNTADMIN"  # a fresh account: no deployer role in it
    spec = data["config"]["cortex:spec"]  # the chain with a Cortex teacher: every note ID < 40 labelled
    spec["training_views"] = [v for v in spec["training_views"] if v["name"] in ("DISTILL_TRAIN", "STUDENT_HOLDOUT")]
    spec["training_views"][1]["where"] = "ID >= 20"
    spec["distillations"][0].update(teacher_model="llama3.1-70b", prompts_query="SELECT NOTE AS prompt FROM "
                                    "CORTEX_DEMO.RAW.SUPPORT_NOTES WHERE ID < 40")
    spec["models"] = [m for m in spec["models"] if m["name"] == "SUPPORT_STUDENT"]
    spec["evaluations"] = [{"model": "SUPPORT_STUDENT", "eval_view": "STUDENT_HOLDOUT", "metric": "similarity",
                            "threshold": 0.1, "max_tokens": 48}]
    project.save(data, "distill")
    yield project, account


def _set_threshold(project: EngineProject, value: float) -> None:
    spec = project.spec("distill")
    spec["evaluations"][0]["threshold"] = value
    project.set_spec(spec, "distill")


def test_failing_gate_blocks_the_usage_grant_until_it_passes(emulator: Any,
                                                             distill_project: tuple[EngineProject, str]) -> None:
    project, account = distill_project
    conn = emulator.connect(account=account)
    grants = "SHOW GRANTS ON MODEL CORTEX_DEMO.MODELS.SUPPORT_STUDENT"

    _set_threshold(project, 0.99)
    failed = project.run("up", "distill")
    assert not failed.ok
    printed = failed.stdout + failed.stderr
    assert "evaluation-support-student" in printed and "gate FAILED" in printed
    assert "< threshold 0.9900" in printed
    assert "error:" in printed
    model_grants = lambda: {(r[1], r[5]) for r in conn.cursor().execute(grants).fetchall()}  # noqa: E731
    assert conn.cursor().execute(grants).description[5][0] == "grantee_name"
    assert model_grants() and ("USAGE", "ANALYST") not in model_grants()  # the model exists, not rolled out
    assert not any(name.startswith("model-usage-") for _op, name in failed.finished)

    _set_threshold(project, 0.05)
    passed = project.run("up", "distill")
    assert passed.ok, passed.stdout[-3000:]
    assert ("USAGE", "ANALYST") in model_grants()

    before = len(emulator.query_log(account))
    conn.cursor().execute("INSERT INTO CORTEX_DEMO.RAW.SUPPORT_NOTES VALUES (35, 'Ana, 30, has mild gout.', '{}')")
    again = project.run("up", "distill")
    assert again.ok, again.stdout[-3000:]
    sent = [e["statement"] for e in emulator.query_log(account)[before:]]
    teacher = [s for s in sent if "CORTEX.COMPLETE" in s]
    assert len(teacher) == 1 and teacher[0].startswith("INSERT INTO")  # the new prompt only; no re-evaluation
    assert conn.cursor().execute("SELECT COUNT(*) FROM CORTEX_DEMO.MODELS.SUPPORT_LABELS").fetchone()[0] == 31
