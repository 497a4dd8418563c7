"""The package schema, derived from what the provider already declares (never written by hand):
inputs from each core's pydantic spec (types, required fields, descriptions), `replaceOnChanges` from the
core's `replace_on`, outputs from the resource class's `pulumi.Output[...]` annotations, and the
provider's config (connection settings; credentials `secret: true`).

`python -m cortex_provider.plugin schema > plugin/schema.json` writes the committed copy; a test keeps
the two equal. SDKs are generated from it (`pulumi package gen-sdk`), not written by hand.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cortex_provider.plugin.kinds import KINDS, PACKAGE, Kind, module_doc
from cortex_provider.plugin.values import camel

VERSION = "0.1.0"
ANY = {"$ref": "pulumi.json#/Any"}
_PRIMITIVES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean"}
_ANNOTATED = {"str": "string", "int": "integer", "float": "number", "bool": "boolean"}

# Provider configuration: the connection settings of cortex_provider/settings.py (stack config
# `cortex:<key>`); the credentials are secrets, so the engine encrypts them wherever it stores them.
CONFIG: dict[str, tuple[str, str, bool]] = {
    "account": ("string", "Snowflake account identifier (or SNOWFLAKE_ACCOUNT).", False),
    "user": ("string", "Login name (or SNOWFLAKE_USER).", False),
    "role": ("string", "Role the provider acts as.", False),
    "warehouse": ("string", "Warehouse for statements that need one.", False),
    "database": ("string", "Default database.", False),
    "schema": ("string", "Default schema.", False),
    "host": ("string", "Host (the local emulator's, or a private link).", False),
    "port": ("string", "Port.", False),
    "protocol": ("string", "http or https.", False),
    "authenticator": ("string", "Connector authenticator (e.g. SNOWFLAKE_JWT, EXTERNALBROWSER).", False),
    "connectionName": ("string", "A connections.toml connection to read the rest from.", False),
    "password": ("string", "Password (or SNOWFLAKE_PASSWORD).", True),
    "privateKey": ("string", "PEM private key for key-pair auth.", True),
    "privateKeyPath": ("string", "Path of a PEM private key file.", False),
    "privateKeyPassphrase": ("string", "Passphrase of the private key.", True),
    "credit_rates": ("object", "Credits per million trained tokens per base model (plans price with it).", False),
    "targets": ("object", "{connections: {ORG.ACCOUNT: connections.toml name}} for replication targets.", False),
}
SECRET_CONFIG = frozenset(k for k, (_, _, secret) in CONFIG.items() if secret)


def _type_of(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema property (pydantic's) as a Pulumi type spec; anything structured is Any/object."""
    if "anyOf" in prop:
        options = [p for p in prop["anyOf"] if p.get("type") != "null"]
        return _type_of(options[0], defs) if len(options) == 1 else ANY
    if "$ref" in prop:
        return {"type": "object", "additionalProperties": ANY}
    kind = prop.get("type")
    if "enum" in prop or "const" in prop:
        return {"type": "string"} if kind in (None, "string") else {"type": _PRIMITIVES.get(kind, "string")}
    if kind in _PRIMITIVES:
        return {"type": _PRIMITIVES[kind]}
    if kind == "array":
        return {"type": "array", "items": _type_of(prop.get("items", {}), defs) if prop.get("items") else ANY}
    if kind == "object":
        extra = prop.get("additionalProperties")
        return {"type": "object", "additionalProperties": _type_of(extra, defs) if isinstance(extra, dict) else ANY}
    return ANY


def _annotated_type(annotation: str) -> dict[str, Any]:
    inner = re.sub(r"^.*Output\[(.*)\]$", r"\1", annotation).strip()
    if inner in _ANNOTATED:
        return {"type": _ANNOTATED[inner]}
    if inner.startswith("list["):
        item = inner[5:-1]
        return {"type": "array", "items": {"type": _ANNOTATED[item]} if item in _ANNOTATED else ANY}
    if inner.startswith("dict["):
        return {"type": "object", "additionalProperties": ANY}
    return ANY


def _description(prop: dict[str, Any]) -> dict[str, Any]:
    text = prop.get("description")
    return {"description": str(text)} if text else {}


def resource_spec(kind: Kind) -> dict[str, Any]:
    js = kind.core.spec_type.model_json_schema(by_alias=True, mode="validation")
    props: dict[str, Any] = js.get("properties", {})
    defs: dict[str, Any] = js.get("$defs", {})
    required = set(js.get("required", []))
    inputs: dict[str, Any] = {}
    for field in kind.core.spec_fields():
        spec = {**_type_of(props.get(field, {}), defs), **_description(props.get(field, {}))}
        if field in kind.core.replace_on:
            spec["replaceOnChanges"] = True
        inputs[camel(field)] = spec
    if kind.adoptable:  # resources/ownership.py
        inputs["adopt"] = {"type": "boolean", "description": "take over the object if it already exists and no "
                           "stack's record names it; it is then released, never dropped, when this stack lets it go"}
    outputs = dict(inputs)
    for name, annotation in kind.output_annotations().items():
        outputs.setdefault(camel(name), _annotated_type(annotation))
    for name in kind.computed_inputs:
        outputs[camel(name)] = {
            "type": "object",
            "additionalProperties": ANY,
            "description": "What the next up does and costs (set by the provider's check).",
        }
    doc = module_doc(kind)
    if kind.import_id:
        doc += f"\n\nImport: `pulumi import {kind.token} NAME {kind.import_id}`."
    return {
        "description": doc,
        "inputProperties": inputs,
        "requiredInputs": sorted(camel(f) for f in required if f in kind.core.spec_fields()),
        "properties": {k: {kk: vv for kk, vv in v.items() if kk != "replaceOnChanges"} for k, v in outputs.items()},
        "required": sorted(camel(f) for f in required if f in kind.core.spec_fields()),
    }


def build_schema() -> dict[str, Any]:
    variables = {
        key: {"type": typ, "description": doc, **({"secret": True} if secret else {})}
        if typ != "object"
        else {"type": "object", "additionalProperties": ANY, "description": doc}
        for key, (typ, doc, secret) in CONFIG.items()
    }
    return {
        "name": PACKAGE,
        "displayName": "Snowflake Cortex Fine-tuning",
        "version": VERSION,
        "description": "Grants, training views, fine-tuned models, shares, replication and releases for "
        "Snowflake Cortex Fine-tuning, over the same reconcile cores as cortex_provider's "
        "Python dynamic resources.",
        "keywords": ["pulumi", "snowflake", "cortex", "category/database", "kind/native"],
        "license": "Apache-2.0",
        "repository": "https://example.invalid/cortex-provider",
        "config": {"variables": variables},
        "provider": {
            "description": "The Snowflake connection the resources are managed through.",
            "inputProperties": variables,
        },
        "resources": {kind.token: resource_spec(kind) for kind in KINDS.values()},
        "language": {
            "python": {"packageName": "pulumi_cortex", "respectSchemaVersion": True},
            "nodejs": {"packageName": "@cortex-provider/pulumi-cortex", "respectSchemaVersion": True},
        },
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, sort_keys=True) + "\n"
