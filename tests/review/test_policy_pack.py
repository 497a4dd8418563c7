"""The policy pack's policies driven through pulumi_policy's own argument types, with props wrapped in
its unknown-checking proxy exactly as the analyzer server hands them over."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

pulumi_policy = pytest.importorskip("pulumi_policy")
from pulumi_policy import (  # noqa: E402
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy  # noqa: E402

from cortex_provider.pulumi.resource_type import LEGACY_TYPE  # noqa: E402
from cortex_provider.review import policies as rules  # noqa: E402
from tests.review.samples import PLAN, good_stack, model  # noqa: E402

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@pytest.fixture(scope="module")
def pack() -> ModuleType:
    sys.path.insert(0, str(POLICY_DIR))
    try:
        return importlib.import_module("cortex_policies")
    finally:
        sys.path.remove(str(POLICY_DIR))


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], False, [], None, [], None)


def _urn(stack: str, name: str) -> str:
    return f"urn:pulumi:{stack}::cortex::{LEGACY_TYPE}::{name}"


def run_resource(pack: ModuleType, name: str, props: dict[str, Any], stack: str = "dev",
                 config: dict[str, dict[str, Any]] | None = None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for policy in pack.POLICIES:
        if not isinstance(policy, pulumi_policy.ResourceValidationPolicy):
            continue
        args = ResourceValidationArgs(LEGACY_TYPE, unknown_checking_proxy(props), _urn(stack, name), name,
                                      _opts(), None, (config or {}).get(policy.name))
        policy.validate(args, lambda msg, _urn=None, _n=policy.name: found.setdefault(_n, []).append(msg))
    return found


def test_policy_names_and_config_schemas_match_the_rules(pack: ModuleType) -> None:
    assert {p.name for p in pack.POLICIES} == set(rules.RULES)
    for p in pack.POLICIES:
        assert set(p.config_schema.properties) == set(rules.RULES[p.name].config)
        assert all("default" in spec for spec in p.config_schema.properties.values())


def test_a_good_model_passes_and_a_bad_one_is_reported(pack: ModuleType) -> None:
    assert run_resource(pack, "model", model(), stack="primary") == {}
    bad = model(base_model="llama3-70b", validation_query=None, retain_on_delete=False,
                training_plan={**PLAN, "estimated_trained_tokens": 5e8})
    found = run_resource(pack, "model", bad, stack="primary",
                         config={rules.BASE_MODELS: {"allowed_base_models": ["llama3.1-8b"]}})
    assert set(found) == {rules.BASE_MODELS, rules.MODEL_TOKENS, rules.VALIDATION, rules.RETAIN}
    assert "500,000,000" in found[rules.MODEL_TOKENS][0]


def test_unknown_inputs_during_preview_do_not_crash_or_violate(pack: ModuleType) -> None:
    props = model(training_query=UNKNOWN_STRING, validation_query=UNKNOWN_STRING,
                  training_plan={**PLAN, "rows": None, "estimated_trained_tokens": None})
    assert run_resource(pack, "model", props) == {}


def test_grants_only_to_listed_roles(pack: ModuleType) -> None:
    assert run_resource(pack, "g", {"role": "ANALYST", "model": "DB.S.M"}) == {}
    found = run_resource(pack, "g", {"role": "PUBLIC", "model": "DB.S.M"},
                         config={rules.ROLES: {"allowed_roles": ["ANALYST"]}})
    assert list(found) == [rules.ROLES] and "PUBLIC" in found[rules.ROLES][0]


def test_stack_policy_sums_the_models(pack: ModuleType) -> None:
    stack_policy = next(p for p in pack.POLICIES if p.name == rules.STACK_TOKENS)
    resources = [
        PolicyResource(r.type, unknown_checking_proxy(dict(r.props)), _urn("dev", r.name), r.name, _opts(),
                       None, None, [], {})
        for r in [*good_stack(), rules.Planned("model2", LEGACY_TYPE, model(training_plan=None,
                                                                               estimated_trained_tokens=4e6))]
    ]
    seen: list[str] = []
    stack_policy.validate(StackValidationArgs(resources, {"max_trained_tokens": 5_000_000}),
                          lambda msg, _urn=None: seen.append(msg))
    assert len(seen) == 1 and "7,000,000" in seen[0]
    seen.clear()
    stack_policy.validate(StackValidationArgs(resources, None), lambda msg, _urn=None: seen.append(msg))
    assert seen == []  # the default limit (500M) holds


def test_pack_manifest_points_at_the_project_venv() -> None:
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    venv = os.path.normpath(POLICY_DIR / manifest["runtime"]["options"]["virtualenv"])
    assert Path(venv) == POLICY_DIR.parent / ".venv"


def test_the_pack_serves_pulumis_analyzer_protocol() -> None:
    """`policy/__main__.py` as the Pulumi CLI starts it: prints its port, answers Analyze over gRPC."""
    import subprocess

    import grpc
    from google.protobuf import empty_pb2, struct_pb2
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    proc = subprocess.Popen([sys.executable, str(POLICY_DIR / "__main__.py")], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
            assert info.name == "cortex-guardrails" and {p.name for p in info.policies} == set(rules.RULES)
            props = struct_pb2.Struct()
            props.update(model(training_query=UNKNOWN_STRING, retain_on_delete=False))
            resp = stub.Analyze(analyzer_pb2.AnalyzeRequest(
                type=LEGACY_TYPE, properties=props, urn=_urn("prod", "m"), name="m"), timeout=30)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert [d.policyName for d in resp.diagnostics] == [rules.RETAIN]
