"""No-op `preview` and `refresh` of ~1,000 resources on the real engine: wall time and SQL round trips.

The stack mixes the kinds a platform team has most of: CortexUserGrants (one per role), TrainingViews
(a tenth of the resources), a few FineTunedModels and their ModelUsageGrants -- all dynamic resources,
run by the Automation API over the `pulumi` CLI against a fresh emulator (stub engine). It is measured
twice: with the Python SDK's default (`__provider` stored as a secret: every resource's pickled provider
is encrypted and decrypted by the engine) and with `serialize_as_secret_always = False` (our providers
pickle as a class reference and hold no credential, so the secret buys nothing). `--plugin` adds the
same N grants through the provider plugin and as dynamic resources, side by side
(bench/scale_preview_plugin.py's programs).

Goal: <= 2 round trips per (object x kind); wall time dominated by neither pickling nor secrets.

    python bench/scale_preview.py [--resources 1000] [--plugin]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cortex_provider.engine.verbs import open_stack, run_verb  # noqa: E402
from cortex_provider.pulumi.base import CoreProvider  # noqa: E402
from tests.conftest import Emulator  # noqa: E402
from tests.e2e.support import seed_demo  # noqa: E402

ACCOUNT, MODELS = "LOCAL", 3


def program(roles: list[str], views: int) -> None:
    from cortex_provider.pulumi.finetuned_model import FineTunedModel
    from cortex_provider.pulumi.grants import CortexUserGrant, ModelUsageGrant
    from cortex_provider.pulumi.training_view import TrainingView

    built = []
    for v in range(views):
        built.append(TrainingView(f"view-{v}", database="CORTEX_DEMO", schema="MODELS", name=f"V{v:04d}",
                                  source="CORTEX_DEMO.RAW.SUPPORT_NOTES", prompt_expr="NOTE",
                                  completion_expr="LABEL_JSON", where=f"ID % {views} = {v}"))
    for m in range(MODELS):
        model = FineTunedModel(f"model-{m}", model_name=f"M{m}", database="CORTEX_DEMO", schema_name="MODELS",
                               base_model="llama3.1-8b", training_query=built[m].training_query,
                               options={"max_epochs": 1})
        ModelUsageGrant(f"usage-{m}", role=roles[m], model=model.model)
    for role in roles[: len(roles) - views - 2 * MODELS]:
        CortexUserGrant(f"user-{role.lower()}", role=role)


def measure(emu: Emulator, stack: object, verb: str) -> tuple[float, int, dict[str, int]]:
    before = len(emu.query_log(ACCOUNT))
    start = time.monotonic()
    result = run_verb(stack, verb, printer=lambda _line: None)  # type: ignore[arg-type]
    if not result.ok:
        sys.exit(f"{verb} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return time.monotonic() - start, len(emu.query_log(ACCOUNT)) - before, result.summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", type=int, default=1000)
    ap.add_argument("--plugin", action="store_true", help="also the plugin vs dynamic grants comparison")
    args = ap.parse_args()
    n, views = args.resources, args.resources // 10
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        emu = Emulator(work / "data", engine="stub", catalogue="current")
        emu.start()
        try:
            seed_demo(emu.port)
            roles = [f"SCALE_ROLE_{i:05d}" for i in range(n)]
            with emu.connect("LOCAL", password="admin") as conn:
                cur = conn.cursor()
                cur.execute("CREATE SCHEMA IF NOT EXISTS CORTEX_DEMO.MODELS")
                for role in roles:
                    cur.execute(f"CREATE ROLE {role}")
            proj = work / "mixed"
            (proj / ".state").mkdir(parents=True)
            (proj / "Pulumi.yaml").write_text("name: scale\nruntime: python\n")
            env = {"PULUMI_BACKEND_URL": f"file://{proj / '.state'}", "PULUMI_CONFIG_PASSPHRASE": "bench",
                   "SNOWFLAKE_ACCOUNT": ACCOUNT, "SNOWFLAKE_USER": "ADMIN", "SNOWFLAKE_PASSWORD": "admin",
                   "SNOWFLAKE_HOST": emu.host, "SNOWFLAKE_PORT": str(emu.port), "SNOWFLAKE_PROTOCOL": "http"}
            stack = open_stack(proj, "bench", env=env, program=lambda: program(roles, views))
            up = measure(emu, stack, "up")
            count = sum(up[2].values()) - 1
            lines.append(f"mixed stack: {count} resources ({n - views - 2 * MODELS} grants to roles, {views} views, "
                         f"{MODELS} models + {MODELS} usage grants); up from empty {up[0]:.0f} s, {up[1]} round trips")
            for label, secret in (("__provider as secret (SDK default)", True),
                                  ("serialize_as_secret_always = False", False)):
                CoreProvider.serialize_as_secret_always = secret
                if not secret:
                    measure(emu, stack, "up")  # rewrites every __provider in plain form (no change to objects)
                pre, ref = measure(emu, stack, "preview"), measure(emu, stack, "refresh")
                size = sum(f.stat().st_size for f in (proj / ".state").rglob("*.json") if "/stacks/" in str(f))
                lines.append(f"  {label:38}: no-op preview {pre[0]:6.1f} s, {pre[1]:4d} round trips; "
                             f"refresh {ref[0]:6.1f} s, {ref[1]:4d} round trips "
                             f"({ref[1] / count:.2f} per resource); state {size / 1024:,.0f} KiB")
        finally:
            emu.stop()
    print(f"scale_preview (real engine, pulumi CLI v3.274.1, emulator stub engine, {n} resources requested)")
    print("\n".join(lines))
    if args.plugin:
        import scale_preview_plugin

        sys.argv = [sys.argv[0], "--resources", str(n)]
        scale_preview_plugin.main()


if __name__ == "__main__":
    main()
