"""The PR comment, rendered from `pulumi preview --json` output (Pulumi's PreviewDigest shape): the
changes table, the per-model training cost and the policy violations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cortex_provider.review.__main__ import main
from cortex_provider.review.changes import from_preview_json
from cortex_provider.review.comment import render
from cortex_provider.review.kinds import DYNAMIC_TYPE
from tests.review.samples import PLAN, model

STACK = "primary"


def urn(name: str, rtype: str = DYNAMIC_TYPE) -> str:
    return f"urn:pulumi:{STACK}::cortex::{rtype}::{name}"


def state(name: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"urn": urn(name), "custom": True, "type": DYNAMIC_TYPE, "inputs": {**props, "__provider": "[secret]"}}


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
    assert "None (6 rules checked)." in text
