"""Does distillation work on the embedded default? The `distill` stack from a fresh emulator, scored.

Runs the one command docs/distillation.md names, `CORTEX_STACK=distill scripts/up-local.sh`, with the
`lora` engine (real LoRA on SmolLM2-135M) against a fresh emulator (its own data dir, port and Pulumi
file backend in a temporary directory; the per-machine model cache is reused). The stack fine-tunes a
teacher on 40 gold rows, gates it, lets it label 40 notes without their labels, fine-tunes the student
on those labels only and gates the student on 20 held-out gold rows against the untuned base model.
Prints the labelling (COMPLETE) and training tokens, the wall time and the machine's load, and last:

    distilled X, untuned Y, teacher Z (exact_match on N held-out gold rows)

Goal (issue: distillation that proves itself): X >= 0.8, X - Y >= 0.6, N >= 20, the run <= 8 minutes
on 2 CPU cores.

    .venv/bin/python bench/distill_lift.py [--engine lora|stub] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from own_emulator import own_emulator

ROOT = Path(__file__).resolve().parents[1]
STACK = "distill"
# the gate's failure message carries both scores (resources/evaluation.py)
FAILED = re.compile(r"ModelEvaluation gate FAILED for (\S+): .*?\(exact_match: model = ([0-9.]+)"
                    r"(?:, baseline \S+ = ([0-9.]+))?; (\d+) rows\)")
# the chain's steps, as the engine reports them done: `<resource> created (<seconds>s)`
PHASES = (("teacher fine-tuning", "model-support-teacher"), ("teacher gate", "evaluation-support-teacher"),
          ("labelling (teacher COMPLETE)", "distillation-support-labels"),
          ("student fine-tuning", "model-support-student"), ("student gate (+ untuned baseline)",
                                                              "evaluation-support-student"))


def stack_outputs(env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-m", "cortex_provider.engine", "pulumi", "stack", "output", "--json",
                           "--stack", STACK], cwd=ROOT, env=env, text=True, capture_output=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"stack output failed:\n{proc.stdout}\n{proc.stderr}")
    return dict(json.loads(proc.stdout or "{}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", default="lora", choices=("lora", "stub"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary state directory")
    args = ap.parse_args()
    uptime = subprocess.run(["uptime"], text=True, capture_output=True, check=False).stdout.strip()
    lines: list[str] = []
    with own_emulator("distill-lift-", args.keep, CORTEX_STACK=STACK, CORTEX_LOCAL_ENGINE=args.engine,
                      SNOWFLAKE_HOST="127.0.0.1", SNOWFLAKE_PROTOCOL="http") as (_tmp, port, env):
        env["SNOWFLAKE_PORT"] = str(port)
        t0 = time.monotonic()
        proc = subprocess.Popen([str(ROOT / "scripts" / "up-local.sh")], cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            print(f"  [{time.monotonic() - t0:6.1f} s] {line.rstrip()}", flush=True)
        code = proc.wait()
        wall = time.monotonic() - t0
        outputs = stack_outputs(env) if code == 0 else {}
    after = subprocess.run(["uptime"], text=True, capture_output=True, check=False).stdout.strip()
    print(f"distill_lift: engine {args.engine}, {os.cpu_count()} cores; load before: {uptime}; after: {after}")
    text = "".join(lines)
    for label, resource in PHASES:
        took = re.search(rf"{resource} created \(([0-9.]+)s\)", text)
        print(f"  {label:36} {took[1] + ' s' if took else '(not reached)'}")
    if code != 0:
        print(f"`up` failed (exit {code}) after {wall:.1f} s")
        for found in FAILED.finditer(text):
            print(f"the gate of {found[1]} failed: exact_match {found[2]}"
                  + (f", untuned baseline {found[3]}" if found[3] else "") + f" on {found[4]} held-out gold rows")
        sys.exit(1)
    labels = outputs["distillation:SUPPORT_LABELS"]
    teacher, student = outputs["model:SUPPORT_TEACHER"], outputs["model:SUPPORT_STUDENT"]
    t_eval, s_eval = outputs["evaluation:SUPPORT_TEACHER"], outputs["evaluation:SUPPORT_STUDENT"]
    complete = labels["complete_tokens"]
    print(f"labelling: {labels['rows_labelled_this_run']} prompts labelled by the teacher, COMPLETE tokens "
          f"{complete['input'] + complete['output']:,} (input {complete['input']:,}, output {complete['output']:,})")
    print(f"training: teacher {teacher['trained_tokens']:,} trained tokens, student {student['trained_tokens']:,} "
          f"(total {teacher['trained_tokens'] + student['trained_tokens']:,})")
    print(f"wall time: {wall:.1f} s from the command to the gated, granted student (goal <= 480 s)")
    print(f"distilled {s_eval['model_score']:.2f}, untuned {s_eval['baseline_score']:.2f}, teacher "
          f"{t_eval['model_score']:.2f} (exact_match on {s_eval['rows_evaluated']} held-out gold rows)")


if __name__ == "__main__":
    main()
