"""The labelling bill of a DistillationDataset: the `labelling_plan` its provider's check adds (prompts the
teacher will label, their COMPLETE tokens, credits at a declared rate), carried unchanged on a no-op, and
the COMPLETE tokens of the labels counted after labelling; a teacher's new job relabels every prompt."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi.runtime.rpc import UNKNOWN

from cortex_provider.pulumi.distillation import DistillationProvider
from cortex_provider.resources.distillation import DistillationSpec
from cortex_provider.resources.distillation_plan import LABEL_INPUTS, PLAN_KEY, needs_plan
from tests.emulator.cortex_util import finetune, wait_status
from tests.provider.grpc_provider import ProviderServer, StackConfig
from tests.provider.provider_support import Driver, start_server
from tests.resources.grant_support import Acct
from tests.resources.test_distillation import BASE

PROMPTS = ("fever and cough", "headache", "sneezing")  # DB.S.NOTES' distinct notes


def _tokens(*texts: str) -> int:
    return sum(math.ceil(len(t) / 4) for t in texts)  # the stub's COUNT_TOKENS


@pytest.fixture
def driver(tmp_path: Path, emulator: Any, acct: Acct) -> Iterator[Driver]:
    srv = start_server(tmp_path, emulator, acct.name, "admin", [])
    yield Driver(srv, DistillationProvider(), "labels")
    srv.close()


def test_plan_counts_the_prompts_to_label_and_their_tokens_then_stays_put(driver: Driver, acct: Acct) -> None:
    inputs, failures = driver.check({}, {**BASE, "max_tokens": 20})
    assert failures == []
    instructed = [BASE["instructions"] + p for p in PROMPTS]
    assert inputs["labelling_plan"] == {
        "teacher_model": "llama3.1-405b", "prompts": 3, "input_tokens": _tokens(*instructed),
        "max_output_tokens": 60, "estimated_complete_tokens": _tokens(*instructed) + 60,
        "token_method": "SNOWFLAKE.CORTEX.COUNT_TOKENS(llama3.1-405b)"}
    id_, outs = driver.create(inputs)
    # what the labels cost: the instructed prompts in, the teacher's completions out
    completions = [r[0] for r in acct.sql("SELECT COMPLETION FROM DB.S.LABELS")]
    assert outs["complete_input_tokens"] == _tokens(*instructed)
    assert outs["complete_output_tokens"] == _tokens(*completions) > 0
    # the engine's check gets the old INPUTS (the plan among them)
    same, _ = driver.check(inputs, {**BASE, "max_tokens": 20})
    assert same["labelling_plan"] == inputs["labelling_plan"]  # carried: a no-op stays a no-op
    assert driver.diff(id_, outs, same) == (False, [])
    acct.sql("INSERT INTO DB.S.NOTES VALUES (9, 'rash', 'eczema')")
    news, _ = driver.check(inputs, {**BASE, "max_tokens": 20})
    assert news["labelling_plan"]["prompts"] == 1  # only the new note goes to the teacher
    assert news["labelling_plan"]["input_tokens"] == _tokens(BASE["instructions"] + "rash")


def test_a_new_teacher_job_relabels_every_prompt(driver: Driver, acct: Acct) -> None:
    job = finetune(acct.conn, "CREATE", "DB.S.TEACHER", "llama3.1-8b", "SELECT NOTE AS prompt, LABEL AS completion "
                   "FROM DB.S.NOTES WHERE LABEL <> ''")
    wait_status(acct.conn, job, {"SUCCESS"})
    teacher = {**BASE, "teacher_model": "DB.S.TEACHER", "teacher_job_id": job, "teacher_base_model": "llama3.1-8b"}
    inputs, failures = driver.check({}, teacher)
    assert failures == [] and inputs["labelling_plan"]["token_method"].endswith("(llama3.1-8b)")
    id_, outs = driver.create(inputs)
    assert outs["rows_labelled_this_run"] == 3
    retrained, _ = driver.check(inputs, {**teacher, "teacher_job_id": "ft_two"})
    assert retrained["labelling_plan"]["prompts"] == 3
    assert driver.diff(id_, outs, retrained)[0] is True
    assert driver.update(id_, outs, retrained)["rows_labelled_this_run"] == 3


def test_a_teacher_trained_in_this_up_is_planned_for_every_prompt_with_rates(
        tmp_path: Path, emulator: Any, acct: Acct) -> None:
    config = {**emulator.stack_config(acct.name, "admin"),
              "cortex:spec": json.dumps({"complete_credit_rates": {"llama3.1-8b": 2}})}
    srv = ProviderServer(StackConfig(tmp_path, config, {"cortex:password"}), lambda _line: None)
    srv.configure()
    driver = Driver(srv, DistillationProvider(), "labels")
    inputs, failures = driver.check({}, {**BASE, "teacher_model": UNKNOWN, "teacher_job_id": UNKNOWN,
                                         "teacher_base_model": "llama3.1-8b"})
    plan = inputs["labelling_plan"]
    assert failures == [] and plan["teacher_model"] is None and plan["prompts"] == 3
    assert "every prompt is labelled" in plan["note"] and "not bounded" in plan["note"]
    assert plan["credits_per_million_tokens"] == 2.0
    assert plan["estimated_credits"] == pytest.approx(plan["estimated_complete_tokens"] * 2 / 1e6)
    srv.close()


# -- pure rules (no SQL) ---------------------------------------------------------------------------------
_values = st.one_of(st.none(), st.integers(0, 3), st.sampled_from(["a", "b", "DB.S.T"]))


@given(old=st.fixed_dictionaries({k: _values for k in LABEL_INPUTS}), changed=st.sets(st.sampled_from(LABEL_INPUTS)),
       unknown=st.sets(st.sampled_from(LABEL_INPUTS), max_size=2))
def test_the_plan_is_measured_again_exactly_when_an_input_that_relabels_changed(
        old: dict[str, Any], changed: set[str], unknown: set[str]) -> None:
    olds = {**old, PLAN_KEY: {"prompts": 1}}
    news = {k: (f"{v}-new" if k in changed else v) for k, v in old.items()}
    assert needs_plan(olds, news, unknown) is bool(changed or unknown)
    assert needs_plan({}, news, set())  # a new dataset


@given(job=st.one_of(st.none(), st.from_regex(r"ft_[a-z0-9]{1,8}", fullmatch=True)),
       other=st.from_regex(r"ft_[a-z0-9]{1,8}", fullmatch=True))
def test_the_teachers_job_is_part_of_the_label_key(job: str | None, other: str) -> None:
    base = DistillationSpec.model_validate({k: v for k, v in BASE.items() if k != "retain_on_delete"})
    keyed = base.model_copy(update={"teacher_job_id": job})
    assert (keyed.label_key() == base.label_key()) is (job is None)  # no job: the key labels had before
    assert (keyed.model_copy(update={"teacher_job_id": other}).label_key() == keyed.label_key()) is (other == job)
