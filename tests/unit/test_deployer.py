"""The deployer role's grants follow the stack's declared kinds (least privilege), and the admin step refuses
a stack that still deploys as ACCOUNTADMIN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from cortex_provider.deployer import needs
from cortex_provider.deployer.__main__ import main
from cortex_provider.program.spec import parse_stack_spec
from cortex_provider.sql.identifiers import Identifier
from tests.e2e.support import deployer_role, seed_demo

ROOT = Path(__file__).resolve().parents[2]
ROLE, USER = Identifier("CORTEX_DEPLOYER"), Identifier("ADMIN")


def _local() -> dict:  # type: ignore[type-arg]
    return dict(yaml.safe_load((ROOT / "stacks" / "Pulumi.local.yaml").read_text())["config"])


def test_the_local_stack_deploys_as_its_deployer_role_with_what_its_kinds_need() -> None:
    config = _local()
    assert config["cortex:role"] == "CORTEX_DEPLOYER"
    sql = [n.statement.sql() for n in needs(parse_stack_spec(config["cortex:spec"], "local"), ROLE, USER)]
    assert "GRANT CREATE VIEW ON SCHEMA CORTEX_DEMO.MODELS TO ROLE CORTEX_DEPLOYER" in sql
    assert "GRANT CREATE MODEL ON SCHEMA CORTEX_DEMO.MODELS TO ROLE CORTEX_DEPLOYER" in sql
    assert "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE CORTEX_DEPLOYER" in sql
    assert "GRANT SELECT ON TABLE CORTEX_DEMO.RAW.SUPPORT_NOTES TO ROLE CORTEX_DEPLOYER" in sql
    assert len(sql) == len(set(sql))
    # nothing the local stack does not declare: no shares, replication, endpoints or account-level AI control
    assert not [s for s in sql if any(w in s for w in ("SHARE", "REPLICATION", "FUNCTION", "APPLICATION", "TABLE "
                                                       "ON SCHEMA"))]


def test_lockdown_adds_the_delegations_it_needs() -> None:
    spec = {**_local()["cortex:spec"], "ai_access": {"lockdown": True}}
    sql = [n.statement.sql() for n in needs(parse_stack_spec(spec, "local"), ROLE, USER)]
    assert "GRANT USE AI FUNCTIONS ON ACCOUNT TO ROLE CORTEX_DEPLOYER WITH GRANT OPTION" in sql
    assert "GRANT APPLICATION ROLE SNOWFLAKE.SNOWFLAKE_PUBLIC_GRANT_ADMIN TO ROLE CORTEX_DEPLOYER" in sql


def test_a_stack_deploying_as_accountadmin_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = {**_local(), "cortex:role": "ACCOUNTADMIN"}
    (tmp_path / "Pulumi.local.yaml").write_text(yaml.safe_dump({"config": config}))
    assert main(["--stack", "local", "--stacks-dir", str(tmp_path), "--print-only"]) == 2
    assert "ACCOUNTADMIN" in capsys.readouterr().err
    assert main(["--stack", "local", "--print-only"]) == 0
    assert "GRANT CREATE MODEL ON SCHEMA CORTEX_DEMO.MODELS TO ROLE CORTEX_DEPLOYER;  -- FineTunedModel" \
        in capsys.readouterr().out


def test_the_admin_step_hands_over_only_this_stacks_recorded_objects(emulator: Any) -> None:
    """A stack that deployed as ACCOUNTADMIN before it had a deployer role: its recorded views pass to the
    deployer (else SHOW hides them from it and a refresh reads them as gone); others' objects stay."""
    account = emulator.new_account()
    seed_demo(emulator.port, account=account, rows=5)
    cur = emulator.connect(account=account).cursor()
    record = 'managed by cortex-provider: {{"project":"cortex","stack":"{}","resource":"view-x"}}'
    for name, comment in (("V_OURS", record.format("local")), ("V_OTHER", record.format("other")),
                          ("V_PLAIN", "")):
        cur.execute(f"CREATE VIEW CORTEX_DEMO.MODELS.{name} COMMENT = '{comment}' AS SELECT 1 AS X")
    printed = deployer_role(emulator.port, account=account)
    assert "GRANT OWNERSHIP ON VIEW CORTEX_DEMO.MODELS.V_OURS TO ROLE CORTEX_DEPLOYER COPY CURRENT GRANTS" in printed
    assert "V_OTHER" not in printed and "V_PLAIN" not in printed
    rows = cur.execute("SHOW VIEWS IN SCHEMA CORTEX_DEMO.MODELS").fetchall()
    columns = [d[0] for d in cur.description]
    owners = {r[columns.index("name")]: r[columns.index("owner")] for r in rows}
    assert owners["V_OURS"] == "CORTEX_DEPLOYER"
    assert owners["V_OTHER"] == owners["V_PLAIN"] == "ACCOUNTADMIN"
    assert "GRANT OWNERSHIP" not in deployer_role(emulator.port, account=account)  # a second run: nothing left
