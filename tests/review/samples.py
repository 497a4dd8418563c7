"""Sample stacks as the policies see them: each resource's checked inputs (what the providers'
check returns), keyed by Pulumi resource name."""

from __future__ import annotations

from typing import Any

from cortex_provider.pulumi.resource_type import LEGACY_TYPE
from cortex_provider.review.policies import Planned

PLAN = {"action": "train", "base_model": "llama3.1-8b", "epochs": 2, "rows": 1200,
        "estimated_trained_tokens": 3_000_000, "validation": True, "changed": [], "note": None}


def model(**over: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "name": "CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR", "database": "CORTEX_DEMO", "schema_name": "MODELS",
        "base_model": "llama3.1-8b", "training_query": "SELECT prompt, completion FROM CORTEX_DEMO.MODELS.T",
        "validation_query": "SELECT prompt, completion FROM CORTEX_DEMO.MODELS.V", "training_definition": None,
        "validation_definition": None, "options": {"max_epochs": 2}, "wait": "succeeded",
        "timeout_minutes": 120.0, "retain_on_delete": True, "retrain_on": "spec", "data_fingerprint": None,
        "training_plan": dict(PLAN),
    }
    props.update(over)
    return props


def grants(user: str = "ML_ENGINEER", creator: str = "ML_ENGINEER", usage: str = "ANALYST") -> list[Planned]:
    return [
        Planned("cortex-user", LEGACY_TYPE, {"role": user}),
        Planned("model-creator", LEGACY_TYPE, {"role": creator, "database": "CORTEX_DEMO", "schema": "MODELS"}),
        Planned("model-usage", LEGACY_TYPE, {"role": usage, "model": "CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR",
                                              "database": None, "schema": None}),
    ]


def view() -> Planned:
    return Planned("view", LEGACY_TYPE, {
        "database": "CORTEX_DEMO", "schema": "MODELS", "name": "T", "query": None, "source": "RAW.NOTES",
        "prompt_expr": "NOTE", "completion_expr": "LABEL", "where": None, "base_model": "llama3.1-8b",
        "epochs": 2})


def good_stack() -> list[Planned]:
    return [*grants(), view(), Planned("model", LEGACY_TYPE, model())]
