"""The model check's invariants (tests/model_check/checks.py) flag what they exist to flag: each case
is a step the real engine could take, as snapshots and statements, with and without the violation."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from tests.model_check import specs
from tests.model_check.checks import (
    Ledger,
    check_noop,
    check_plan,
    check_read_only,
    check_step,
    note_spec,
    release,
    settle_bills,
)
from tests.model_check.world import Snapshot, parse_create

CREATE = ("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'CORTEX_DEMO.MODELS.M', 'llama3.1-8b', "
          "'SELECT a AS prompt, b AS completion FROM T WHERE x = ''y''', '', '{}')")


def snap(models: dict[str, str] | None = None, views: dict[str, str] | None = None,
         jobs: dict[str, dict[str, Any]] | None = None) -> Snapshot:
    return Snapshot(models or {}, views or {}, jobs or {})


def step(op: str, name: str, plan: dict[str, Any] | None = None) -> Any:
    inputs = {"name": f"CORTEX_DEMO.MODELS.{name}"} | ({"training_plan": plan} if plan else {})
    return SimpleNamespace(op=op, name=f"model-{name.lower()}", new_inputs=inputs)


def result(*steps: Any, ok: bool = True, changes: int = 0) -> Any:
    ns = SimpleNamespace(ok=ok, steps=list(steps), changes=changes, summary={}, stdout="", stderr="")
    ns.ops = lambda: {s.name: s.op for s in ns.steps}
    return ns


def test_create_statements_parse_to_one_spec_whatever_the_options_spelling() -> None:
    c = parse_create(CREATE)
    assert c is not None and c.model == "M" and c.training.endswith("x = 'y'")
    respelled = parse_create(CREATE.replace("'{}'", "'{\"max_epochs\": null}'"))
    assert respelled is not None and respelled.spec == c.spec
    assert parse_create(CREATE.replace("'{}'", "'{\"max_epochs\": 2}'")) != c


def test_a_second_create_of_a_spec_whose_model_exists_is_a_duplicate() -> None:
    ledger = Ledger()
    assert check_step(ledger, "a", snap(), snap({"M": "1"}), [CREATE]) == []
    assert ledger.owner[("model", "M")] == "a"
    found = check_step(ledger, "a", snap({"M": "1"}), snap({"M": "1"}), [CREATE])
    assert [inv for inv, _ in found] == ["duplicate paid job"]
    # once the model was dropped (retain_on_delete: false), training it again is no duplicate
    assert check_step(ledger, "a", snap(), snap({"M": "2"}), [CREATE]) == []


def test_a_dropped_model_is_lost_unless_its_creator_was_told_to_drop_it() -> None:
    ledger = Ledger()
    check_step(ledger, "a", snap(), snap({"M": "1"}), [CREATE])
    lost = check_step(ledger, "b", snap({"M": "1"}), snap(), ["DROP MODEL CORTEX_DEMO.MODELS.M"])
    assert [inv for inv, _ in lost] == ["model lost"] and "created by stack a" in lost[0][1]
    assert [inv for inv, _ in check_step(ledger, "a", snap({"M": "1"}), snap(), [])] == ["model lost"]
    note_spec(ledger, "a", {"models": [{"name": "m", "retain_on_delete": False}]})
    assert check_step(ledger, "a", snap({"M": "1"}), snap(), []) == []


def test_another_stacks_view_may_not_change() -> None:
    ledger = Ledger()
    check_step(ledger, "a", snap(), snap(views={"V": "q1"}), ["CREATE OR REPLACE VIEW CORTEX_DEMO.MODELS.V AS q1"])
    assert check_step(ledger, "a", snap(views={"V": "q1"}), snap(views={"V": "q2"}), []) == []
    changed = check_step(ledger, "b", snap(views={"V": "q2"}), snap(views={"V": "q3"}), [])
    assert [inv for inv, _ in changed] == ["other stack's object changed"]


def test_the_second_up_must_change_nothing() -> None:
    assert check_noop(result(step("same", "M")), ["SHOW MODELS IN SCHEMA X"]) == []
    assert check_noop(result(step("update", "M"), changes=1), [])[0][0] == "second up not a no-op"
    assert check_noop(result(), ["GRANT USAGE ON MODEL X TO ROLE R"])[0][0] == "second up not a no-op"


def test_a_plan_must_say_what_up_does() -> None:
    train = {"action": "train", "estimated_trained_tokens": 100}
    preview = result(step("create", "M", train))
    assert check_plan(preview, result(step("create", "M", train)), [CREATE]) == []
    adopted = check_plan(preview, result(step("create", "M", train)), [])
    assert [inv for inv, _ in adopted] == ["plan differs from up"]
    unannounced = check_plan(result(step("same", "M")), result(step("same", "M")), [CREATE])
    assert [inv for inv, _ in unannounced] == ["plan differs from up"]


def test_the_bill_must_equal_the_plan() -> None:
    ledger = Ledger(pending_bills=[("j1", "M", 100, 3, "a"), ("j2", "N", 50, 4, "a")])
    done = snap(jobs={"j1": {"status": "SUCCESS", "trained_tokens": 300}, "j2": {"status": "IN_PROGRESS"}})
    assert [(s, inv) for s, inv, _ in settle_bills(ledger, done)] == [(3, "bill differs from plan")]
    assert [b[0] for b in ledger.pending_bills] == ["j2"]


def test_edits_are_replayed_by_the_seed() -> None:
    def draw(seed: int) -> list[str]:
        rng, spec, used, labels = random.Random(seed), specs.base_spec(), set[str](), []
        for _ in range(30):
            spec, label = specs.edit(rng, spec, used)
            labels.append(label)
        return labels

    assert draw(5) == draw(5) and draw(5) != draw(6)


def test_refresh_and_preview_only_read() -> None:
    assert check_read_only("refresh", ["SHOW MODELS IN SCHEMA X", "SELECT 1"]) == []
    assert check_read_only("preview", ["CREATE OR REPLACE VIEW X AS SELECT 1"])[0][0] == "refresh or preview wrote"


def test_a_model_its_creator_let_go_may_be_dropped_by_no_one() -> None:
    ledger = Ledger()
    note_spec(ledger, "a", {"models": [{"name": "M", "retain_on_delete": False}]})
    check_step(ledger, "a", snap(), snap({"M": "1"}), [CREATE])
    release(ledger, "a", None)  # `destroy` kept it (say retain_on_delete was true then): released
    assert [inv for inv, _ in check_step(ledger, "x", snap({"M": "1"}), snap(), [])] == ["model lost"]
    lost = check_step(ledger, "a", snap({"M": "1"}), snap(), [])
    assert [inv for inv, _ in lost] == ["model lost"] and "let it go" in lost[0][1]
    release(ledger, "a", {"M"})  # declared again by its creator: its own again
    assert check_step(ledger, "a", snap({"M": "1"}), snap(), []) == []
