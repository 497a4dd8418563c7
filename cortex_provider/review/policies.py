"""Guardrails for model changes as pure functions over resource inputs (no Pulumi, no I/O).

The policy pack (policy/__main__.py) and the PR comment (`python -m cortex_provider.review comment`)
run these same functions, so a reviewer sees in the comment what `pulumi preview --policy-pack policy`
enforces. Each rule has an id (the policy name in the pack), a config key and a default:

| rule id                               | config key          | default                        |
|---------------------------------------|---------------------|--------------------------------|
| cortex-allowed-base-models            | allowed_base_models | every fine-tunable base model  |
| cortex-max-trained-tokens-per-model   | max_trained_tokens  | 100,000,000                    |
| cortex-max-trained-tokens-per-stack   | max_trained_tokens  | 500,000,000 (all models summed)|
| cortex-validation-data-required       | required            | true                           |
| cortex-retain-on-delete-in-production | production_stacks   | ["prod*", "primary"] (globs)   |
| cortex-grants-to-listed-roles         | allowed_roles       | ["ML_ENGINEER", "ANALYST"]     |

and the access rules of access_rules.py (lockdown in production, base models per role, no ACCOUNTADMIN deployer).

Trained tokens come from the `training_plan` input (resources/finetune/plan.py) or, in a stack's outputs, from
`estimated_trained_tokens`; when neither is known yet (rows unknown until the view exists) the token
rules cannot judge and say nothing. Role names compare as Snowflake resolves them (unquoted names
upper-case).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cortex_provider import catalogue
from cortex_provider.errors import InvalidInput
from cortex_provider.review import access_rules as access
from cortex_provider.review.kinds import GRANT_KINDS, Kind, is_unknown, kind_of
from cortex_provider.sql.identifiers import Identifier

BASE_MODELS = "cortex-allowed-base-models"
MODEL_TOKENS = "cortex-max-trained-tokens-per-model"
STACK_TOKENS = "cortex-max-trained-tokens-per-stack"
VALIDATION = "cortex-validation-data-required"
RETAIN = "cortex-retain-on-delete-in-production"
ROLES = "cortex-grants-to-listed-roles"


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    config: dict[str, dict[str, Any]]  # JSON-schema properties, each with its default


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule(BASE_MODELS, "Fine-tuned models use an allowed base model.",
         {"allowed_base_models": {"type": "array", "items": {"type": "string"},
                                  "default": list(catalogue.ACCEPTED)}}),
    Rule(MODEL_TOKENS, "A model's estimated trained tokens (input tokens x epochs) stay under a limit.",
         {"max_trained_tokens": {"type": "integer", "minimum": 0, "default": 100_000_000}}),
    Rule(STACK_TOKENS, "The estimated trained tokens of all models of a stack stay under a limit.",
         {"max_trained_tokens": {"type": "integer", "minimum": 0, "default": 500_000_000}}),
    Rule(VALIDATION, "Fine-tuned models declare validation data (validation_query or a validation view).",
         {"required": {"type": "boolean", "default": True}}),
    Rule(RETAIN, "In production stacks, fine-tuned models keep retain_on_delete=true.",
         {"production_stacks": {"type": "array", "items": {"type": "string"},
                                "default": ["prod*", "primary"]}}),
    Rule(ROLES, "Cortex and model grants go only to listed roles.",
         {"allowed_roles": {"type": "array", "items": {"type": "string"},
                            "default": ["ML_ENGINEER", "ANALYST"]}}),
    Rule(access.LOCKDOWN, "Production stacks lock model access down (ai_access.lockdown); list them to opt in.",
         {"production_stacks": {"type": "array", "items": {"type": "string"}, "default": []}}),
    Rule(access.MODELS_BY_ROLE, "AI access grants give a role only the base models listed for it.",
         {"allowed_models_by_role": {"type": "object", "additionalProperties": {"type": "array",
                                     "items": {"type": "string"}}, "default": {}}}),
)}


def rule_config(rule_id: str, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The rule's config: its defaults overlaid with `given` (the pack's per-policy config)."""
    out = {k: v["default"] for k, v in RULES[rule_id].config.items()}
    out.update({k: v for k, v in (given or {}).items() if k in out and v is not None})
    return out


@dataclass(frozen=True)
class Violation:
    rule: str
    resource: str  # the Pulumi resource name ("" for the stack)
    message: str


@dataclass(frozen=True)
class Planned:
    """One resource as a rule sees it: Pulumi name, type and (checked) inputs."""

    name: str
    type: str
    props: Mapping[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> Kind | None:
        return kind_of(self.type, self.props)


def _known(props: Mapping[str, Any], key: str) -> Any:
    value = props.get(key)
    return None if is_unknown(value) else value


def planned_tokens(props: Mapping[str, Any]) -> int | None:
    """Estimated trained tokens of a FineTunedModel: its training_plan, else its output."""
    plan = _known(props, "training_plan")
    value = plan.get("estimated_trained_tokens") if isinstance(plan, Mapping) else None
    if value is None or is_unknown(value):
        value = _known(props, "estimated_trained_tokens")
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _role(text: str) -> str:
    try:
        return Identifier.parse(text, "role").name
    except InvalidInput:
        return text


# -- resource rules: (props, setting) -> messages ----------------------------------------------------
def check_base_model(props: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    base = _known(props, "base_model")
    allowed_set = {a.strip().lower() for a in allowed}
    if not isinstance(base, str) or base.strip().lower() in allowed_set:
        return []
    why = [f"base model {base!r} is not allowed here (allowed: {', '.join(sorted(allowed_set)) or 'none'})"]
    return why + catalogue.advisories(base)[:1]  # the catalogue's word on it (cortex_provider/catalogue.py)


def check_model_tokens(props: Mapping[str, Any], limit: int) -> list[str]:
    tokens = planned_tokens(props)
    if tokens is None or tokens <= limit:
        return []
    return [f"estimated trained tokens {tokens:,} exceed the per-model limit of {limit:,}; "
            "train on fewer rows or epochs, or raise max_trained_tokens"]


def check_validation(props: Mapping[str, Any], required: bool) -> list[str]:
    value = props.get("validation_query")
    if not required or is_unknown(value) or (isinstance(value, str) and value.strip()):
        return []
    return ["no validation data: set validation_query (or validation_view in the stack spec) so the "
            "fine-tuning job reports a validation loss"]


def is_production(stack: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(stack, p) for p in patterns)


def check_retain(props: Mapping[str, Any], stack: str, patterns: Iterable[str]) -> list[str]:
    if not is_production(stack, patterns) or props.get("retain_on_delete", True) is not False:
        return []
    return [f"retain_on_delete is false in production stack {stack!r}: deleting or renaming the model "
            "would drop a trained model; set retain_on_delete: true"]


def check_grant_role(props: Mapping[str, Any], allowed: Iterable[str]) -> list[str]:
    role = _known(props, "role")
    allowed_set = {_role(a) for a in allowed}
    if not isinstance(role, str) or _role(role) in allowed_set:
        return []
    return [f"grant to role {role!r}, which is not listed (allowed: {', '.join(sorted(allowed_set)) or 'none'})"]


def check_stack_tokens(models: Iterable[Planned], limit: int) -> list[str]:
    counted = [(m.name, planned_tokens(m.props)) for m in models if m.kind == "FineTunedModel"]
    total = sum(t for _, t in counted if t is not None)
    if total <= limit:
        return []
    parts = ", ".join(f"{n}={t:,}" for n, t in counted if t)
    return [f"the stack's models total {total:,} estimated trained tokens, over the limit of {limit:,} ({parts})"]


# -- everything at once -----------------------------------------------------------------------------
def stack_of(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<type>::<name>` -> `<stack>`."""
    head = urn.split("::", 1)[0]
    return head.split(":", 2)[2] if head.count(":") >= 2 else ""


def check_resource(res: Planned, stack: str, config: Mapping[str, Mapping[str, Any]] | None = None
                   ) -> list[Violation]:
    """Every resource rule that applies to `res`; `config` maps rule id -> that rule's config."""
    cfg = config or {}
    kind = res.kind
    found: list[tuple[str, list[str]]] = []
    if kind == "FineTunedModel":
        found += [
            (BASE_MODELS, check_base_model(res.props, rule_config(BASE_MODELS, cfg.get(BASE_MODELS))
                                           ["allowed_base_models"])),
            (MODEL_TOKENS, check_model_tokens(res.props, rule_config(MODEL_TOKENS, cfg.get(MODEL_TOKENS))
                                              ["max_trained_tokens"])),
            (VALIDATION, check_validation(res.props, rule_config(VALIDATION, cfg.get(VALIDATION))["required"])),
            (RETAIN, check_retain(res.props, stack, rule_config(RETAIN, cfg.get(RETAIN))["production_stacks"])),
        ]
    elif kind == "AiAccessGrant":
        allowed = rule_config(access.MODELS_BY_ROLE, cfg.get(access.MODELS_BY_ROLE))["allowed_models_by_role"]
        found.append((access.MODELS_BY_ROLE, access.check_models_by_role(res.props, allowed)))
    elif kind in GRANT_KINDS:
        found.append((ROLES, check_grant_role(res.props, rule_config(ROLES, cfg.get(ROLES))["allowed_roles"])))
    return [Violation(rule, res.name, msg) for rule, msgs in found for msg in msgs]


def evaluate(resources: Iterable[Planned], stack: str, config: Mapping[str, Mapping[str, Any]] | None = None
             ) -> list[Violation]:
    """Resource rules for each resource, then the stack rule over all of them."""
    items = list(resources)
    out = [v for res in items for v in check_resource(res, stack, config)]
    limit = rule_config(STACK_TOKENS, (config or {}).get(STACK_TOKENS))["max_trained_tokens"]
    out += [Violation(STACK_TOKENS, "", msg) for msg in check_stack_tokens(items, limit)]
    production = rule_config(access.LOCKDOWN, (config or {}).get(access.LOCKDOWN))["production_stacks"]
    lockdowns = [r.props for r in items if r.kind == "AiLockdown"]
    out += [Violation(access.LOCKDOWN, "", msg) for msg in access.check_lockdown(lockdowns, stack, production)]
    return out
