"""No wedged stacks, honest epochs: on the real Pulumi engine (stub emulator).

- A model declared with `options: {}` (what `python -m cortex_provider.export` writes) is planned with
  the epochs Snowflake's docs assume when max_epochs is unset (and a bound for the most it may choose),
  billed exactly what the plan estimated, and the second `up` and `refresh` are no-ops (they used to fail
  with ModelConflict: state held {'max_epochs': None}, the program sent {}).
- A generated handful of stacks: `up` in one spelling, then `up` in another spelling of the same spec
  (identifier and base-model case, quoted upper-case names, options omitted / null / spelled out) changes
  nothing and sends no SQL that creates, grants or trains anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.conftest import Emulator
from tests.e2e.engine import EngineProject
from tests.e2e.support import demo_project

ACCOUNT = "LOCAL"
WRITES = ("CREATE", "DROP", "ALTER", "GRANT", "REVOKE", "INSERT", "FINETUNE('CREATE'")


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Emulator, EngineProject]]:
    with demo_project(tmp_path_factory.mktemp("no-wedge")) as (emu, project):
        yield emu, project


def _sql_during(emu: Emulator, project: EngineProject, verb: str, stack: str) -> tuple[Any, list[str]]:
    before = len(emu.query_log(ACCOUNT))
    result = project.run(verb, stack)
    assert result.ok, f"{verb} {stack} failed:\n{result.stdout[-3000:]}"
    return result, [str(e["statement"]) for e in emu.query_log(ACCOUNT)[before:]]


def _writes(sql: list[str]) -> list[str]:
    return [s for s in sql if s.lstrip().upper().startswith(WRITES) or "FINETUNE('CREATE'" in s.upper()]


def test_options_unset_is_planned_billed_and_stays_a_no_op(setup: tuple[Emulator, EngineProject]) -> None:
    emu, project = setup
    spec = project.spec()
    project.set_spec({**spec, "models": []})  # the views first, so the preview can measure their rows
    _sql_during(emu, project, "up", "local")
    spec["models"][0]["options"] = {}  # the export's form: max_epochs unset, Snowflake chooses
    project.set_spec(spec)

    preview = project.run("preview")
    assert preview.ok, preview.stdout[-3000:]
    plan = preview.step("model-support-extractor").new_inputs["training_plan"]
    assert plan["epochs"] == 3 and "max_epochs unset" in plan["epochs_rule"]
    per_epoch = plan["estimated_trained_tokens"] // 3
    assert plan["estimated_trained_tokens"] == per_epoch * 3 and plan["max_trained_tokens"] == per_epoch * 10

    up, _ = _sql_during(emu, project, "up", "local")
    model = up.outputs["model:SUPPORT_EXTRACTOR"]
    assert model["status"] == "SUCCESS"
    assert model["trained_tokens"] == plan["estimated_trained_tokens"]  # billed == planned

    again, sql = _sql_during(emu, project, "up", "local")
    assert again.changes == 0 and not _writes(sql), (again.summary, _writes(sql))
    _sql_during(emu, project, "refresh", "local")
    after, sql = _sql_during(emu, project, "up", "local")
    assert after.changes == 0 and not _writes(sql)


# -- generated spellings -----------------------------------------------------------------------------
def _spell(draw: Any, name: str) -> str:
    how = draw(st.sampled_from(["upper", "lower", "title", "quoted"]))
    return {"upper": name, "lower": name.lower(), "title": name.title(), "quoted": f'"{name}"'}[how]


def _base(draw: Any) -> str:
    return draw(st.sampled_from(["llama3.1-8b", "Llama3.1-8B", "LLAMA3.1-8B"]))


def _options(draw: Any, unset: bool) -> dict[str, Any]:
    """`{"options": ...}` to merge into a model: unset epochs, or the default one epoch in any form."""
    if unset:
        return {"options": draw(st.sampled_from([{}, {"max_epochs": None}]))}
    return draw(st.sampled_from([{}, {"options": None}, {"options": {"max_epochs": 1}},
                                 {"options": {"max_epochs": 1.0}}]))


def _stack_spec(draw: Any, schema: str, unset: bool) -> dict[str, Any]:
    view = _spell(draw, "TRAIN_VIEW")
    return {
        "database": _spell(draw, "CORTEX_DEMO"), "schema": _spell(draw, schema),
        "access": {"model_creators": [_spell(draw, "ML_ENGINEER")]},
        "training_views": [{"name": view, "source": ".".join(_spell(draw, p) for p in ("CORTEX_DEMO", "RAW",
                                                                                          "SUPPORT_NOTES")),
                            "prompt": draw(st.sampled_from(["NOTE", " NOTE"])), "completion": "LABEL_JSON"}],
        "models": [{"name": _spell(draw, "EXTRACTOR"), "base_model": _base(draw), "training_view": view,
                    "usage_roles": [_spell(draw, "ANALYST")], **_options(draw, unset)}],
    }


_seen: list[int] = []


@given(st.data(), st.booleans())
@settings(max_examples=3, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))  # no shrinking: each example is two real `up`s
def test_up_then_up_in_another_spelling_is_a_no_op(setup: tuple[Emulator, EngineProject], data: st.DataObject,
                                                   unset: bool) -> None:
    emu, project = setup
    n = len(_seen)
    _seen.append(n)
    stack, schema = f"spell{n}", f"SPELL{n}"
    admin = emu.connect(account=ACCOUNT).cursor()
    admin.execute(f"CREATE SCHEMA IF NOT EXISTS CORTEX_DEMO.{schema}")
    # the stack deploys as its deployer role: the admin gives it the new schema, as the deployer step does
    admin.execute(f"GRANT USAGE, CREATE VIEW, CREATE MODEL ON SCHEMA CORTEX_DEMO.{schema} TO ROLE CORTEX_DEPLOYER")
    for i, spec in enumerate((_stack_spec(data.draw, schema, unset), _stack_spec(data.draw, schema, unset))):
        config = project.load("local" if i == 0 else stack)  # the stack file keeps its salt once created
        config["config"]["cortex:spec"] = spec
        project.save(config, stack)
        result, sql = _sql_during(emu, project, "up", stack)
    assert result.changes == 0, (result.summary, spec)
    assert not _writes(sql), (_writes(sql), spec)
