"""The `cortex` provider plugin through the real engine (the `pulumi` CLI and its YAML language host):
the YAML example with its README's commands, then preview/refresh, on the emulator; `pulumi import` of every
importable kind created by hand with SQL followed by a no-op `up`, and credentials that never reach state in the clear.

Needs the CLI (scripts/pulumi-cli.sh) and pulumi-language-yaml (scripts/pulumi-yaml.sh), both linked
into .venv/bin by scripts/bootstrap.sh; skipped with the fix when either is missing.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

from cortex_provider.resources.ownership import Owner, parse_record
from tests.conftest import Emulator
from tests.e2e.support import seed_demo

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "Plugin-pw-7c41e9"  # distinctive, so a leak into state is found by grep
PASSPHRASE = "plugin-test-passphrase"
IMPORTS = [  # (kind, name, id as docs/reference documents it), created by hand in `hand_made`
    ("CortexUserGrant", "impUser", "IMP_ROLE"),
    ("ModelCreatorGrant", "impCreator", "IMP_ROLE|CORTEX_DEMO.IMP"),
    ("TrainingView", "impView", "CORTEX_DEMO.IMP.TRAIN"),
    ("FineTunedModel", "impModel", "CORTEX_DEMO.IMP.BOT"),
    ("ModelUsageGrant", "impUsage", "IMP_ROLE|CORTEX_DEMO.IMP.BOT"),
    ("ModelShare", "impShare", "IMP_SHARE"),
    ("ModelReplication", "impRepl", "IMP_GROUP"),
]

READ_ONLY = ("SHOW", "SELECT", "DESC", "USE", "ALTER SESSION")

pytestmark = pytest.mark.skipif(
    not ((BIN / "pulumi").exists() and (shutil.which("pulumi-language-yaml", path=f"{BIN}:{os.environ['PATH']}"))),
    reason="needs the Pulumi CLI and pulumi-language-yaml in .venv/bin: run scripts/bootstrap.sh "
    "(scripts/pulumi-cli.sh and scripts/pulumi-yaml.sh build them from the Go module proxy)",
)


class Project:
    """One Pulumi YAML project in a temp dir, its own file backend, driven through the CLI."""

    def __init__(self, path: Path, emu: Emulator, account: str) -> None:
        self.path, self.state = path, path / ".state"
        self.state.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "PULUMI_BACKEND_URL": f"file://{self.state}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_HOME": str(path / ".pulumi-home"),
        }
        self.emu, self.account = emu, account

    def __call__(self, *args: str, ok: bool = True, timeout: float = 400) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(BIN / "pulumi"), *args, "--non-interactive"], cwd=self.path, env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if ok:
            assert done.returncode == 0, f"pulumi {' '.join(args)}:\n{done.stdout[-6000:]}\n{done.stderr[-4000:]}"
        return done

    def init(self, stack: str, *, secret_password: bool = True) -> None:
        self("stack", "init", stack)
        for key, value in {"account": self.account, "user": "ADMIN", "host": self.emu.host,
                           "port": str(self.emu.port), "protocol": "http"}.items():
            self("config", "set", f"cortex:{key}", value)
        self("config", "set", *(["--secret"] if secret_password else ["--plaintext"]), "cortex:password", PASSWORD)

    def export(self) -> dict[str, Any]:
        return dict(json.loads(self("stack", "export").stdout))

    def assert_no_credentials_in_state(self, *, every_file: bool = True) -> None:
        """Not in the current state; with `every_file`, in no file of the backend (backups, history)."""
        text = self("stack", "export").stdout
        assert PASSWORD not in text
        for file in self.state.rglob("*") if every_file else ():
            if file.is_file():
                assert PASSWORD.encode() not in file.read_bytes(), f"password in clear in {file}"
        providers = [r for r in self.export()["deployment"]["resources"] if r["type"] == "pulumi:providers:cortex"]
        assert providers and all("ciphertext" in r["inputs"]["password"] for r in providers)


def write_program(path: Path, resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> None:
    doc = {"name": "cortex-import", "runtime": "yaml",
           "plugins": {"providers": [{"name": "cortex", "path": str(ROOT / "plugin")}]},
           "resources": resources, **({"outputs": outputs} if outputs else {})}
    (path / "Pulumi.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    server = Emulator(tmp_path_factory.mktemp("plugin-emulator") / "data", catalogue="current")
    server.start()
    seed_demo(server.port, password=PASSWORD, rows=60)
    with server.connect("CONSUMER", password=PASSWORD) as conn:
        conn.cursor().execute("CREATE ROLE IF NOT EXISTS ANALYST")
    with server.connect("EU", password=PASSWORD):
        pass  # first login provisions the target account's admin
    yield server
    server.stop()


def models(emu: Emulator, schema: str) -> list[str]:
    with emu.connect("LOCAL", password=PASSWORD) as conn:
        return [r[1] for r in conn.cursor().execute(f"SHOW MODELS IN SCHEMA CORTEX_DEMO.{schema}").fetchall()]


def documented_pulumi_commands(emu: Emulator) -> list[list[str]]:
    """The `pulumi ...` commands of examples/yaml/README.md as written, with this test's emulator port and
    distinctive password in place of the README's 18767 and local-admin."""
    block = (ROOT / "examples" / "yaml" / "README.md").read_text().split("```bash\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        for part in line.split("#", 1)[0].split("&&"):
            words = shlex.split(part.rstrip(" \\"))
            if words[:1] == ["pulumi"]:
                commands.append([{"18767": str(emu.port), "local-admin": PASSWORD}.get(w, w) for w in words[1:]])
    words = [w for args in commands for w in args]
    assert str(emu.port) in words and PASSWORD in words, block
    return commands


def test_yaml_example_up_preview_refresh_destroy(emu: Emulator, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "yaml", tmp_path / "yaml")
    program = tmp_path / "yaml" / "Pulumi.yaml"
    program.write_text(program.read_text().replace("path: ../../plugin", f"path: {ROOT / 'plugin'}"))
    proj = Project(tmp_path / "yaml", emu, "LOCAL")
    *setup, destroy = documented_pulumi_commands(emu)  # the README's commands: init, config, up, destroy
    assert setup[-1][:1] == ["up"] and destroy[:1] == ["destroy"]
    for args in setup:
        proj(*args, timeout=600)
    out = json.loads(proj("stack", "output", "--json", "--show-secrets").stdout)
    assert out["model"] == "CORTEX_DEMO.MODELS.SUPPORT_EXTRACTOR" and out["status"] == "SUCCESS"
    assert out["trainedTokens"] > 0 and out["trainView"] == "CORTEX_DEMO.MODELS.SUPPORT_TRAIN"
    assert "SUPPORT_EXTRACTOR" in models(emu, "MODELS")
    # the plugin learns project, stack and resource from the URN and records them on what it creates
    with emu.connect("LOCAL", password=PASSWORD) as conn:
        cur = conn.cursor()
        row = cur.execute("SHOW MODELS LIKE 'SUPPORT_EXTRACTOR' IN SCHEMA CORTEX_DEMO.MODELS").fetchone()
        assert parse_record(row[6]) == Owner("cortex-yaml", "local", "extractor")
        row = cur.execute("SHOW VIEWS LIKE 'SUPPORT_TRAIN' IN SCHEMA CORTEX_DEMO.MODELS").fetchone()
        assert parse_record(row[6]) == Owner("cortex-yaml", "local", "trainView")
    types = sorted(r["type"] for r in proj.export()["deployment"]["resources"])
    assert types.count("cortex:index:TrainingView") == 2 and "cortex:index:ModelUsageGrant" in types

    proj("preview", "--expect-no-changes")
    proj("refresh", "--yes", "--expect-no-changes")
    proj("up", "--yes", "--expect-no-changes")
    proj.assert_no_credentials_in_state()

    proj(*destroy)
    assert "SUPPORT_EXTRACTOR" not in models(emu, "MODELS")  # retainOnDelete: false in the example
    with emu.connect("LOCAL", password=PASSWORD) as conn:
        views = conn.cursor().execute("SHOW VIEWS IN SCHEMA CORTEX_DEMO.MODELS").fetchall()
    assert not [v for v in views if v[1] in ("SUPPORT_TRAIN", "SUPPORT_VALIDATION")]


def hand_made(emu: Emulator) -> None:
    """Every importable object, created with SQL as an administrator would, before any Pulumi."""
    with emu.connect("LOCAL", password=PASSWORD) as conn:
        cur = conn.cursor()
        for stmt in [
            "CREATE ROLE IMP_ROLE",
            "GRANT DATABASE ROLE SNOWFLAKE.CORTEX_USER TO ROLE IMP_ROLE",
            "CREATE SCHEMA CORTEX_DEMO.IMP",
            "GRANT USAGE ON DATABASE CORTEX_DEMO TO ROLE IMP_ROLE",
            "GRANT USAGE ON SCHEMA CORTEX_DEMO.IMP TO ROLE IMP_ROLE",
            "GRANT CREATE MODEL ON SCHEMA CORTEX_DEMO.IMP TO ROLE IMP_ROLE",
            "CREATE VIEW CORTEX_DEMO.IMP.TRAIN AS SELECT 'Extract: ' || NOTE AS prompt, LABEL_JSON AS completion "
            "FROM CORTEX_DEMO.RAW.SUPPORT_NOTES WHERE ID % 10 <> 0",
        ]:
            cur.execute(stmt)
        cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE', 'CORTEX_DEMO.IMP.BOT', 'llama3.1-8b', "
                    "'SELECT prompt, completion FROM CORTEX_DEMO.IMP.TRAIN')")
        job = cur.fetchone()[0]
        deadline = time.monotonic() + 300
        while '"SUCCESS"' not in (status := cur.execute("SELECT SNOWFLAKE.CORTEX.FINETUNE('DESCRIBE', %s)",
                                                         (job,)).fetchone()[0]):
            assert '"ERROR"' not in status and time.monotonic() < deadline, status
            time.sleep(0.5)
        for stmt in [
            "GRANT USAGE ON MODEL CORTEX_DEMO.IMP.BOT TO ROLE IMP_ROLE",
            "CREATE SHARE IMP_SHARE",
            "GRANT USAGE ON DATABASE CORTEX_DEMO TO SHARE IMP_SHARE",
            "GRANT USAGE ON SCHEMA CORTEX_DEMO.IMP TO SHARE IMP_SHARE",
            "GRANT USAGE ON MODEL CORTEX_DEMO.IMP.BOT TO SHARE IMP_SHARE",
            "ALTER SHARE IMP_SHARE ADD ACCOUNTS = LOCALORG.CONSUMER",
            "CREATE REPLICATION GROUP IMP_GROUP OBJECT_TYPES = DATABASES ALLOWED_DATABASES = CORTEX_DEMO "
            "ALLOWED_ACCOUNTS = LOCALORG.EU",
        ]:
            cur.execute(stmt)
    with emu.connect("EU", password=PASSWORD) as conn:
        conn.cursor().execute("CREATE REPLICATION GROUP IMP_GROUP AS REPLICA OF LOCALORG.LOCAL.IMP_GROUP")
        conn.cursor().execute("ALTER REPLICATION GROUP IMP_GROUP REFRESH")
    with emu.connect("CONSUMER", password=PASSWORD) as conn:
        conn.cursor().execute("CREATE DATABASE IMP_SHARED FROM SHARE LOCALORG.LOCAL.IMP_SHARE")
        conn.cursor().execute("GRANT IMPORTED PRIVILEGES ON DATABASE IMP_SHARED TO ROLE ANALYST")


def import_then_noop(proj: Project, imports: list[tuple[str, str, str]]) -> dict[str, dict[str, Any]]:
    """`pulumi import` each object, write the program `pulumi import` would generate from the recorded
    inputs; the first `up` writes the ownership record an imported model still lacks (the import only
    reads: tests/e2e/test_plugin_import_record.py), then `up` must change nothing. Returns the recorded
    inputs by resource name."""
    write_program(proj.path, {})
    spec = {"resources": [{"type": f"cortex:index:{k}", "name": n, "id": i} for k, n, i in imports]}
    (proj.path / "imports.json").write_text(json.dumps(spec))
    done = proj("import", "--file", "imports.json", "--yes", "--generate-code=false", "--protect=false")
    assert "failed to validate" not in done.stdout + done.stderr, done.stdout
    recorded = {r["urn"].rsplit("::", 1)[1]: r["inputs"] for r in proj.export()["deployment"]["resources"]
                if r["type"].startswith("cortex:index:")}
    assert set(recorded) == {n for _, n, _ in imports}
    write_program(proj.path, {
        name: {"type": f"cortex:index:{kind}",
               "properties": {k: v for k, v in recorded[name].items() if v is not None}}
        for kind, name, _ in imports
    })
    proj("up", "--yes")
    proj("preview", "--expect-no-changes")
    proj("up", "--yes", "--expect-no-changes")
    return recorded


def test_import_each_kind_then_up_is_a_noop(emu: Emulator, tmp_path: Path) -> None:
    hand_made(emu)
    before = len(emu.query_log("LOCAL"))
    proj = Project(tmp_path / "imp", emu, "LOCAL")
    write_program(proj.path, {})
    proj.init("imp")
    recorded = import_then_noop(proj, IMPORTS)

    assert recorded["impUser"]["role"] == "IMP_ROLE"
    assert recorded["impCreator"] == {"role": "IMP_ROLE", "database": "CORTEX_DEMO", "schema": "IMP"}
    assert recorded["impView"]["name"] == "TRAIN" and "SUPPORT_NOTES" in recorded["impView"]["query"]
    assert recorded["impModel"]["name"] == "CORTEX_DEMO.IMP.BOT"
    assert recorded["impModel"]["baseModel"] == "llama3.1-8b"
    assert recorded["impModel"]["trainingQuery"] == "SELECT prompt, completion FROM CORTEX_DEMO.IMP.TRAIN"
    assert recorded["impUsage"]["model"] == "CORTEX_DEMO.IMP.BOT"
    assert recorded["impShare"]["models"] == ["BOT"]
    assert recorded["impShare"]["consumerAccounts"] == ["LOCALORG.CONSUMER"]
    assert recorded["impRepl"]["databases"] == ["CORTEX_DEMO"]
    assert recorded["impRepl"]["targetAccounts"] == ["LOCALORG.EU"]
    outs = {r["urn"].rsplit("::", 1)[1]: r["outputs"] for r in proj.export()["deployment"]["resources"]
            if r["type"].startswith("cortex:index:")}
    for name in ("impView", "impModel", "impShare", "impRepl"):  # an import is a declared adoption
        assert outs[name].get("origin") == "adopted", name
    statements = [str(q["statement"]).strip() for q in emu.query_log("LOCAL")[before:]]
    assert any(s.upper().startswith("SHOW") for s in statements)  # the log does see the plugin's reads
    writes = [s for s in statements if not s.upper().startswith(READ_ONLY) or "FINETUNE('CREATE'" in s.upper()]
    record = [s for s in writes if s.upper().startswith(("ALTER MODEL", "ALTER SHARE", "ALTER VIEW"))
              and " SET COMMENT" in s]
    assert len(record) == 3 and writes == record, f"import and the up changed more than the records: {writes[:5]}"
    with emu.connect("LOCAL", password=PASSWORD) as conn:  # the imported share, model, view carry this stack's record
        shares = conn.cursor().execute("SHOW SHARES LIKE 'IMP_SHARE'")
        comment = next(r[[d[0].lower() for d in shares.description].index("comment")] for r in shares)
        assert parse_record(comment) == Owner("cortex-import", "imp", "impShare")
        views = conn.cursor().execute("SHOW VIEWS LIKE 'TRAIN' IN SCHEMA CORTEX_DEMO.IMP")
        comment = next(r[[d[0].lower() for d in views.description].index("comment")] for r in views)
        assert parse_record(comment) == Owner("cortex-import", "imp", "impView")
    proj.assert_no_credentials_in_state()

    consumer = Project(tmp_path / "consumer", emu, "CONSUMER")
    write_program(consumer.path, {})
    # Set in plain text, the password is made secret by the plugin's CheckConfig in the current state;
    # the CLI's own update history and `pulumi import`'s backup keep config as given (use --secret).
    consumer.init("consumer", secret_password=False)
    shared = import_then_noop(consumer, [("SharedModels", "impShared", "IMP_SHARED")])
    # Roles granted by hand are reported, never adopted (docs/regions.md: SharedModels `other_roles`).
    assert shared["impShared"]["roles"] == []
    resources = consumer.export()["deployment"]["resources"]
    outs = next(r["outputs"] for r in resources if r["type"].endswith("SharedModels"))
    assert outs["otherRoles"] == ["ANALYST"] and outs["status"] != "REVOKED"
    with emu.connect("CONSUMER", password=PASSWORD) as conn:  # the first up recorded the imported mount
        dbs = conn.cursor().execute("SHOW DATABASES LIKE 'IMP_SHARED'")
        comment = next(r[[d[0].lower() for d in dbs.description].index("comment")] for r in dbs)
        assert parse_record(comment) == Owner("cortex-import", "consumer", "impShared")
    assert shared["impShared"]["shareRef"] == "LOCALORG.LOCAL.IMP_SHARE"
    consumer.assert_no_credentials_in_state(every_file=False)
