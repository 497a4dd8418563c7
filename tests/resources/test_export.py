"""Brownfield export: an account built by hand with SQL is exported to a `cortex:spec`, which validates,
and whose models and grants the cores adopt with no FINETUNE CREATE and no change."""

from __future__ import annotations

import yaml

from cortex_provider.export import PLACEHOLDER_QUERY, export_spec, render
from cortex_provider.program.spec import parse_stack_spec
from cortex_provider.resources.finetune.core import FineTunedModelCore
from cortex_provider.resources.finetune.wait import WaitPolicy
from cortex_provider.resources.grants import ModelUsageGrantCore
from cortex_provider.resources.ownership import Claim
from tests.emulator.cortex_util import wait_status
from tests.resources.finetune_support import make_env


def test_export_then_adopt_is_a_noop(emulator) -> None:
    env = make_env(emulator)
    for stmt in ("CREATE ROLE APP", "CREATE ROLE TRAINER", "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE APP",
                 "GRANT USAGE ON DATABASE DB TO ROLE TRAINER", "GRANT USAGE ON SCHEMA DB.S TO ROLE TRAINER",
                 "GRANT CREATE MODEL ON SCHEMA DB.S TO ROLE TRAINER",
                 "CREATE VIEW DB.S.TRAIN_V AS SELECT prompt, completion FROM DB.S.TRAIN"):
        env.sql(stmt)
    query = "SELECT prompt, completion FROM DB.S.TRAIN"
    job = env.sql("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.HAND', 'llama3.1-8b', %s, NULL, "
                  "{'max_epochs': 2})", (query,))[0][0]
    wait_status(env.conn, job, {"SUCCESS"})
    old = env.sql("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.OLD', 'llama3.1-8b', %s)", (query,))[0][0]
    wait_status(env.conn, old, {"SUCCESS"})
    env.sql("GRANT USAGE ON MODEL DB.S.HAND TO ROLE APP")

    spec, notes = export_spec(env.session, "DB", "S")
    text = render(spec, notes, "test")
    parsed = parse_stack_spec(yaml.safe_load(text)["config"]["cortex:spec"], "exported")
    assert parsed.access.cortex_users == ["APP"] and parsed.access.model_creators == ["TRAINER"]
    by_name = {m.name: m for m in parsed.models}
    hand = by_name["HAND"]
    assert (hand.base_model, hand.training_query, hand.options, hand.usage_roles, hand.adopt) == (
        "llama3.1-8b", query, {}, ["APP"], True)  # DESCRIBE carries no options here: a note says so
    assert any("HAND" in n and "options" in n for n in notes)
    assert "# NOTE: views not declared" in text and "TRAIN_V" in text

    creates = env.creates_in_log()
    core = FineTunedModelCore(WaitPolicy(initial_s=0.05, log=lambda m: None, warn=lambda m: None))
    for m in parsed.models:
        inputs = {"name": m.name, "database": "DB", "schema_name": "S", "base_model": m.base_model,
                  "training_query": m.training_query, "options": m.options}
        out = core.create_as(env.session, core.parse(core.check({}, inputs).inputs), Claim(adopt=m.adopt)).outputs
        assert out["adopted"] == "model" and out["status"] == "SUCCESS" and out["origin"] == "adopted"
        assert not core.diff(out["name"], out, core.check(out, inputs).inputs).has_changes
    assert env.creates_in_log() == creates  # zero new jobs
    grant = ModelUsageGrantCore()
    applied = grant.create(env.session, grant.parse({"role": "APP", "model": "DB.S.HAND"}))
    assert applied.outputs.get("pre_existing") in (True, None)


def test_purged_job_is_a_comment_and_the_model_is_adopted_as_is(emulator) -> None:
    env = make_env(emulator)
    job = env.sql("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.GONE', 'llama3.1-8b', "
                  "'SELECT prompt, completion FROM DB.S.TRAIN')")[0][0]
    wait_status(env.conn, job, {"SUCCESS"})
    env.sql("SELECT SYSTEM$CORTEX_LOCAL_PURGE_FINETUNE_JOBS()")
    spec, notes = export_spec(env.session, "DB", "S")
    assert spec["models"] == [{"name": "GONE", "base_model": "llama3.1-8b", "training_query": PLACEHOLDER_QUERY,
                               "options": {}, "adopt": True}]
    assert any("GONE" in n and "purged" in n and "adopted as is" in n for n in notes)
    core = FineTunedModelCore(WaitPolicy(initial_s=0.05, log=lambda m: None, warn=lambda m: None))
    inputs = {"name": "GONE", "database": "DB", "schema_name": "S", "base_model": "llama3.1-8b",
              "training_query": PLACEHOLDER_QUERY, "options": {}}
    creates = env.creates_in_log()
    out = core.create_as(env.session, core.parse(core.check({}, inputs).inputs), Claim(adopt=True)).outputs
    assert out["adopted"] == "model" and env.creates_in_log() == creates
