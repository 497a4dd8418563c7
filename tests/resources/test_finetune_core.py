"""FineTunedModelCore against the emulator through the real driver: create/adopt/read/diff/delete."""

from __future__ import annotations

import time

import pytest

from cortex_provider.errors import SnowflakeStatementError
from cortex_provider.resources.finetune.core import ModelConflict
from cortex_provider.resources.finetune.wait import JobFailed, WaitTimeout
from cortex_provider.resources.ownership import Claim, Owner
from tests.resources.finetune_support import TRAIN_QUERY, make_env, slow, spec


def _wait_job(env, job_id, wanted, timeout=20.0):
    from cortex_provider.resources.finetune.lookup import describe

    deadline = time.monotonic() + timeout
    while True:
        job = describe(env.session, job_id)
        if job is not None and job.status.value in wanted:
            return job
        assert time.monotonic() < deadline, f"job {job_id} stuck: {job}"
        time.sleep(0.05)


def test_create_waits_for_success_and_reports_outputs(emulator):
    env = make_env(emulator)
    applied = env.core.create(env.session, env.core.parse(spec()))
    out = applied.outputs
    assert applied.id == "DB.S.TUNED"
    assert out["status"] == "SUCCESS" and out["progress"] == 1.0
    assert out["model"] == "DB.S.TUNED" and out["job_id"].startswith("ft_")
    assert out["trained_tokens"] > 0
    # the pre-flight's estimate (input tokens x epochs) is what the stub engine then trains
    assert out["estimated_trained_tokens"] == out["trained_tokens"]
    assert out["training_rows"] == 3
    assert out["data_fingerprint"].startswith("rows=3;")
    assert out["local_engine"] is None  # DESCRIBE carries only Snowflake's keys (the engine is not one)
    assert out["validation_loss"] is None and out["finished_on"] >= out["created_on"]
    assert out["base_model"] == "mistral-7b" and out["retain_on_delete"] is True
    assert env.creates_in_log() == 1
    assert env.models() == ["TUNED"]
    assert any("started fine-tuning job" in line for line in env.logs)


def test_validation_loss_reported(emulator):
    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(spec(validation_query=TRAIN_QUERY))).outputs
    assert out["validation_loss"] is not None and out["validation_query"] == TRAIN_QUERY


def test_bare_and_qualified_names_are_the_same_spec(emulator):
    env = make_env(emulator)
    bare = env.core.check({}, spec()).inputs
    full = env.core.check({}, spec(name="db.s.tuned", database=None, schema_name=None)).inputs
    assert bare == full and bare["name"] == "DB.S.TUNED"
    assert not env.core.diff("DB.S.TUNED", bare, full).has_changes


def test_adopts_a_running_job_instead_of_starting_another(emulator):
    env = make_env(emulator)
    # a crash after CREATE, before state was written: the job exists, Pulumi knows nothing of it
    job_id = env.sql("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.TUNED', 'mistral-7b', %s, '', "
                     "PARSE_JSON('{\"max_epochs\": 1, \"stub_step_seconds\": 0.3}'))", (TRAIN_QUERY,))[0][0]
    applied = env.core.create(env.session, env.core.parse(slow(0.3)))
    assert applied.outputs["job_id"] == job_id and applied.outputs["status"] == "SUCCESS"
    assert applied.outputs["adopted"] == "job"
    assert env.creates_in_log() == 1  # only the "crashed" one


def test_a_job_for_another_spec_is_not_adopted(emulator):
    env = make_env(emulator)
    env.sql("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.TUNED', 'llama3-8b', %s)", (TRAIN_QUERY,))
    _ = env.core.create  # same name, other base model: a different (running) job, never adopted
    out = env.core.create(env.session, env.core.parse(spec(name="OTHER"))).outputs
    assert out["adopted"] is None and env.creates_in_log() == 2


def test_adopts_the_model_after_its_job_record_was_purged(emulator):
    env = make_env(emulator)
    ours = Claim(Owner("proj", "dev", "model-tuned"))
    first = env.core.create_as(env.session, env.core.parse(spec()), ours).outputs
    env.sql("SELECT SYSTEM$CORTEX_LOCAL_PURGE_FINETUNE_JOBS()")
    # state lost: the model's COMMENT names this resource, so it is taken back without any new job
    again = env.core.create_as(env.session, env.core.parse(spec()), ours).outputs
    assert again["status"] == "SUCCESS" and again["adopted"] == "model" and again["origin"] == "created"
    assert env.creates_in_log() == 1
    assert any("job record is gone" in w for w in env.warnings)
    # refresh of the original state: no drift, no diff, no DESCRIBE of the purged job
    env.events.clear()
    live = env.core.read(env.session, "DB.S.TUNED", first)
    assert live is not None and live.outputs == first
    assert "FINETUNE DESCRIBE" not in env.kinds()
    assert not env.core.diff("DB.S.TUNED", live.outputs, spec()).has_changes


def test_purged_running_job_record_with_model_present_is_success(emulator):
    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(slow(0.2, wait="none"))).outputs
    assert out["status"] in ("PENDING", "IN_PROGRESS")
    _wait_job(env, out["job_id"], {"SUCCESS"})
    env.sql("SELECT SYSTEM$CORTEX_LOCAL_PURGE_FINETUNE_JOBS()")
    live = env.core.read(env.session, "DB.S.TUNED", out)
    assert live is not None and live.outputs["status"] == "SUCCESS"
    assert not env.core.diff("DB.S.TUNED", live.outputs, slow(0.2, wait="none")).has_changes


def test_model_dropped_by_hand_is_drift_that_plans_a_retrain(emulator):
    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(spec())).outputs
    env.sql("DROP MODEL DB.S.TUNED")
    live = env.core.read(env.session, "DB.S.TUNED", out)
    assert live is not None and live.outputs["status"] == "MISSING"
    assert "dropped outside Pulumi" in live.outputs["drift"]
    assert any("retrains it" in w and str(out["estimated_trained_tokens"]) in w for w in env.warnings)
    d = env.core.diff("DB.S.TUNED", live.outputs, spec())
    assert d.replaces == ["status"] and not d.delete_before_replace
    # the replacement's create retrains (the SUCCESS job has no model any more: not adoptable)
    new = env.core.create(env.session, env.core.parse(spec())).outputs
    assert new["status"] == "SUCCESS" and new["job_id"] != out["job_id"] and env.creates_in_log() == 2
    # ... and deleting the MISSING old entry must not touch the new model of the same name
    env.events.clear()
    env.core.delete(env.session, "DB.S.TUNED", {**live.outputs, "retain_on_delete": False})
    assert env.events == [] and env.models() == ["TUNED"]


def test_job_error_surfaces_cortex_text_and_creates_nothing(emulator):
    env = make_env(emulator)
    env.sql("CREATE TABLE DB.S.VALID (prompt VARCHAR, completion VARCHAR)")
    env.sql("INSERT INTO DB.S.VALID VALUES ('p', NULL)")  # passes the pre-flight, fails inside the job
    with pytest.raises(JobFailed) as err:
        env.core.create(env.session, env.core.parse(spec(
            base_model="llama3-8b", validation_query="SELECT prompt, completion FROM DB.S.VALID")))
    assert "ended ERROR" in str(err.value) and "NULL prompt or completion" in str(err.value)
    assert env.models() == []


def test_over_long_rows_are_truncated_not_refused(emulator):
    # Snowflake truncates pairs longer than the base model's split (2026 docs): a warning, not a refusal
    env = make_env(emulator)
    env.sql("INSERT INTO DB.S.TRAIN VALUES (%s, 'x')", ("word " * 6000,))  # over llama3-8b's 6k prompt share
    applied = env.core.create(env.session, env.core.parse(spec(base_model="llama3-8b")))
    assert applied.outputs["status"] == "SUCCESS" and env.creates_in_log() == 1
    assert any("truncated" in w for w in env.warnings + env.logs)


def test_timeout_leaves_the_job_running_and_the_next_create_adopts_it(emulator):
    env = make_env(emulator)
    with pytest.raises(WaitTimeout) as err:
        env.core.create(env.session, env.core.parse(slow(0.5, timeout_minutes=0.005)))
    assert "NOT cancelled" in str(err.value) and "next `pulumi up` adopts it" in str(err.value)
    assert env.logged("FINETUNE('CANCEL'") == []
    out = env.core.create(env.session, env.core.parse(slow(0.5))).outputs
    assert out["status"] == "SUCCESS" and out["job_id"] == err.value.job.id
    assert env.creates_in_log() == 1


def test_wait_running_returns_once_training_started(emulator):
    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(slow(0.5, wait="running"))).outputs
    assert out["status"] in ("IN_PROGRESS", "SUCCESS")
    live = env.core.read(env.session, "DB.S.TUNED", out)
    assert live is not None and live.outputs["status"] in ("IN_PROGRESS", "SUCCESS")
    done = _wait_job(env, out["job_id"], {"SUCCESS"})
    live = env.core.read(env.session, "DB.S.TUNED", live.outputs)
    assert live is not None and live.outputs["status"] == "SUCCESS"
    assert live.outputs["trained_tokens"] == done.trained_tokens


def test_job_cancelled_by_hand_without_model_is_drift(emulator):
    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(slow(1.0, wait="none"))).outputs
    env.sql("SELECT SNOWFLAKE.CORTEX.FINETUNE('CANCEL', %s)", (out["job_id"],))
    _wait_job(env, out["job_id"], {"CANCELLED"})
    live = env.core.read(env.session, "DB.S.TUNED", out)
    assert live is not None and live.outputs["status"] == "MISSING" and "CANCELLED" in live.outputs["drift"]


def test_provider_only_changes_are_updates_with_zero_statements(emulator):
    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(spec())).outputs
    news = spec(wait="none", timeout_minutes=5, retain_on_delete=False, retrain_on="data")
    env.events.clear()
    d = env.core.diff("DB.S.TUNED", out, news)
    assert sorted(d.changed) == ["retain_on_delete", "retrain_on", "timeout_minutes", "wait"]
    assert d.replaces == []
    updated = env.core.update(env.session, "DB.S.TUNED", out, env.core.parse(news))
    assert updated["retain_on_delete"] is False and updated["job_id"] == out["job_id"]
    assert updated["data_fingerprint"] == out["data_fingerprint"]
    assert env.events == []


@pytest.mark.parametrize("field,value", [("base_model", "llama3-8b"), ("options", {"max_epochs": 3}),
                                         ("training_query", TRAIN_QUERY + " WHERE 1 = 1"),
                                         ("validation_query", TRAIN_QUERY), ("name", "TUNED_V2")])
def test_spec_changes_are_replaces(emulator, field, value):
    env = make_env(emulator)
    olds = {**env.core.check({}, spec(retain_on_delete=False)).inputs, "status": "SUCCESS"}
    d = env.core.diff("DB.S.TUNED", olds, spec(retain_on_delete=False, **{field: value}))
    assert field in d.replaces
    # same name: the old model must go first; a new name: create-before-delete
    assert d.delete_before_replace is (field != "name")


def test_same_name_replace_of_a_retained_model_fails_the_plan(emulator):
    env = make_env(emulator)
    olds = {**env.core.check({}, spec()).inputs, "status": "SUCCESS"}
    with pytest.raises(ModelConflict, match="new `name`"):
        env.core.diff("DB.S.TUNED", olds, spec(base_model="llama3-8b"))
    with pytest.raises(ModelConflict):  # flipping retain in the same change is not enough
        env.core.diff("DB.S.TUNED", olds, spec(base_model="llama3-8b", retain_on_delete=False))


def test_replace_with_new_name_cancels_old_running_job_and_keeps_models(emulator):
    env = make_env(emulator)
    kept = env.core.create(env.session, env.core.parse(spec(name="KEPT"))).outputs
    old = env.core.create(env.session, env.core.parse(slow(1.0, wait="none"))).outputs
    d = env.core.diff("DB.S.TUNED", old, slow(1.0, wait="none", name="TUNED_V2"))
    assert d.replaces == ["name"] and not d.delete_before_replace
    # (the emulator trains one job at a time: the new one queues behind the old, so don't wait for it)
    new = env.core.create(env.session, env.core.parse(slow(0.05, name="TUNED_V2", wait="none"))).outputs
    env.core.delete(env.session, "DB.S.TUNED", old)  # retain_on_delete defaults to true
    assert len(env.logged("FINETUNE('CANCEL'")) == 1
    assert _wait_job(env, old["job_id"], {"CANCELLED"}).status.value == "CANCELLED"
    _wait_job(env, new["job_id"], {"SUCCESS"})
    # a SUCCESS model replaced under a new name is retained too
    env.core.delete(env.session, "DB.S.KEPT", kept)
    assert env.models() == ["KEPT", "TUNED_V2"]
    assert any("model retained" in line for line in env.logs)


def test_delete_drops_only_when_retain_is_false(emulator):
    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(spec(retain_on_delete=False))).outputs
    env.core.delete(env.session, "DB.S.TUNED", out)
    assert env.models() == [] and len(env.logged("DROP MODEL")) == 1


def test_retrain_on_data_replaces_when_the_fingerprint_changes(emulator):
    from cortex_provider.resources.finetune.costs import fingerprint

    env = make_env(emulator)
    out = env.core.create(env.session, env.core.parse(spec(name="V1", retrain_on="data"))).outputs
    same = fingerprint(env.session, TRAIN_QUERY)
    assert same == out["data_fingerprint"]
    unchanged = spec(name="V1", retrain_on="data", data_fingerprint=same)
    assert not env.core.diff("DB.S.V1", out, unchanged).changed
    env.sql("INSERT INTO DB.S.TRAIN VALUES ('new prompt', 'new completion')")
    changed = fingerprint(env.session, TRAIN_QUERY)
    assert changed != same
    news = spec(name="V1", retrain_on="data", data_fingerprint=changed)
    with pytest.raises(ModelConflict):  # same name + retained model
        env.core.diff("DB.S.V1", out, news)
    d = env.core.diff("DB.S.V1", {**out, "retain_on_delete": False}, {**news, "retain_on_delete": False})
    assert d.replaces == ["data_fingerprint"] and d.delete_before_replace
    # with retrain_on=spec the same data change is no retrain (only the retrain_on flip is an update)
    d = env.core.diff("DB.S.V1", out, spec(name="V1", data_fingerprint=changed))
    assert d.changed == ["retrain_on"] and d.replaces == []


def test_import_rebuilds_the_spec_from_the_job(emulator):
    env = make_env(emulator)
    env.core.create(env.session, env.core.parse(spec()))
    imported = env.core.read(env.session, "DB.S.TUNED", {})
    assert imported is not None
    assert imported.outputs["base_model"] == "mistral-7b"
    assert imported.outputs["training_query"] == TRAIN_QUERY
    # DESCRIBE carries no `options` (Snowflake's documented keys; the emulator adds them only with
    # --describe-options), so an import cannot recover max_epochs ...
    assert "options" not in imported.outputs
    # ... and a declaration that states it must not turn the import into a paid retrain
    assert not env.core.diff("DB.S.TUNED", imported.outputs, spec()).replaces
    assert env.core.read(env.session, "DB.S.NOPE", {}) is None


def test_driver_errors_keep_snowflakes_text(emulator):
    env = make_env(emulator)
    with pytest.raises(SnowflakeStatementError, match="does not exist"):
        missing_table = spec(training_query="SELECT prompt, completion FROM DB.S.NOPE")
        env.core.create(env.session, env.core.parse(missing_table))
