"""Ownership (resources/ownership.py): the COMMENT record, the create/delete rules, and the model and
view cores following them against the emulator through the real driver."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cortex_provider.resources.ownership import (
    ADOPTED,
    CREATED,
    RECORD_PREFIX,
    Claim,
    Owner,
    OwnershipError,
    parse_record,
    release_reason,
    take_existing,
)
from cortex_provider.resources.training_view import TrainingViewCore
from tests.resources.finetune_support import make_env, spec
from tests.resources.grant_support import Acct

LOCAL = Owner("cortex", "local", "model-support-extractor")
OTHER = Owner("cortex", "yaml", "model-support-extractor")
text = st.text(min_size=1, max_size=30)


@given(text, text, text)
def test_a_record_reads_back_as_its_owner(project: str, stack: str, resource: str) -> None:
    owner = Owner(project, stack, resource)
    assert parse_record(owner.record()) == owner
    assert owner.record().startswith(RECORD_PREFIX)


@given(st.one_of(st.none(), st.text(max_size=80)))
def test_a_comment_that_is_no_record_is_unowned(comment: str | None) -> None:
    if comment is not None and comment.startswith(RECORD_PREFIX):
        return
    assert parse_record(comment) is None


@pytest.mark.parametrize("tail", ["", "{", "[]", '{"project":"p"}', '{"project":1,"stack":"s","resource":"r"}'])
def test_a_malformed_record_is_unowned(tail: str) -> None:
    assert parse_record(RECORD_PREFIX + tail) is None


def test_take_existing_follows_the_rules() -> None:
    assert take_existing("K", "X", LOCAL.record(), Claim(LOCAL)) == CREATED  # crash recovery
    assert take_existing("K", "X", None, Claim(LOCAL), provably_ours=True) == CREATED
    assert take_existing("K", "X", "a user's note", Claim(LOCAL, adopt=True)) == ADOPTED
    assert take_existing("K", "X", None, Claim(LOCAL, adopt=True), provably_ours=True) == ADOPTED
    with pytest.raises(OwnershipError, match="declare `adopt: true`"):
        take_existing("K", "X", "a user's note", Claim(LOCAL))
    for claim in (Claim(OTHER), Claim(OTHER, adopt=True), Claim()):
        with pytest.raises(OwnershipError, match=r"stack 'local' of project 'cortex'.*model-support-extractor"):
            take_existing("K", "X", LOCAL.record(), claim)


def test_release_reason() -> None:
    mine = {"owner": LOCAL.as_input(), "origin": CREATED}
    assert release_reason(mine, LOCAL.record()) is None
    assert release_reason(mine, None) is None
    assert "stack 'yaml'" in str(release_reason(mine, OTHER.record()))
    assert "adopted" in str(release_reason({**mine, "origin": ADOPTED}, LOCAL.record()))
    assert "adopted" in str(release_reason({}, None, legacy_adopted=True))  # state from before records


def _comment(env: Any) -> str | None:
    cur = env.conn.cursor()
    cur.execute("SHOW MODELS LIKE 'TUNED' IN SCHEMA DB.S")
    cols = [d[0].lower() for d in cur.description]
    rows = cur.fetchall()
    return rows[0][cols.index("comment")] if rows else None


def test_a_model_carries_its_record_and_another_stack_is_refused(emulator: Any) -> None:
    env = make_env(emulator)
    out = env.core.create_as(env.session, env.core.parse(spec()), Claim(LOCAL)).outputs
    assert out["origin"] == CREATED and out["owner"] == LOCAL.as_input()
    assert parse_record(_comment(env)) == LOCAL
    for claim in (Claim(OTHER), Claim(OTHER, adopt=True)):
        with pytest.raises(OwnershipError, match="stack 'local'"):
            env.core.create_as(env.session, env.core.parse(spec()), claim)
    assert env.creates_in_log() == 1 and parse_record(_comment(env)) == LOCAL


def test_a_model_made_by_hand_is_adopted_only_when_declared_and_never_dropped(emulator: Any) -> None:
    env = make_env(emulator)
    env.core.create(env.session, env.core.parse(spec(base_model="llama3-8b")))  # no owner: by hand
    with pytest.raises(OwnershipError, match="adopt: true"):  # trained from another spec: not provably ours
        env.core.create_as(env.session, env.core.parse(spec()), Claim(OTHER))
    out = env.core.create_as(env.session, env.core.parse(spec(base_model="llama3-8b", retain_on_delete=False)),
                             Claim(OTHER, adopt=True)).outputs
    assert out["origin"] == ADOPTED and parse_record(_comment(env)) == OTHER
    env.core.delete(env.session, "DB.S.TUNED", out)
    assert env.models() == ["TUNED"]  # released, not dropped, though retain_on_delete is false
    assert parse_record(_comment(env)) is None  # its record cleared
    assert any("released, not dropped" in line for line in env.logs)


def test_a_model_another_stack_recorded_is_released_not_dropped(emulator: Any) -> None:
    env = make_env(emulator)
    out = env.core.create_as(env.session, env.core.parse(spec(retain_on_delete=False)), Claim(LOCAL)).outputs
    env.sql(f"ALTER MODEL DB.S.TUNED SET COMMENT = '{OTHER.record()}'")  # taken over since
    env.core.delete(env.session, "DB.S.TUNED", out)
    assert env.models() == ["TUNED"] and parse_record(_comment(env)) == OTHER
    env.sql(f"ALTER MODEL DB.S.TUNED SET COMMENT = '{LOCAL.record()}'")
    env.core.delete(env.session, "DB.S.TUNED", out)  # its own, retain_on_delete false: dropped
    assert env.models() == []


VIEW = {"database": "db", "schema": "s", "name": "train_v",
        "query": "SELECT NOTE AS prompt, LABEL AS completion FROM DB.S.NOTES"}


def _view_comment(acct: Acct) -> str | None:
    rows = acct.sql("SHOW VIEWS LIKE 'TRAIN_V' IN SCHEMA DB.S")
    return rows[0][6] if rows else None


def test_views_follow_the_same_rules(acct: Acct) -> None:
    core = TrainingViewCore()
    acct.sql(f"CREATE VIEW DB.S.TRAIN_V AS {VIEW['query']}")  # by hand
    with pytest.raises(OwnershipError, match="adopt: true"):
        core.create_as(acct.session, core.parse(VIEW), Claim(LOCAL))
    applied = core.create_as(acct.session, core.parse(VIEW), Claim(LOCAL, adopt=True))
    assert applied.outputs["origin"] == ADOPTED and parse_record(_view_comment(acct)) == LOCAL
    with pytest.raises(OwnershipError, match="stack 'local'"):
        core.create_as(acct.session, core.parse(VIEW), Claim(OTHER, adopt=True))
    again = core.create_as(acct.session, core.parse(VIEW), Claim(LOCAL))  # crash recovery: its own record
    assert again.outputs["origin"] == CREATED
    core.delete(acct.session, applied.id, applied.outputs)  # adopted: released, record cleared
    assert acct.sql("SHOW VIEWS LIKE 'TRAIN_V' IN SCHEMA DB.S") and not _view_comment(acct)
    created = core.create_as(acct.session, core.parse({**VIEW, "name": "new_v"}), Claim(LOCAL))
    update = core.update_as(acct.session, created.id, created.outputs,
                            core.parse({**VIEW, "name": "new_v", "query": VIEW["query"] + " WHERE ID > 1"}), Claim())
    assert update["origin"] == CREATED
    rows = acct.sql("SHOW VIEWS LIKE 'NEW_V' IN SCHEMA DB.S")
    assert parse_record(rows[0][6]) == LOCAL  # CREATE OR REPLACE repeated the record
    core.delete(acct.session, created.id, update)
    assert not acct.sql("SHOW VIEWS LIKE 'NEW_V' IN SCHEMA DB.S")


def _release_spec(core: Any, **over: Any) -> Any:
    inputs = {"name": "SUP", "database": "DB", "schema_name": "S", "base_model": "llama3.1-8b",
              "training_query": "SELECT prompt, completion FROM DB.S.TRAIN", "options": {"max_epochs": 1}, **over}
    return core.parse(core.check({}, inputs).inputs)


def test_release_versions_carry_the_record_and_another_stack_is_refused(emulator: Any) -> None:
    from cortex_provider.resources.release import ModelReleaseCore

    env = make_env(emulator)
    core = ModelReleaseCore(env.core)
    mine = Claim(Owner("cortex", "local", "release-sup"))
    out = core.create_as(env.session, _release_spec(core, retain_on_delete=False), mine).outputs
    assert out["origin"] == CREATED and out["versions"][0]["origin"] == CREATED
    rows = env.sql("SHOW MODELS LIKE 'SUP_V1' IN SCHEMA DB.S")
    assert parse_record(rows[0][6]) == mine.owner
    with pytest.raises(OwnershipError, match="stack 'local'"):
        core.create_as(env.session, _release_spec(core), Claim(OTHER, adopt=True))
    again = core.create_as(env.session, _release_spec(core), mine).outputs  # crash recovery: its own record
    assert again["origin"] == CREATED and env.creates_in_log() == 1

    adopted = {**out, "origin": ADOPTED, "versions": [{**out["versions"][0], "origin": ADOPTED}]}
    core.delete(env.session, "SUP", adopted)  # adopted: neither the endpoint nor a version is dropped
    assert env.models() == ["SUP_V1"] and env.sql("SHOW USER FUNCTIONS LIKE 'SUP' IN SCHEMA DB.S")
    assert any("released, not dropped" in line for line in env.logs)
    env.sql(f"ALTER MODEL DB.S.SUP_V1 SET COMMENT = '{mine.record()}'")
    core.delete(env.session, "SUP", out)  # what it created, retain_on_delete false: dropped
    assert env.models() == []


def test_shares_follow_the_same_rules(emulator: Any) -> None:
    from cortex_provider.resources.share import ShareCore
    from tests.resources.test_share_support import seed, session_for, sql, train

    name = emulator.new_account()
    conn = emulator.connect(account=name)
    seed(conn)
    train(conn, "M1")
    session, core = session_for(emulator, name), ShareCore()
    spec = core.parse({"name": "own_share", "database": "DB", "schema": "S", "models": ["M1"]})

    def comment() -> str | None:
        rows = [r for r in sql(conn, "SHOW SHARES") if r["name"] == "OWN_SHARE" and r["kind"] == "OUTBOUND"]
        return rows[0]["comment"] if rows else None

    out = core.create_as(session, spec, Claim(LOCAL)).outputs
    assert out["origin"] == CREATED and parse_record(comment()) == LOCAL
    with pytest.raises(OwnershipError, match="stack 'local'"):
        core.create_as(session, spec, Claim(OTHER, adopt=True))
    core.delete(session, "OWN_SHARE", {**out, "origin": ADOPTED})  # adopted: released, record cleared
    assert comment() is not None and parse_record(comment()) is None
    with pytest.raises(OwnershipError, match="adopt: true"):
        core.create_as(session, spec, Claim(OTHER))
    taken = core.create_as(session, spec, Claim(OTHER, adopt=True)).outputs
    assert taken["origin"] == ADOPTED and parse_record(comment()) == OTHER
    core.delete(session, "OWN_SHARE", out)  # LOCAL's state, OTHER's record: released, not dropped
    assert parse_record(comment()) == OTHER
    core.delete(session, "OWN_SHARE", {**taken, "origin": CREATED})
    assert comment() is None  # its own: dropped


def test_mounts_follow_the_same_rules(emulator: Any) -> None:
    from cortex_provider.resources.shared_models import SharedModelsCore
    from tests.resources.test_share_support import ORG, seed, session_for, sql, train

    provider = emulator.new_account()
    pconn = emulator.connect(account=provider)
    seed(pconn)
    train(pconn, "M1")
    consumer = emulator.new_account()
    admin = emulator.connect(account=consumer)
    for text in ("CREATE SHARE OWN_OUT", "GRANT USAGE ON DATABASE DB TO SHARE OWN_OUT",
                 "GRANT USAGE ON SCHEMA DB.S TO SHARE OWN_OUT", "GRANT USAGE ON MODEL DB.S.M1 TO SHARE OWN_OUT",
                 f"ALTER SHARE OWN_OUT ADD ACCOUNTS = {ORG}.{consumer}"):
        sql(pconn, text)
    session, core = session_for(emulator, consumer), SharedModelsCore()
    spec = core.parse({"database": "MOUNTED", "share_ref": f"{ORG}.{provider}.OWN_OUT"})

    def comment() -> str | None:
        rows = [r for r in sql(admin, "SHOW DATABASES LIKE 'MOUNTED'")]
        return rows[0]["comment"] if rows else None

    out = core.create_as(session, spec, Claim(LOCAL)).outputs
    assert out["origin"] == CREATED and parse_record(comment()) == LOCAL
    with pytest.raises(OwnershipError, match="stack 'local'"):
        core.create_as(session, spec, Claim(OTHER, adopt=True))
    core.delete(session, "MOUNTED", {**out, "origin": ADOPTED})  # adopted: released, record cleared
    assert sql(admin, "SHOW DATABASES LIKE 'MOUNTED'") and parse_record(comment()) is None
    core.delete(session, "MOUNTED", out)  # its own (no other record): dropped
    assert not sql(admin, "SHOW DATABASES LIKE 'MOUNTED'")


def test_a_replication_group_is_taken_only_when_declared_and_never_dropped_then(emulator: Any) -> None:
    from cortex_provider.resources.replication import ReplicationCore
    from tests.resources.test_share_support import ORG, connector, seed, session_for, sql, train

    primary, target = emulator.new_account(), emulator.new_account()
    conn = emulator.connect(account=primary)
    seed(conn)
    train(conn, "M1")
    emulator.connect(account=target).close()
    core, session = ReplicationCore(connector(emulator, [])), session_for(emulator, primary)
    spec = core.parse({"group": "own_g", "databases": ["db"], "target_accounts": [f"{ORG}.{target}"]})
    first = core.create_as(session, spec, Claim(LOCAL)).outputs
    assert first["origin"] == CREATED
    with pytest.raises(OwnershipError, match="adopt: true"):  # no record can be kept on a group
        core.create_as(session, spec, Claim(OTHER))
    taken = core.create_as(session, spec, Claim(OTHER, adopt=True)).outputs
    assert taken["origin"] == ADOPTED
    core.delete(session, "OWN_G", taken)  # adopted: neither the group nor its replica is dropped

    def own_groups() -> list[str]:
        return [r["name"] for r in sql(conn, "SHOW REPLICATION GROUPS") if r["account_name"] == primary]

    assert own_groups() == ["OWN_G"]
    core.delete(session, "OWN_G", first)  # created: dropped
    assert own_groups() == []
