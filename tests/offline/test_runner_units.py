"""Pure pieces of the offline runner: durations, delete order, Pulumi's passphrase format, config."""

from __future__ import annotations

from pathlib import Path

import pytest

from cortex_provider.offline.crypto import Crypter, SecretsError, from_salt_state
from cortex_provider.offline.engine import _seconds, delete_order
from cortex_provider.offline.project import ProjectError, load_project
from cortex_provider.offline.state import ResourceState


def test_custom_timeouts_are_go_durations() -> None:
    assert _seconds("1h30m") == 5400
    assert _seconds("90s") == 90
    assert _seconds("") == 0


def test_delete_order_puts_dependents_and_children_first() -> None:
    a = ResourceState("urn::a", "t", True)
    b = ResourceState("urn::b", "t", True, dependencies=["urn::a"])
    comp = ResourceState("urn::comp", "c", False)
    child = ResourceState("urn::child", "t", True, parent="urn::comp", dependencies=["urn::b"])
    order = [r.urn for r in delete_order([a, comp, b, child])]
    assert order.index("urn::child") < order.index("urn::comp")
    assert order.index("urn::child") < order.index("urn::b") < order.index("urn::a")


def test_passphrase_crypter_reads_pulumis_own_salt_and_round_trips() -> None:
    # Test vector from pulumi/pulumi pkg/secrets/passphrase/manager_test.go (passphrase "password").
    salt_state = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
    crypter = from_salt_state(salt_state, "password")
    assert crypter.decrypt(crypter.encrypt("v")) == "v"
    with pytest.raises(SecretsError, match="PULUMI_CONFIG_PASSPHRASE"):
        from_salt_state(salt_state, "password123")
    with pytest.raises(SecretsError, match="set PULUMI_CONFIG_PASSPHRASE"):
        from_salt_state(Crypter("x", b"12345678").salt_state(), None)


def test_stack_config_values_reach_the_program_as_strings(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: p\nmain: app/\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__main__.py").write_text("")
    (tmp_path / "Pulumi.dev.yaml").write_text(
        "config:\n  p:n: 3\n  flag: true\n  p:obj:\n    k: [1, 2]\n  other:x: y\n")
    project = load_project(tmp_path, "dev")
    assert project.program == tmp_path / "app" / "__main__.py"
    assert project.config == {"p:n": "3", "p:flag": "true", "p:obj": '{"k": [1, 2]}', "other:x": "y"}
    assert project.config_args()["p:obj"] == {"k": [1, 2]}
    with pytest.raises(ProjectError, match=r"no Pulumi\.yaml"):
        load_project(tmp_path / "app", "dev")
