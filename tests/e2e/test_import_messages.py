"""`pulumi import` through the `cortex` plugin on the real engine: an object that does not exist fails
the import and records nothing; a malformed id names the form the kind expects; neither prints a
Python traceback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Emulator
from tests.e2e.test_plugin import PASSWORD, Project, pytestmark, write_program

__all__ = ["pytestmark"]  # the plugin suite's skip when the CLI or the YAML host is missing


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    server = Emulator(tmp_path_factory.mktemp("import-emulator") / "data", catalogue="current")
    server.start()
    with server.connect("LOCAL", password=PASSWORD) as conn:
        conn.cursor().execute("CREATE DATABASE CORTEX_DEMO")
        conn.cursor().execute("CREATE SCHEMA CORTEX_DEMO.IMP")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proj(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = Project(tmp_path_factory.mktemp("imp") / "proj", emu, "LOCAL")
    write_program(project.path, {})
    project.init("imp")
    return project


def recorded(proj: Project) -> list[str]:
    return [r["urn"] for r in proj.export()["deployment"].get("resources") or []
            if r["type"].startswith("cortex:index:")]


def test_import_of_a_missing_model_fails_and_records_nothing(proj: Project) -> None:
    done = proj("import", "cortex:index:FineTunedModel", "ghost", "CORTEX_DEMO.IMP.GHOST", "--yes",
                "--generate-code=false", ok=False)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert "CORTEX_DEMO.IMP.GHOST" in out and "does not exist" in out
    assert "Traceback" not in out
    assert recorded(proj) == []


@pytest.mark.parametrize(("kind", "bad_id", "form"), [
    ("ModelCreatorGrant", "IMP_ROLE", "ROLE|DB.SCHEMA"),
    ("ModelUsageGrant", "IMP_ROLE|BOT|X", "ROLE|DB.SCHEMA.MODEL"),
])
def test_a_malformed_import_id_names_the_expected_form(proj: Project, kind: str, bad_id: str, form: str) -> None:
    done = proj("import", f"cortex:index:{kind}", "bad", bad_id, "--yes", "--generate-code=false", ok=False)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert form in out and "Traceback" not in out
    assert recorded(proj) == []
