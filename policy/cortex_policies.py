"""The pack's policies: thin pulumi_policy wrappers over cortex_provider.review.policies.

Importable without starting the analyzer server (policy/__main__.py does that), so tests can drive
each policy with pulumi_policy's own ResourceValidationArgs / StackValidationArgs. Resources are
recognised by their type (`pulumi-python:dynamic/cortex:<Kind>`), or by their input shape where state
still has the type all kinds shared before they were named (cortex_provider.review.kinds).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from cortex_provider.review import access_rules as access
from cortex_provider.review import policies as rules
from cortex_provider.review.kinds import GRANT_KINDS, kind_of


def plain(value: Any) -> Any:
    """pulumi_policy wraps props in proxies that raise on unknown values; unwrap them so the rules
    see the raw value (the unknown sentinel), which they treat as "not known yet"."""
    if isinstance(value, Mapping):
        target = value["__target"] if hasattr(value, "_DictProxy__target") else value
        return {k: plain(v) for k, v in dict(target).items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        target = value["__target"] if hasattr(value, "_ListProxy__target") else value
        return [plain(v) for v in target]
    return value


def stack_name(urn: str) -> str:
    return rules.stack_of(urn) or os.environ.get("PULUMI_STACK", "")


def _schema(rule_id: str) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties=dict(rules.RULES[rule_id].config))


Check = Callable[[dict[str, Any], Mapping[str, Any], str], list[str]]


def _resource_policy(rule_id: str, kinds: tuple[str, ...], check: Check) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        props = plain(args.props)
        if kind_of(args.resource_type, props) not in kinds:
            return
        config = rules.rule_config(rule_id, args.get_config())
        for message in check(props, config, stack_name(args.urn)):
            report(message, None)

    return ResourceValidationPolicy(rule_id, rules.RULES[rule_id].description, validate,
                                    enforcement_level=EnforcementLevel.MANDATORY, config_schema=_schema(rule_id))


def _stack_tokens(args: StackValidationArgs, report: ReportViolation) -> None:
    planned = [rules.Planned(r.name, r.resource_type, plain(r.props)) for r in args.resources]
    limit = rules.rule_config(rules.STACK_TOKENS, args.get_config())["max_trained_tokens"]
    for message in rules.check_stack_tokens(planned, limit):
        report(message, None)


def _lockdown(args: StackValidationArgs, report: ReportViolation) -> None:
    lockdowns = [plain(r.props) for r in args.resources if kind_of(r.resource_type, plain(r.props)) == "AiLockdown"]
    stack = next((stack_name(r.urn) for r in args.resources), os.environ.get("PULUMI_STACK", ""))
    config = rules.rule_config(access.LOCKDOWN, args.get_config())
    for message in access.check_lockdown(lockdowns, stack, config["production_stacks"]):
        report(message, None)


MODEL = ("FineTunedModel",)
POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    _resource_policy(rules.BASE_MODELS, MODEL,
                     lambda p, c, _s: rules.check_base_model(p, c["allowed_base_models"])),
    _resource_policy(rules.MODEL_TOKENS, MODEL,
                     lambda p, c, _s: rules.check_model_tokens(p, c["max_trained_tokens"])),
    _resource_policy(rules.VALIDATION, MODEL, lambda p, c, _s: rules.check_validation(p, c["required"])),
    _resource_policy(rules.RETAIN, MODEL, lambda p, c, s: rules.check_retain(p, s, c["production_stacks"])),
    _resource_policy(rules.ROLES, GRANT_KINDS, lambda p, c, _s: rules.check_grant_role(p, c["allowed_roles"])),
    _resource_policy(access.MODELS_BY_ROLE, ("AiAccessGrant",),
                     lambda p, c, _s: access.check_models_by_role(p, c["allowed_models_by_role"])),
    # advisory by default: a production stack without the lockdown is warned, not refused (configurable)
    StackValidationPolicy(access.LOCKDOWN, rules.RULES[access.LOCKDOWN].description, _lockdown,
                          enforcement_level=EnforcementLevel.ADVISORY, config_schema=_schema(access.LOCKDOWN)),
    StackValidationPolicy(rules.STACK_TOKENS, rules.RULES[rules.STACK_TOKENS].description, _stack_tokens,
                          enforcement_level=EnforcementLevel.MANDATORY, config_schema=_schema(rules.STACK_TOKENS)),
]
