"""Every resource's type names its kind (`pulumi-python:dynamic/cortex:FineTunedModel`), on the real
engine: `pulumi preview` shows the kind names, and a stack whose state still has the type every kind
shared before (`pulumi-python:dynamic:Resource`) upgrades with no change (the resources' alias)."""

from __future__ import annotations

import base64
import json
import pickle
import re
from pathlib import Path
from typing import Any

from cortex_provider.engine import VerbResult
from cortex_provider.pulumi.resource_type import LEGACY_TYPE, type_of
from cortex_provider.pulumi.restore import restore_provider
from tests.e2e.programs import ProgramProject
from tests.resources.finetune_support import TRAIN_QUERY, seed

KINDS = ("CortexUserGrant", "TrainingView", "FineTunedModel")
PROGRAM = f"""\
import pulumi
from cortex_provider.pulumi.finetuned_model import FineTunedModel
from cortex_provider.pulumi.grants import CortexUserGrant
from cortex_provider.pulumi.training_view import TrainingView

grant = CortexUserGrant("user", role="TYPED_USER")
view = TrainingView("view", "DB", "S", "TYPED_V", query="{TRAIN_QUERY}",
                    opts=pulumi.ResourceOptions(depends_on=[grant]))
FineTunedModel("model", model_name="TYPED_M", database="DB", schema_name="S", base_model="mistral-7b",
               training_query=view.training_query, options={{"max_epochs": 1}})
"""


def _ok(result: VerbResult) -> str:
    return f"{result.verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}"


class _AbsolutePickle:
    """A provider pickled the way states made then hold it: its module's absolute name."""

    def __init__(self, provider: object) -> None:
        self.module, self.qualname = type(provider).__module__, type(provider).__qualname__

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return restore_provider, (self.module, self.qualname)


def _absolute(blob: str) -> str:
    provider = pickle.loads(base64.b64decode(blob))
    return base64.b64encode(pickle.dumps(_AbsolutePickle(provider), protocol=pickle.DEFAULT_PROTOCOL)).decode()


def _as_before_names(proj: ProgramProject) -> None:
    """Rewrite the stack's state as it was before the kinds were named: every type and URN with the one
    shared type, every `__provider` pickled with its module's absolute name (`pulumi stack export`, edit,
    `pulumi stack import`)."""
    exported = proj.pulumi("stack", "export", "--stack", proj.stack_name).stdout
    exported, pickles = re.subn(r'"__provider":\s*"([A-Za-z0-9+/=]+)"',
                                lambda m: f'"__provider": "{_absolute(m[1])}"', exported)
    assert pickles >= 6, exported  # inputs and outputs of the three resources
    legacy = re.sub(r"pulumi-python:dynamic/cortex:\w+", LEGACY_TYPE, exported)
    assert legacy != exported
    path = proj.dir / "legacy.json"
    path.write_text(legacy)
    proj.pulumi("stack", "import", "--stack", proj.stack_name, "--file", str(path))


def _types(proj: ProgramProject) -> dict[str, str]:
    state = json.loads(proj.pulumi("stack", "export", "--stack", proj.stack_name).stdout)
    return {r["urn"].split("::")[-1]: r["type"] for r in state["deployment"]["resources"]
            if r["type"].startswith("pulumi-python:dynamic")}


def _recorded_frames(proj: ProgramProject) -> dict[str, list[str]]:
    """Per resource, the files of the stack frames the SDK recorded in state (the source position first)."""
    state = json.loads(proj.pulumi("stack", "export", "--stack", proj.stack_name).stdout)
    return {r["urn"].split("::")[-1]: [f.get("sourcePosition", "").split("/")[-1].split("#")[0]
                                        for f in r["stackTrace"]]
            for r in state["deployment"]["resources"] if r["type"].startswith("pulumi-python:dynamic")}


def test_preview_names_each_kind_and_a_stack_from_before_upgrades_with_no_change(
        emulator: Any, tmp_path: Path) -> None:
    account = emulator.new_account()
    conn = emulator.connect(account=account)
    seed(conn)
    conn.cursor().execute("CREATE ROLE IF NOT EXISTS TYPED_USER")
    proj = ProgramProject(tmp_path / "proj", emulator, account, "t", PROGRAM)

    preview = proj.run("preview")
    assert preview.ok, _ok(preview)
    printed = "\n".join(proj.lines)
    for kind in KINDS:
        assert type_of(kind) in printed, printed
    assert LEGACY_TYPE not in printed

    up = proj.run("up")
    assert up.ok, _ok(up)
    assert _types(proj) == {"user": type_of("CortexUserGrant"), "view": type_of("TrainingView"),
                            "model": type_of("FineTunedModel")}
    # each resource's source position is its kind's constructor, called by the program, as for any Pulumi
    # resource: the typed names add no frame of their own to every resource's state
    frames = _recorded_frames(proj)
    assert {name: files[:2] for name, files in frames.items()} == {
        "user": ["grants.py", "__main__.py"], "view": ["training_view.py", "__main__.py"],
        "model": ["finetuned_model.py", "__main__.py"]}, frames

    _as_before_names(proj)
    assert set(_types(proj).values()) == {LEGACY_TYPE}
    n = len(proj.statements())
    again = proj.run("preview")
    assert again.ok and again.changes == 0, _ok(again)
    assert set(again.ops().values()) == {"same"}, again.ops()
    upgraded = proj.run("up")
    assert upgraded.ok and upgraded.changes == 0, _ok(upgraded)
    assert set(upgraded.ops().values()) == {"same"}, upgraded.ops()
    writes = ("CREATE", "DROP", "GRANT", "REVOKE", "SELECT SNOWFLAKE.CORTEX.FINETUNE('CREATE'")
    assert not [s for s in proj.statements()[n:] if s.lstrip().upper().startswith(writes)]
    assert _types(proj) == {"user": type_of("CortexUserGrant"), "view": type_of("TrainingView"),
                            "model": type_of("FineTunedModel")}
