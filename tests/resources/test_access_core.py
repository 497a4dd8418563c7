"""AiAccessGrant and AiLockdown cores against the emulator: a spec change updates in place and revokes only
what the resource granted; bad input fails in check with the field and the fix."""

from __future__ import annotations

import pulumi
import pytest

from cortex_provider.resources.access.grants import AiAccessGrantCore
from cortex_provider.resources.access.lockdown import FUNCTIONS_DEFAULT, MODELS_DEFAULT, AiLockdownCore
from cortex_provider.resources.grant_cache import SHOW_CACHE
from tests.resources.grant_support import Acct

CORE = AiAccessGrantCore()
LOCK = AiLockdownCore()
LLAMA = 'APPLICATION ROLE SNOWFLAKE."CORTEX-MODEL-ROLE-LLAMA3.1-8B"'
MISTRAL = 'APPLICATION ROLE SNOWFLAKE."CORTEX-MODEL-ROLE-MISTRAL-7B"'


def _held(acct: Acct, role: str) -> set[str]:
    return {f"{r[1]} {r[3]}" for r in acct.sql(f"SHOW GRANTS TO ROLE {role}")}


def test_update_adds_and_revokes_only_what_it_granted(acct: Acct, monkeypatch: pytest.MonkeyPatch) -> None:
    acct.sql("GRANT USE AI FUNCTION COMPLETE ON ACCOUNT TO ROLE R1")  # held before the resource
    spec = CORE.parse({"role": "R1", "functions": ["complete", "AI_CLASSIFY"], "base_models": ["llama3.1-8b"]})
    created = CORE.create(acct.session, spec)
    assert created.outputs["managed_grants"] == ["DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER",
                                                 "USE AI FUNCTION AI_CLASSIFY", LLAMA]
    narrower = CORE.parse({"role": "R1", "functions": ["COMPLETE"], "base_models": ["mistral-7b"]})
    SHOW_CACHE.clear()
    outs = CORE.update(acct.session, "R1", created.outputs, narrower)
    assert outs["managed_grants"] == ["DATABASE ROLE SNOWFLAKE.AI_FUNCTIONS_USER", MISTRAL]
    held = _held(acct, "R1")
    assert 'USAGE SNOWFLAKE."CORTEX-MODEL-ROLE-MISTRAL-7B"' in held
    assert not any("AI_CLASSIFY" in h or "LLAMA3.1-8B" in h for h in held)
    SHOW_CACHE.clear()
    logs: list[str] = []
    monkeypatch.setattr(pulumi.log, "info", lambda message, *args, **kwargs: logs.append(message))
    CORE.delete(acct.session, "R1", outs)
    assert any(h.startswith("USE AI FUNCTION COMPLETE") for h in _held(acct, "R1"))  # not the resource's
    assert logs == ["AiAccessGrant R1: released, not revoked (USE AI FUNCTION COMPLETE: held before this stack "
                    "granted it); this stack no longer manages it and left it as it is."]
    assert not any("AI_FUNCTIONS_USER" in h or "MISTRAL" in h for h in _held(acct, "R1"))


def test_check_names_the_field_and_the_fix() -> None:
    bad = CORE.check({}, {"role": "R1", "functions": ["ALL", "COMPLETE"]})
    assert [f.property for f in bad.failures] == ["functions"] and "ALL alone" in bad.failures[0].reason
    bad = CORE.check({}, {"role": "R1", "base_models": ["Llama 3"]})
    assert [f.property for f in bad.failures] == ["base_models"] and "Fix:" in bad.failures[0].reason


def test_lockdown_takes_and_gives_back_only_what_it_took(acct: Acct) -> None:
    acct.sql("CALL SNOWFLAKE.LOCAL.REVOKE_FROM_PUBLIC_APPLICATION_ROLE('APP_ROLE', 'CORTEX-MODEL-ROLE-ALL')")
    created = LOCK.create(acct.session, LOCK.parse({}))
    assert created.outputs["revoked_defaults"] == [FUNCTIONS_DEFAULT]  # models were already locked by hand
    SHOW_CACHE.clear()
    LOCK.delete(acct.session, created.id, created.outputs)
    assert any(h.startswith("USE AI FUNCTIONS") for h in _held(acct, "PUBLIC"))
    assert acct.sql("SHOW GRANTS TO APPLICATION ROLE SNOWFLAKE.PUBLIC") == []  # not given back: not its own
    assert MODELS_DEFAULT not in created.outputs["revoked_defaults"]
