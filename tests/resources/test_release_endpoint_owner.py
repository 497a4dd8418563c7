"""A release endpoint carries its stack's ownership record (in its COMMENT, next to the serving version):
a second stack over the same release is refused even when no version is left to carry a record (all
dropped by hand), and an adopted release's delete leaves the endpoint serving without its record."""

from __future__ import annotations

from typing import Any

import pytest

from cortex_provider.resources.ownership import Claim, Owner, OwnershipError
from cortex_provider.resources.release import ModelReleaseCore
from cortex_provider.sql.endpoint import ShowUserFunctions, parse_user_functions
from cortex_provider.sql.identifiers import QualifiedName
from tests.resources.finetune_support import make_env
from tests.resources.test_release import ask, release

A, B = Owner("p", "a", "sup"), Owner("p", "b", "sup")


def _endpoint_owner(env: Any) -> Any:
    ep = QualifiedName.parse("DB.S.SUP")
    rows = parse_user_functions(env.session.execute(ShowUserFunctions(ep.schema_name, ep.name)))
    release_ = next((f.release for f in rows if f.name == "SUP"), None)
    return None if release_ is None else release_.get("owner")


def test_a_second_stack_is_refused_by_the_endpoints_record_with_no_version_left(emulator: Any) -> None:
    env = make_env(emulator)
    core = ModelReleaseCore(env.core)
    spec = core.parse(core.check({}, release()).inputs)
    core.create_as(env.session, spec, Claim(A))
    assert _endpoint_owner(env) == A.as_input()
    env.sql("DROP MODEL DB.S.SUP_V1")  # no version carries A's record now
    creates = env.creates_in_log()
    with pytest.raises(OwnershipError, match=r"endpoint.*stack 'a'"):
        core.create_as(env.session, spec, Claim(B, adopt=True))
    assert env.creates_in_log() == creates  # refused before any FINETUNE
    assert _endpoint_owner(env) == A.as_input()


def test_an_adopted_release_is_released_with_its_endpoint_serving_and_unrecorded(emulator: Any) -> None:
    env = make_env(emulator)
    core = ModelReleaseCore(env.core)
    spec = core.parse(core.check({}, release()).inputs)
    out = core.create_as(env.session, spec, Claim(A)).outputs
    core.delete(env.session, "DB.S.SUP", {**out, "origin": "adopted"})  # as an adopted release is let go
    assert _endpoint_owner(env) is None
    assert "SUP_V1" in ask(env)  # still serving
    taken = core.create_as(env.session, spec, Claim(B, adopt=True)).outputs
    assert taken["serving_version"] == "V1" and _endpoint_owner(env) == B.as_input()
