"""The PR comment, rendered from `pulumi preview --json` output (Pulumi's PreviewDigest shape): the
changes table, the per-model training cost and the policy violations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cortex_provider.pulumi.resource_type import LEGACY_TYPE
from cortex_provider.review.__main__ import main
from cortex_provider.review.changes import from_preview_json
from cortex_provider.review.comment import render
from cortex_provider.review.policies import RULES
from tests.review.samples import PLAN, model

STACK = "primary"


def urn(name: str, rtype: str = LEGACY_TYPE) -> str:
    return f"urn:pulumi:{STACK}::cortex::{rtype}::{name}"


def state(name: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"urn": urn(name), "custom": True, "type": LEGACY_TYPE, "inputs": {**props, "__provider": "[secret]"}}


def preview_doc() -> dict[str, Any]:
    old = model(options={"max_epochs": 1}, training_plan={**PLAN, "epochs": 1, "estimated_trained_tokens": 1.5e6})
    new = model(retain_on_delete=False, training_plan={
        **PLAN, "action": "retrain", "changed": ["options"], "estimated_trained_tokens": 3_000_000})
    draft = model(name="CORTEX_DEMO.MODELS.DRAFT", validation_query=None, training_plan={
        **PLAN, "rows": None, "estimated_trained_tokens": None, "note": "rows: unknown until the view exists"})
    m = "model-support-extractor"
    return {
        "steps": [
            {"op": "same", "urn": urn("cortex-stack", "pulumi:pulumi:Stack"),
             "newState": {"urn": urn("cortex-stack", "pulumi:pulumi:Stack"), "custom": False,
                          "type": "pulumi:pulumi:Stack"}},
            {"op": "same", "urn": urn("cortex-user-ml-engineer"),
             "newState": state("cortex-user-ml-engineer", {"role": "ML_ENGINEER"})},
            {"op": "create-replacement", "urn": urn(m), "oldState": state(m, old), "newState": state(m, new),
             "replaceReasons": ["options"], "detailedDiff": {"options.max_epochs": {"kind": "update-replace"},
                                                             "training_plan.epochs": {"kind": "update"}}},
            {"op": "replace", "urn": urn(m), "oldState": state(m, old), "newState": state(m, new)},
            {"op": "create", "urn": urn("model-draft"), "newState": state("model-draft", draft)},
            {"op": "create", "urn": urn("model-usage-draft-intern"),
             "newState": state("model-usage-draft-intern", {"role": "INTERN", "model": "CORTEX_DEMO.MODELS.DRAFT"})},
            {"op": "delete-replaced", "urn": urn(m), "oldState": state(m, old)},
        ],
        "changeSummary": {"create": 2, "replace": 1, "same": 2},
    }


def rows(text: str, heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under `#### heading`, as stripped cells."""
    section = text.split(f"#### {heading}", 1)[1].split("####", 1)[0]
    lines = [ln for ln in section.splitlines() if ln.startswith("|")][2:]
    return [[c.strip() for c in ln.strip("|").split(" | ")] for ln in lines]


def test_preview_json_steps_fold_into_one_change_per_resource() -> None:
    preview = from_preview_json(preview_doc())
    assert preview.stack == STACK
    ops = {c.name: c.op for c in preview.changes}
    assert ops == {"cortex-user-ml-engineer": "same", "model-support-extractor": "replace",
                   "model-draft": "create", "model-usage-draft-intern": "create"}
    replaced = next(c for c in preview.changes if c.op == "replace")
    assert replaced.changed == ["options", "training_plan"] and replaced.kind == "FineTunedModel"
    assert "__provider" not in replaced.new


def test_comment_tables_costs_and_violations() -> None:
    text = render(from_preview_json(preview_doc()))
    assert text.splitlines()[1].endswith("2 to create, 1 to replace, 1 unchanged")
    changes = rows(text, "Changes")
    assert ["+-", "`model-support-extractor`", "FineTunedModel", "replace", "options, training_plan"] in changes
    assert ["+", "`model-usage-draft-intern`", "ModelUsageGrant", "create", "(new)"] in changes
    assert len(changes) == 3  # the unchanged grant is only counted

    costs = {r[0]: r for r in rows(text, "Training cost")}
    assert costs["`CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR`"][1:6] == ["llama3.1-8b", "**retrain**", "1,200",
                                                                   "3,000,000", "2"]
    assert costs["`CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR`"][6] == "options"
    draft = costs["`CORTEX_DEMO.MODELS.DRAFT`"]
    assert draft[2:5] == ["train", "unknown", "unknown"] and "unknown until the view exists" in draft[6]
    assert "Total estimated trained tokens: 3,000,000** (1 model(s) not measurable yet)" in text

    violations = {(r[0], r[1]) for r in rows(text, "Policy violations (3)")}
    assert violations == {("`cortex-retain-on-delete-in-production`", "`model-support-extractor`"),
                          ("`cortex-validation-data-required`", "`model-draft`"),
                          ("`cortex-grants-to-listed-roles`", "`model-usage-draft-intern`")}


def test_cli_reads_pulumi_json_and_policy_config(tmp_path: Path, capsys: Any) -> None:
    doc = tmp_path / "preview.json"
    doc.write_text(json.dumps(preview_doc()))
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({
        "cortex-grants-to-listed-roles": {"enforcementLevel": "mandatory", "allowed_roles": ["ML_ENGINEER", "INTERN"]},
        "cortex-retain-on-delete-in-production": {"production_stacks": ["prod*"]},
        "cortex-validation-data-required": "advisory",
    }))
    assert main(["comment", "--stack", STACK, "--from-json", str(doc), "--policy-config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "#### Policy violations (1)" in out and "`cortex-validation-data-required`" in out
    assert main(["comment", "-s", STACK, "--from-json", str(doc), "--fail-on-violations"]) == 1


def test_no_changes_says_so() -> None:
    doc = {"steps": [{"op": "same", "urn": urn("g"), "newState": state("g", {"role": "ANALYST"})}]}
    text = render(from_preview_json(doc))
    assert "No resource changes." in text and "No model is trained or retrained" in text
    assert f"None ({len(RULES)} rules checked)." in text


def test_epochs_left_to_snowflake_show_the_assumption_and_the_bound() -> None:
    doc = preview_doc()
    unset = model(name="CORTEX_DEMO.MODELS.EXPORTED", options={}, training_plan={
        **PLAN, "epochs": 3, "estimated_trained_tokens": 3_600, "max_trained_tokens": 12_000,
        "epochs_rule": "max_epochs unset: Snowflake chooses the epochs (1-10); 3 assumed"})
    doc["steps"].append({"op": "create", "urn": urn("model-exported"), "newState": state("model-exported", unset)})
    costs = {r[0]: r for r in rows(render(from_preview_json(doc)), "Training cost")}
    row = costs["`CORTEX_DEMO.MODELS.EXPORTED`"]
    assert row[4] == "3,600 (up to 12,000)" and row[5] == "3 (assumed: max_epochs unset, Snowflake chooses)"


def test_release_rows_show_the_version_trained_or_adopted_and_the_versions_keep_drops() -> None:
    doc = preview_doc()
    base = {"name": "CORTEX_DEMO.MODELS.SUP", "base_model": "llama3.1-8b", "keep": 1,
            "training_query": "SELECT prompt, completion FROM CORTEX_DEMO.MODELS.SUPPORT_TRAIN",
            "options": {"max_epochs": 2}}
    plans = {"rel-train": {"train": "V4", "adopt": None, "rows": 90, "estimated_trained_tokens": 5_000,
                           "drops": ["V1", "V2"]},
             "rel-adopt": {"train": None, "adopt": "V3", "estimated_trained_tokens": 0, "drops": []}}
    for name, plan in plans.items():
        old, new = {**base, "keep": 3}, {**base, "name": f"CORTEX_DEMO.MODELS.{name.upper()}", "release_plan": plan}
        doc["steps"].append({"op": "update", "urn": urn(name), "oldState": state(name, old),
                             "newState": state(name, new), "diffReasons": ["keep", "release_plan"]})
    costs = {r[0]: r for r in rows(render(from_preview_json(doc)), "Training cost")}
    trained = costs["`CORTEX_DEMO.MODELS.REL-TRAIN`"]
    assert trained[2:5] == ["train V4", "90", "5,000"] and "drops V1, V2 (keep)" in trained[6]
    adopted = costs["`CORTEX_DEMO.MODELS.REL-ADOPT`"]
    assert adopted[2] == "adopt V3" and adopted[4] == "0" and "no new job" in adopted[6]
