"""Every statement the resources send: exact SQL text, kind, and construction-time validation."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot.tokens import TokenType

from cortex_provider.errors import InvalidIdentifier, InvalidInput
from cortex_provider.sql import finetune as ft
from cortex_provider.sql import grants as g
from cortex_provider.sql import preflight as pf
from cortex_provider.sql import replication as rp
from cortex_provider.sql import sharing as sh
from cortex_provider.sql import views as v
from cortex_provider.sql.identifiers import AccountName, Identifier, QualifiedName, SchemaName
from cortex_provider.sql.statement import Statement, UserQuery

I = Identifier.parse  # noqa: E741
Q = QualifiedName.parse
ROLE = I("ft_role")
DB = I('"Cortex Db"')
SCHEMA = SchemaName.parse('"Cortex Db".models')
MODEL = Q('"Cortex Db".models.support_ft')
QUERY = UserQuery("SELECT prompt, completion FROM train")
ACCT = AccountName.parse("myorg.eu_acct")

CASES: list[tuple[Statement, str, str]] = [
    (
        g.GrantDatabaseRole(ROLE),
        "GRANT DATABASE ROLE",
        "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE FT_ROLE",
    ),
    (
        g.RevokeDatabaseRole(ROLE),
        "REVOKE DATABASE ROLE",
        "REVOKE DATABASE ROLE SNOWFLAKE.CORTEX_USER FROM ROLE FT_ROLE",
    ),
    (
        g.GrantPrivilege(g.Privilege.USAGE, g.GrantTarget.database(DB), g.Grantee.role(ROLE)),
        "GRANT",
        'GRANT USAGE ON DATABASE "Cortex Db" TO ROLE FT_ROLE',
    ),
    (
        g.GrantPrivilege(g.Privilege.USAGE, g.GrantTarget.schema(SCHEMA), g.Grantee.role(ROLE)),
        "GRANT",
        'GRANT USAGE ON SCHEMA "Cortex Db".MODELS TO ROLE FT_ROLE',
    ),
    (
        g.GrantPrivilege(g.Privilege.CREATE_MODEL, g.GrantTarget.schema(SCHEMA), g.Grantee.role(ROLE)),
        "GRANT",
        'GRANT CREATE MODEL ON SCHEMA "Cortex Db".MODELS TO ROLE FT_ROLE',
    ),
    (
        g.GrantPrivilege(g.Privilege.USAGE, g.GrantTarget.model(MODEL), g.Grantee.share(I("s1"))),
        "GRANT",
        'GRANT USAGE ON MODEL "Cortex Db".MODELS.SUPPORT_FT TO SHARE S1',
    ),
    (
        g.RevokePrivilege(g.Privilege.USAGE, g.GrantTarget.model(MODEL), g.Grantee.role(ROLE)),
        "REVOKE",
        'REVOKE USAGE ON MODEL "Cortex Db".MODELS.SUPPORT_FT FROM ROLE FT_ROLE',
    ),
    (
        g.RevokePrivilege(g.Privilege.USAGE, g.GrantTarget.database(DB), g.Grantee.share(I("s1"))),
        "REVOKE",
        'REVOKE USAGE ON DATABASE "Cortex Db" FROM SHARE S1',
    ),
    (g.ShowGrants(to_role=ROLE), "SHOW GRANTS", "SHOW GRANTS TO ROLE FT_ROLE"),
    (
        g.ShowGrants(on=g.GrantTarget.model(MODEL)),
        "SHOW GRANTS",
        'SHOW GRANTS ON MODEL "Cortex Db".MODELS.SUPPORT_FT',
    ),
    (
        g.ShowGrants(of_database_role=g.CORTEX_USER),
        "SHOW GRANTS",
        "SHOW GRANTS OF DATABASE ROLE SNOWFLAKE.CORTEX_USER",
    ),
    (g.ShowGrants(to_share=I("s1")), "SHOW GRANTS", "SHOW GRANTS TO SHARE S1"),
    (
        v.CreateView(Q("d.s.train_v"), QUERY, comment="it's"),
        "CREATE VIEW",
        "CREATE OR REPLACE VIEW D.S.TRAIN_V COMMENT = 'it''s' AS\nSELECT prompt, completion FROM train\n",
    ),
    (v.DropView(Q("d.s.v")), "DROP VIEW", "DROP VIEW IF EXISTS D.S.V"),
    (
        v.ShowViews(SchemaName.parse("d.s"), I("train_v")),
        "SHOW VIEWS",
        "SHOW VIEWS LIKE 'TRAIN_V' IN SCHEMA D.S",
    ),
    (v.ShowViews(SchemaName.parse("d.s")), "SHOW VIEWS", "SHOW VIEWS IN SCHEMA D.S"),
    (v.ShapeProbe(QUERY), "PROBE QUERY", "SELECT * FROM (\nSELECT prompt, completion FROM train\n) LIMIT 0"),
    (
        ft.FinetuneCreate(MODEL, "mistral-7b", QUERY),
        "FINETUNE CREATE",
        "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', '\"Cortex Db\".MODELS.SUPPORT_FT', 'mistral-7b', "
        "'SELECT prompt, completion FROM train') AS JOB_ID",
    ),
    (
        ft.FinetuneCreate(
            Q("d.s.m"),
            "llama3.1-8b",
            QUERY,
            UserQuery("SELECT 'x' AS prompt, 'y' AS completion"),
            {"max_epochs": 3},
        ),
        "FINETUNE CREATE",
        "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'D.S.M', 'llama3.1-8b', "
        "'SELECT prompt, completion FROM train', 'SELECT ''x'' AS prompt, ''y'' AS completion', "
        "{'max_epochs': 3}) AS JOB_ID",
    ),
    (
        ft.FinetuneCreate(Q("d.s.m"), "mistral-7b", QUERY, options={"max_epochs": 1}),
        "FINETUNE CREATE",
        "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'D.S.M', 'mistral-7b', "
        "'SELECT prompt, completion FROM train', '', {'max_epochs': 1}) AS JOB_ID",
    ),
    (
        ft.FinetuneDescribe("ft_9544250a-20a9"),
        "FINETUNE DESCRIBE",
        "SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', 'ft_9544250a-20a9') AS JOB",
    ),
    (ft.FinetuneShow(), "FINETUNE SHOW", "SELECT SNOWFLAKE.CORTEX.FINETUNE('SHOW') AS JOBS"),
    (
        ft.FinetuneCancel("ft_1"),
        "FINETUNE CANCEL",
        "SELECT SNOWFLAKE.CORTEX.FINETUNE('CANCEL', 'ft_1') AS RESULT",
    ),
    (
        ft.ShowModels(SchemaName.parse("d.s"), I("m_1")),
        "SHOW MODELS",
        "SHOW MODELS LIKE 'M_1' IN SCHEMA D.S",
    ),
    (ft.ShowModels(), "SHOW MODELS", "SHOW MODELS IN ACCOUNT"),
    (ft.DropModel(Q("d.s.m")), "DROP MODEL", "DROP MODEL IF EXISTS D.S.M"),
    (sh.CreateShare(I("s1"), comment="models"), "CREATE SHARE", "CREATE SHARE S1 COMMENT = 'models'"),
    (
        sh.AlterShareAccounts(I("s1"), "ADD", (ACCT, AccountName.parse("o.b"))),
        "ALTER SHARE",
        "ALTER SHARE S1 ADD ACCOUNTS = MYORG.EU_ACCT, O.B",
    ),
    (
        sh.AlterShareAccounts(I("s1"), "REMOVE", (ACCT,)),
        "ALTER SHARE",
        "ALTER SHARE S1 REMOVE ACCOUNTS = MYORG.EU_ACCT",
    ),
    (sh.ShowShares(I("s1")), "SHOW SHARES", "SHOW SHARES LIKE 'S1'"),
    (sh.DropShare(I("s1")), "DROP SHARE", "DROP SHARE IF EXISTS S1"),
    (
        sh.CreateDatabaseFromShare(I("shared_db"), AccountName.parse("prov.acct"), I("s1")),
        "CREATE DATABASE FROM SHARE",
        "CREATE DATABASE SHARED_DB FROM SHARE PROV.ACCT.S1",
    ),
    (
        rp.CreateReplicationGroup(I("rg"), (DB,), (ACCT,), schedule="10 MINUTE"),
        "CREATE REPLICATION GROUP",
        'CREATE REPLICATION GROUP RG OBJECT_TYPES = DATABASES ALLOWED_DATABASES = "Cortex Db" '
        "ALLOWED_ACCOUNTS = MYORG.EU_ACCT REPLICATION_SCHEDULE = '10 MINUTE'",
    ),
    (
        rp.CreateReplicaGroup(I("rg"), AccountName.parse("myorg.primary"), I("rg")),
        "CREATE REPLICATION GROUP",
        "CREATE REPLICATION GROUP RG AS REPLICA OF MYORG.PRIMARY.RG",
    ),
    (
        rp.RefreshReplicationGroup(I("rg")),
        "ALTER REPLICATION GROUP REFRESH",
        "ALTER REPLICATION GROUP RG REFRESH",
    ),
    (
        rp.AlterReplicationGroupSet(I("rg"), allowed_accounts=(ACCT,)),
        "ALTER REPLICATION GROUP",
        "ALTER REPLICATION GROUP RG SET ALLOWED_ACCOUNTS = MYORG.EU_ACCT",
    ),
    (rp.ShowReplicationGroups(), "SHOW REPLICATION GROUPS", "SHOW REPLICATION GROUPS"),
    (
        rp.ShowDatabasesInReplicationGroup(I("rg")),
        "SHOW DATABASES IN REPLICATION GROUP",
        "SHOW DATABASES IN REPLICATION GROUP RG",
    ),
    (rp.DropReplicationGroup(I("rg")), "DROP REPLICATION GROUP", "DROP REPLICATION GROUP IF EXISTS RG"),
]


@pytest.mark.parametrize(("stmt", "kind", "sql"), CASES, ids=[c[2][:60] for c in CASES])
def test_statement_sql_and_kind(stmt: Statement, kind: str, sql: str) -> None:
    assert stmt.sql() == sql
    assert stmt.kind == kind
    assert str(stmt) == sql


@pytest.mark.parametrize(("stmt", "kind", "sql"), CASES, ids=[c[2][:60] for c in CASES])
def test_every_statement_is_one_statement(stmt: Statement, kind: str, sql: str) -> None:
    # Snowflake's tokenizer rules: the text must lex completely, with no statement separator in it.
    tokens = sqlglot.tokenize(sql, read="snowflake")
    assert tokens and not [t for t in tokens if t.token_type == TokenType.SEMICOLON]


def test_idempotency_flags() -> None:
    assert not ft.FinetuneCreate(MODEL, "mistral-7b", QUERY).idempotent
    assert g.GrantDatabaseRole(ROLE).idempotent
    assert not sh.CreateShare(I("s")).idempotent
    assert sh.CreateShare(I("s"), if_not_exists=True).idempotent


@pytest.mark.parametrize(
    "build",
    [
        lambda: g.GrantPrivilege(g.Privilege.CREATE_MODEL, g.GrantTarget.database(DB), g.Grantee.role(ROLE)),
        lambda: g.GrantPrivilege(
            g.Privilege.CREATE_MODEL, g.GrantTarget.schema(SCHEMA), g.Grantee.share(I("s"))
        ),
        lambda: g.GrantTarget(g.ObjectType.SCHEMA, DB),
        lambda: g.ShowGrants(),
        lambda: g.ShowGrants(to_role=ROLE, to_share=I("s")),
        lambda: ft.FinetuneCreate(Q("m"), "mistral-7b", QUERY),
        lambda: ft.FinetuneCreate(MODEL, "mistral 7b'; --", QUERY),
        lambda: ft.FinetuneCreate(MODEL, "mistral-7b", QUERY, options={"x": float("nan")}),
        lambda: ft.FinetuneDescribe("ft_1'; DROP"),
        lambda: v.CreateView(Q("s.v"), QUERY),
        lambda: sh.AlterShareAccounts(I("s"), "ADD", ()),
        lambda: rp.CreateReplicationGroup(I("rg"), (), (ACCT,)),
        lambda: rp.CreateReplicationGroup(I("rg"), (DB,), (ACCT,), schedule="10 MINUTE'; DROP"),
        lambda: rp.AlterReplicationGroupSet(I("rg")),
        lambda: pf.PreflightQuery(QUERY, "mistral-7b", 0, 10),
    ],
)
def test_invalid_options_rejected_before_sql(build: object) -> None:
    with pytest.raises(InvalidInput):
        build()  # type: ignore[operator]


def test_schedule_forms() -> None:
    assert rp.check_schedule("USING CRON 0 * * * * UTC") == "USING CRON 0 * * * * UTC"
    assert rp.check_schedule(" 5 MINUTE ") == "5 MINUTE"
    with pytest.raises(InvalidInput):
        rp.check_schedule("0 MINUTE")


def test_invalid_identifier_is_input_error() -> None:
    assert issubclass(InvalidIdentifier, InvalidInput)


def test_preflight_query_shape() -> None:
    q = pf.PreflightQuery(QUERY, "mistral-7b", 28 * 1024, 4096)
    sql = q.sql()
    assert q.kind == "PREFLIGHT"
    for col in pf.PREFLIGHT_COLUMNS:
        assert f" AS {col}" in sql
    assert "CEIL(LENGTH(p) / 4)" in sql and "COUNT_TOKENS" not in sql
    assert "pt > 28672" in sql and "ct > 4096" in sql
    exact = pf.PreflightQuery(QUERY, "mistral-7b", 10, 10, count_tokens=True).sql()
    assert "SNOWFLAKE.CORTEX.COUNT_TOKENS('mistral-7b', p)" in exact
    assert len(sqlglot.parse(sql, read="snowflake")) == 1


def test_fingerprint_query_shape() -> None:
    sql = pf.FingerprintQuery(QUERY).sql()
    assert "HASH(src.prompt, src.completion)" in sql and "BITXOR_AGG(h)" in sql
    assert len(sqlglot.parse(sql, read="snowflake")) == 1
