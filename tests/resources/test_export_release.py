"""Brownfield export of a model release: an endpoint with versions V1, V2 (V1 pinned back into service)
is exported as one `releases:` entry (not as models), which validates as cortex:spec and which a new
ModelRelease adopts with no FINETUNE CREATE, no repoint and no version dropped."""

from __future__ import annotations

from typing import Any

import yaml

from cortex_provider.export import export_spec, render
from cortex_provider.program.spec import parse_stack_spec
from cortex_provider.resources.release import ModelReleaseCore
from tests.resources.finetune_support import make_env
from tests.resources.test_release import ask, release, run, stub_answer


def test_release_exports_as_one_entry_that_adopts_with_no_change(emulator: Any) -> None:
    env = make_env(emulator)
    env.sql("CREATE ROLE APP")
    core = ModelReleaseCore(env.core)
    v1 = run(core, env, release(usage_roles=["APP"]))
    v2 = run(core, env, release(usage_roles=["APP"], options={"max_epochs": 2}), v1)
    run(core, env, release(usage_roles=["APP"], options={"max_epochs": 2}, serving="V1"), v2)
    env.sql("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'DB.S.PLAIN', 'llama3.1-8b', "
            "'SELECT prompt, completion FROM DB.S.TRAIN')")

    spec, notes = export_spec(env.session, "DB", "S")
    text = render(spec, notes, "test")
    (entry,) = spec["releases"]
    assert entry["name"] == "SUP" and entry["serving"] == "V1" and entry["keep"] == 3
    assert entry["usage_roles"] == ["APP"]
    assert entry["training_query"] == "SELECT prompt, completion FROM DB.S.TRAIN"
    assert not any(m["name"].startswith("SUP_V") for m in spec["models"])  # versions: under the release
    assert any("V1 serves, not the newest V2: pinned" in n for n in notes)
    parsed = parse_stack_spec(yaml.safe_load(text)["config"]["cortex:spec"], "exported")
    (declared,) = parsed.releases

    before = len(emulator.query_log(env.account))
    inputs = {"name": declared.name, "database": "DB", "schema_name": "S", "base_model": declared.base_model,
              "training_query": declared.training_query, "options": declared.options, "serving": declared.serving,
              "keep": declared.keep, "usage_roles": declared.usage_roles}
    fresh = ModelReleaseCore(env.core)
    out = fresh.create(env.session, fresh.parse(fresh.check({}, inputs).inputs)).outputs
    sent = [str(e["statement"]) for e in emulator.query_log(env.account)[before:]]
    assert not [s for s in sent if "FINETUNE('CREATE'" in s.upper()]
    assert not [s for s in sent if s.lstrip().upper().startswith(("CREATE", "DROP"))]  # no repoint, no drop
    assert (out["serving_version"], [v["version"] for v in out["versions"]]) == ("V1", ["V1", "V2"])
    assert ask(env) == stub_answer("DB.S.SUP_V1", "Extract from note 0")
    assert {"SUP_V1", "SUP_V2"} <= set(env.models())
