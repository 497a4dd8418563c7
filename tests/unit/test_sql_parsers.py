"""Parsers over realistic rows in Snowflake's documented shapes (lower-case SHOW column names)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from cortex_provider.errors import ParseError
from cortex_provider.sql import parse_cortex as pc
from cortex_provider.sql import parse_show as ps
from cortex_provider.sql.grants import GrantTarget
from cortex_provider.sql.identifiers import Identifier, QualifiedName, SchemaName
from cortex_provider.sql.rows import rows_from_cursor

T = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
GRANT_COLS = [
    "created_on",
    "privilege",
    "granted_on",
    "name",
    "granted_to",
    "grantee_name",
    "grant_option",
    "granted_by",
]


def show(cols: list[str], *rows: tuple[Any, ...]) -> list[dict[str, Any]]:
    """Rows as Session returns them: zipped with cursor.description, keys upper-cased."""
    return rows_from_cursor([(c, 2, None, None, None, None, True) for c in cols], rows)


def test_rows_follow_names_not_positions() -> None:
    a = show(["name", "created_on"], ("V", T))
    b = show(["created_on", "name"], (T, "V"))
    assert a == b == [{"NAME": "V", "CREATED_ON": T}]


def test_show_grants_to_role() -> None:
    rows = show(
        GRANT_COLS,
        (T, "USAGE", "DATABASE", "CORTEX_DB", "ROLE", "FT_ROLE", "false", "SYSADMIN"),
        (T, "CREATE MODEL", "SCHEMA", 'CORTEX_DB."Models"', "ROLE", "FT_ROLE", "true", "SYSADMIN"),
        (T, "USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER", "ROLE", "FT_ROLE", "false", ""),
    )
    grants = ps.parse_grants(rows)
    assert grants[0] == ps.GrantRow("USAGE", "DATABASE", "CORTEX_DB", "ROLE", "FT_ROLE", False, "SYSADMIN", T)
    assert grants[1].grant_option is True
    assert grants[2].granted_by is None
    role = Identifier.parse("ft_role")
    assert grants[0].grants("USAGE", GrantTarget.database(Identifier.parse("cortex_db")), "ROLE", role)
    schema = GrantTarget.schema(SchemaName.parse('cortex_db."Models"'))
    assert grants[1].grants("CREATE MODEL", schema, "ROLE", role)
    assert not grants[1].grants(
        "CREATE MODEL", GrantTarget.schema(SchemaName.parse("cortex_db.models")), "ROLE", role
    )
    assert not grants[0].grants(
        "USAGE", GrantTarget.database(Identifier.parse("cortex_db")), "ROLE", Identifier.parse("other")
    )


def test_show_grants_on_model_and_to_share() -> None:
    rows = show(
        GRANT_COLS,
        (T, "OWNERSHIP", "MODEL", "DB.S.M", "ROLE", "SYSADMIN", "true", "SYSADMIN"),
        (T, "USAGE", "MODEL", "DB.S.M", "SHARE", "AB12345.MODEL_SHARE", "false", "ACCOUNTADMIN"),
    )
    grants = ps.parse_grants(rows)
    target = GrantTarget.model(QualifiedName.parse("db.s.m"))
    assert grants[0].is_on(target)
    assert grants[1].grants("USAGE", target, "SHARE", Identifier.parse("model_share"))


def test_show_grants_of_database_role() -> None:
    rows = show(
        ["created_on", "role", "granted_to", "grantee_name", "granted_by"],
        (T, "SNOWFLAKE.CORTEX_USER", "ROLE", "FT_ROLE", "ACCOUNTADMIN"),
        (T, "SNOWFLAKE.CORTEX_USER", "ROLE", "PUBLIC", ""),
    )
    grants = ps.parse_grants(rows)
    assert [g.grantee_name for g in grants] == ["FT_ROLE", "PUBLIC"]
    assert grants[0].privilege == "USAGE" and grants[0].granted_on == "DATABASE_ROLE"
    assert grants[0].name == "SNOWFLAKE.CORTEX_USER" and grants[1].granted_by is None


def test_grant_rows_missing_columns_fail_loudly() -> None:
    with pytest.raises(ParseError, match="grantee_name"):
        ps.parse_grants(
            show(["privilege", "granted_on", "name", "granted_to"], ("USAGE", "DATABASE", "D", "ROLE"))
        )


VIEW_COLS = [
    "created_on",
    "name",
    "reserved",
    "database_name",
    "schema_name",
    "owner",
    "comment",
    "text",
    "is_secure",
    "is_materialized",
    "owner_role_type",
    "change_tracking",
]


def test_show_views() -> None:
    text = "CREATE OR REPLACE VIEW D.S.TRAIN_V AS\nSELECT prompt, completion FROM t\n"
    rows = show(
        VIEW_COLS, (T, "TRAIN_V", "", "D", "S", "SYSADMIN", "", text, "false", "false", "ROLE", "OFF")
    )
    (view,) = ps.parse_views(rows)
    assert (view.name, view.database, view.schema, view.text) == ("TRAIN_V", "D", "S", text)
    assert view.comment is None and view.is_secure is False
    assert view.qualified.sql() == "D.S.TRAIN_V"


MODEL_COLS = [
    "created_on",
    "name",
    "model_type",
    "database_name",
    "schema_name",
    "comment",
    "owner",
    "default_version_name",
    "versions",
    "aliases",
]


def test_show_models() -> None:
    rows = show(
        MODEL_COLS,
        (
            T,
            "support_ft",
            "CORTEX_FINETUNED",
            "DB",
            "S",
            None,
            "FT_ROLE",
            "V1",
            '["V1"]',
            '{"DEFAULT":"V1","FIRST":"V1","LAST":"V1"}',
        ),
    )
    (model,) = ps.parse_models(rows)
    assert model.name == "support_ft" and model.model_type == "CORTEX_FINETUNED"
    assert model.versions == ["V1"] and model.aliases["DEFAULT"] == "V1"
    assert model.qualified.sql() == 'DB.S."support_ft"'


def test_named_keeps_exact_matches_only() -> None:
    rows = show(
        VIEW_COLS[:5],
        (T, "TRAIN_V", "", "D", "S"),
        (T, "train_v", "", "D", "S"),
        (T, "TRAINXV", "", "D", "S"),
    )
    views = ps.parse_views(rows)
    assert [v.name for v in ps.named(views, Identifier.parse("train_v"))] == ["TRAIN_V"]
    assert [v.name for v in ps.named(views, Identifier.parse('"train_v"'))] == ["train_v"]


SHARE_COLS = [
    "created_on",
    "kind",
    "owner_account",
    "name",
    "database_name",
    "to",
    "owner",
    "comment",
    "listing_global_name",
    "secure_objects_only",
]


def test_show_shares_current_and_legacy_shape() -> None:
    rows = show(
        SHARE_COLS,
        (
            T,
            "OUTBOUND",
            "MYORG.PRIMARY",
            "MODEL_SHARE",
            "CORTEX_DB",
            "MYORG.EU1, MYORG.EU2",
            "ACCOUNTADMIN",
            "",
            "",
            "true",
        ),
    )
    (share,) = ps.parse_shares(rows)
    assert share.kind == "OUTBOUND" and share.owner_account == "MYORG.PRIMARY"
    assert share.to == ["MYORG.EU1", "MYORG.EU2"] and share.database_name == "CORTEX_DB"
    legacy = show(
        ["created_on", "kind", "name", "database_name", "to", "owner", "comment"],
        (T, "INBOUND", "MYORG.PRIMARY.MODEL_SHARE", "", "", "", ""),
    )
    (inbound,) = ps.parse_shares(legacy)
    assert (inbound.owner_account, inbound.name, inbound.to, inbound.database_name) == (
        "MYORG.PRIMARY",
        "MODEL_SHARE",
        [],
        None,
    )


RG_COLS = [
    "region_group",
    "snowflake_region",
    "created_on",
    "account_name",
    "name",
    "type",
    "comment",
    "is_primary",
    "primary",
    "object_types",
    "allowed_integration_types",
    "allowed_accounts",
    "organization_name",
    "account_locator",
    "replication_schedule",
    "secondary_state",
    "next_scheduled_refresh",
    "owner",
    "is_listing_auto_fulfillment_group",
]


def test_show_replication_groups() -> None:
    rows = show(
        RG_COLS,
        (
            "PUBLIC",
            "AWS_US_WEST_2",
            T,
            "PRIMARY",
            "RG",
            "REPLICATION",
            None,
            "true",
            "MYORG.PRIMARY.RG",
            "DATABASES",
            "",
            "MYORG.PRIMARY,myorg.eu1",
            "MYORG",
            "AB12345",
            "10 MINUTE",
            None,
            None,
            "ACCOUNTADMIN",
            "false",
        ),
        (
            "PUBLIC",
            "AWS_EU_WEST_1",
            T,
            "EU1",
            "RG",
            "REPLICATION",
            None,
            "false",
            "MYORG.PRIMARY.RG",
            "DATABASES",
            "",
            "MYORG.PRIMARY,MYORG.EU1",
            "MYORG",
            "CD67890",
            "10 MINUTE",
            "STARTED",
            None,
            None,
            "false",
        ),
    )
    primary, secondary = ps.parse_replication_groups(rows)
    assert primary.is_primary and not secondary.is_primary
    assert primary.allowed_accounts == ["MYORG.PRIMARY", "MYORG.EU1"]
    assert primary.object_types == ["DATABASES"] and primary.replication_schedule == "10 MINUTE"
    assert secondary.secondary_state == "STARTED" and secondary.owner is None
    dbs = show(["created_on", "name", "is_default", "origin"], (T, "CORTEX_DB", "N", ""))
    assert ps.parse_database_names(dbs) == ["CORTEX_DB"]


DESCRIBE_SUCCESS = {
    "base_model": "llama3.1-8b",
    "created_on": 1730835118114,
    "finished_on": 1730835586377,
    "id": "ft_9544250a-20a9-42b3-babe-74f0a6f88f60",
    "model": "mydb.myschema.my_tuned_model",
    "progress": 1.0,
    "status": "SUCCESS",
    "training_data": "select prompt, completion from train",
    "trained_tokens": 2670734,
    "training_result": {"validation_loss": 1.0138969421386719, "training_loss": 0.6477728401547047},
    "validation_data": "",
    "options": {"max_epochs": 3},
}


def test_finetune_describe_success_from_json_text() -> None:
    job = pc.parse_finetune_describe(show(["JOB"], (json.dumps(DESCRIBE_SUCCESS, indent=2),)))
    assert job.status is pc.FinetuneStatus.SUCCESS and job.status.is_terminal
    assert job.id.startswith("ft_9544") and job.trained_tokens == 2670734
    assert job.validation_loss == pytest.approx(1.01389694) and job.training_loss == pytest.approx(0.64777284)
    assert job.model == "mydb.myschema.my_tuned_model" and job.base_model == "llama3.1-8b"
    assert job.created_at == datetime(2024, 11, 5, 19, 31, 58, 114000, tzinfo=UTC)
    assert job.validation_data is None and job.extra == {"options": {"max_epochs": 3}}


def test_finetune_describe_in_progress_and_error() -> None:
    running = pc.finetune_job_from_obj({"id": "ft_1", "status": "IN_PROGRESS", "progress": 0.25})
    assert running.status is pc.FinetuneStatus.IN_PROGRESS and not running.status.is_terminal
    assert running.progress == 0.25 and running.trained_tokens is None and running.validation_loss is None
    failed = pc.finetune_job_from_obj(
        {
            "id": "ft_2",
            "status": "ERROR",
            "progress": 0.0,
            "error": {"code": "INVALID_DATA", "message": "bad rows"},
        }
    )
    assert failed.error_message == "bad rows"
    assert pc.finetune_job_from_obj({"id": "x", "status": "running"}).status is pc.FinetuneStatus.IN_PROGRESS
    as_list = pc.finetune_job_from_obj(
        {"id": "x", "status": "SUCCESS", "training_result": [{"training_loss": 2.0}, {"training_loss": 1.5}]}
    )
    assert as_list.training_loss == 1.5


@pytest.mark.parametrize(
    "obj",
    [
        {"status": "SUCCESS"},
        {"id": "x", "status": "DONE"},
        [1, 2],
        "not json",
        {"id": "x", "status": "PENDING", "progress": "half"},
    ],
)
def test_finetune_describe_rejects_bad_shapes(obj: Any) -> None:
    with pytest.raises(ParseError):
        pc.finetune_job_from_obj(obj if not isinstance(obj, dict | list) else json.dumps(obj))


def test_finetune_show_create_and_row_count_checks() -> None:
    listing = (
        '[{"id":"ft_9544250a","status":"SUCCESS","base_model":"llama3.1-8b","created_on":1730835118114},'
        '{"id":"ft_354cf617","status":"ERROR","base_model":"llama3.1-8b","created_on":1730834536632}]'
    )
    jobs = pc.parse_finetune_show(show(["JOBS"], (listing,)))
    assert [(j.id, j.status) for j in jobs] == [
        ("ft_9544250a", pc.FinetuneStatus.SUCCESS),
        ("ft_354cf617", pc.FinetuneStatus.ERROR),
    ]
    assert pc.parse_finetune_show(show(["jobs"], ("[]",))) == []
    assert pc.parse_finetune_create(show(["JOB_ID"], ("ft_abc",))) == "ft_abc"
    with pytest.raises(ParseError, match="one row"):
        pc.parse_finetune_create(show(["JOB_ID"]))
    with pytest.raises(ParseError, match="JOB"):
        pc.parse_finetune_describe(show(["OTHER"], ("{}",)))


def test_fingerprint_rows() -> None:
    fp = pc.parse_fingerprint(
        show(["ROW_COUNT", "HASH_SUM", "HASH_XOR"], (4, "12345", "16649344825081903054"))
    )
    assert fp.hash_xor == 16649344825081903054  # exact, not rounded through float
    assert str(fp) == "rows=4;sum=12345;xor=e70e5ae809feb7ce"
    assert fp == pc.parse_fingerprint(
        show(["row_count", "hash_sum", "hash_xor"], (4, 12345, 16649344825081903054))
    )
