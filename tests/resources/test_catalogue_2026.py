"""The provider's side of the 2026 catalogue: the base-model catalogue and its advisories, row limits and
truncation in the plan, tolerant DESCRIBE parsing (both shapes), and an asynchronous ERROR after CREATE on the
emulator."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from cortex_provider import catalogue
from cortex_provider.resources.finetune import plan as fp
from cortex_provider.resources.finetune.spec import FineTunedModelSpec
from cortex_provider.resources.finetune.wait import JobFailed
from cortex_provider.review import policies
from cortex_provider.sql.parse_cortex import FinetuneStatus, finetune_job_from_obj
from tests.conftest import Emulator
from tests.resources.finetune_support import make_env, spec

BEFORE, DURING, AFTER = dt.date(2026, 12, 1), dt.date(2027, 2, 1), dt.date(2027, 4, 2)


def test_catalogue_advisories_for_old_bases_and_the_deprecation_window() -> None:
    assert catalogue.CURRENT == ("llama3.1-8b",) and "mistral-7b" in catalogue.LEGACY
    assert catalogue.advisories("llama3.1-8b", BEFORE) == []
    (old,) = catalogue.advisories("mistral-7b", BEFORE)
    assert "not in Snowflake's current fine-tunable list" in old and "2026-11-01" in old and "llama3.1-8b" in old
    (now,) = catalogue.advisories("llama3.1-8b", DURING)
    assert "Q1 2027" in now and "Cortex Training" in now
    (past,) = catalogue.advisories("llama3.1-8b", AFTER)
    assert "has passed" in past
    assert catalogue.MODELS["llama3.1-8b"].row_limit(1) == 150_000
    assert catalogue.MODELS["llama3.1-8b"].row_limit(None) == 50_000


def test_spec_rejects_never_finetunable_and_dataset_models_but_keeps_old_ones() -> None:
    base = {"name": "DB.S.M", "training_query": "SELECT prompt, completion FROM DB.S.T"}
    with pytest.raises(ValidationError, match="never fine-tunable"):
        FineTunedModelSpec.model_validate({**base, "base_model": "llama3.2-1b"})
    with pytest.raises(ValidationError, match="snow://dataset"):
        FineTunedModelSpec.model_validate({**base, "base_model": "arctic-extract"})
    assert FineTunedModelSpec.model_validate({**base, "base_model": "Mistral-7B"}).base_model == "mistral-7b"


def test_plan_shows_advisories_row_limit_and_truncation() -> None:
    fp.CACHE.clear()
    news = {"name": "DB.S.M", "base_model": "mistral-7b", "training_query": "SELECT 1 AS q",
            "options": {"max_epochs": 3}}
    plan = fp.plan_for({}, news, set(), lambda *_: fp.Measured(20_000, 100, "estimate", 7))
    assert plan is not None
    assert plan["row_limit"] == 15_000 and "exceed mistral-7b's row limit of 15000" in plan["note"]
    assert plan["truncated"] == "will be truncated: 7 rows"
    assert any("not in Snowflake's current fine-tunable list" in a for a in plan["advisories"])
    fp.CACHE.clear()
    ok = fp.plan_for({}, {**news, "base_model": "llama3.1-8b", "training_query": "SELECT 2 AS q"}, set(),
                     lambda *_: fp.Measured(10, 100, "estimate"))
    assert ok is not None and ok["note"] is None and "truncated" not in ok


def test_policy_allowed_models_default_is_the_catalogue() -> None:
    default = policies.RULES[policies.BASE_MODELS].config["allowed_base_models"]["default"]
    assert default == list(catalogue.ACCEPTED)
    found = policies.check_base_model({"base_model": "mistral-7b"}, ["llama3.1-8b"])
    assert "not allowed" in found[0] and "current fine-tunable list" in found[1]
    assert policies.check_base_model({"base_model": "mistral-7b"}, catalogue.ACCEPTED) == []


@pytest.mark.parametrize("shape", ["twelve_keys", "with_options", "minimal"])
def test_describe_parsing_tolerates_both_shapes(shape: str) -> None:
    obj = {"id": "ft_1", "status": "SUCCESS", "progress": 1.0, "base_model": "llama3.1-8b", "created_on": 1,
           "finished_on": 2, "model": "DB.S.M", "training_data": "q", "trained_tokens": 9, "error": None,
           "training_result": {"validation_loss": 0.5, "training_loss": 0.25}, "validation_data": ""}
    if shape == "with_options":
        obj.update(options={"max_epochs": 2}, something_new=True)
    if shape == "minimal":
        obj = {"id": "ft_1", "status": "IN_PROGRESS"}
    job = finetune_job_from_obj(json.dumps(obj))
    assert job.id == "ft_1" and job.validation_data is None
    if shape == "with_options":
        assert job.extra["options"] == {"max_epochs": 2} and job.extra["something_new"] is True
    if shape == "twelve_keys":
        assert (job.status, job.validation_loss, job.trained_tokens) == (FinetuneStatus.SUCCESS, 0.5, 9)


@pytest.fixture(scope="module", params=[[], ["--describe-options"]], ids=["no-options", "options"])
def current(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("cur") / "data", catalogue="current", extra_args=request.param)
    emu.start()
    yield emu
    emu.stop()


def test_async_error_fails_up_with_snowflakes_message_then_one_new_job(current: Emulator, tmp_path: Path) -> None:
    env = make_env(current, rows=12)
    bad = spec(base_model="llama3.1-8b", training_query='SELECT prompt AS "prompt", completion FROM DB.S.TRAIN')
    with pytest.raises(JobFailed) as info:
        env.core.create(env.session, env.core.parse(bad))
    text = str(info.value)
    assert "ended ERROR" in text and "Failed to query input data for Fine-tuning" in text
    assert info.value.job.id in text and env.creates_in_log() == 1
    good = env.core.create(env.session, env.core.parse(spec(base_model="llama3.1-8b")))
    assert good.outputs["status"] == "SUCCESS" and env.creates_in_log() == 2  # exactly one new job
    assert env.models() == ["TUNED"]
    # adopting it again (a crash before the state write) starts nothing
    again = env.core.create(env.session, env.core.parse(spec(base_model="llama3.1-8b")))
    assert again.outputs["job_id"] == good.outputs["job_id"] and env.creates_in_log() == 2
