"""The catalog file (DATA/catalog.json): what is saved loads back the same, roles and grants as rows of
their fields, and a catalog written with a key per field (before the rows) still loads."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from cortex_local.catalog import Catalog
from cortex_local.catalog_records import GRANT_FIELDS, GrantRec


def _catalog(path: Path) -> Catalog:
    catalog = Catalog(path)
    catalog.provision_account("A", "ADMIN", "pw")
    catalog.create_role("A", "ANALYST", "ACCOUNTADMIN", "reads the marts")
    catalog.grant("A", GrantRec("USAGE", "ROLE", "ANALYST", "USER", "ADMIN", "ACCOUNTADMIN", True))
    catalog.grant("A", GrantRec("USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER", "ROLE", "ANALYST"))
    return catalog


def test_what_is_saved_loads_back_the_same(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    saved = _catalog(path).account("A")
    raw = json.loads(path.read_text())["accounts"]["A"]
    assert raw["grants"][-1] == ["USAGE", "DATABASE_ROLE", "SNOWFLAKE.CORTEX_USER", "ROLE", "ANALYST", None, False,
                                 saved.grants[-1].created_on]
    assert len(raw["grants"][-1]) == len(GRANT_FIELDS)
    assert raw["roles"]["ANALYST"][:3] == ["ANALYST", "ACCOUNTADMIN", "reads the marts"]
    assert Catalog(path).account("A") == saved


def test_a_catalog_with_a_key_per_field_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    saved = _catalog(path).account("A")
    path.write_text(json.dumps({"accounts": {"A": asdict(saved)}}))  # as every save wrote it before
    assert Catalog(path).account("A") == saved
