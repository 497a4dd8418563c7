"""The TrainingView Pulumi resource (a thin layer over TrainingViewCore).

    view = TrainingView("support-train", database="CORTEX_DEMO", schema="MODELS", name="SUPPORT_TRAIN",
                        source="CORTEX_DEMO.RAW.SUPPORT_NOTES", prompt_expr="NOTE",
                        completion_expr="LABEL_JSON", base_model="llama3.1-8b", epochs=2)
    FineTunedModel(..., training_query=view.training_query)

Import id: `DB.SCHEMA.VIEW`.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import Resource

from cortex_provider.pulumi.base import CoreProvider
from cortex_provider.resources.training_view import TrainingViewCore


class TrainingViewProvider(CoreProvider):
    core = TrainingViewCore()


class TrainingView(Resource):
    """A view yielding text columns prompt and completion, checked live before it is created.

    Outputs: fqn, training_query (`SELECT prompt, completion FROM <fqn>`), query_text (the view's
    query; the live one after a refresh found it redefined), ddl_hash, and preflight (row count,
    bytes, tokens, rows over the base model's limits, duplicates, estimated trained tokens,
    token_method, warnings)."""

    database: pulumi.Output[str]
    schema: pulumi.Output[str]
    name: pulumi.Output[str]
    fqn: pulumi.Output[str]
    training_query: pulumi.Output[str]
    query_text: pulumi.Output[str]
    ddl_hash: pulumi.Output[str]
    preflight: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        database: pulumi.Input[str],
        schema: pulumi.Input[str],
        name: pulumi.Input[str],
        query: pulumi.Input[str] | None = None,
        source: pulumi.Input[str] | None = None,
        prompt_expr: pulumi.Input[str] | None = None,
        completion_expr: pulumi.Input[str] | None = None,
        where: pulumi.Input[str] | None = None,
        base_model: pulumi.Input[str] | None = None,
        epochs: pulumi.Input[int] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "database": database,
            "schema": schema,
            "name": name,
            "query": query,
            "source": source,
            "prompt_expr": prompt_expr,
            "completion_expr": completion_expr,
            "where": where,
            "base_model": base_model,
            "epochs": epochs,
            "fqn": None,
            "training_query": None,
            "query_text": None,
            "ddl_hash": None,
            "preflight": None,
        }
        super().__init__(TrainingViewProvider(), resource_name, props, opts)
