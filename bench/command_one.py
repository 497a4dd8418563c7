"""README command (1) end to end (the newcomer's wait): `scripts/up-local.sh` with the `lora`
engine, then the first answer of the fine-tuned model (`scripts/ask.py`), timed by phase.

Runs in this checkout (set up or not: in a new clone command (1) sets up its venv first, and the
`bootstrap:` lines it prints are shown, one per phase) with its own emulator data dir, port and
Pulumi file backend in a temporary directory, so the checkout's own `.cortex-local/` and `.pulumi-local/`
are untouched. The model conversion cache is the per-machine one command (1) uses. Goal: <= 90 s from
the command to an answering model.

`--cold` stands for a new machine: command (1) runs in a fresh clone of this checkout's HEAD (committed
work only) with every per-machine cache it uses empty (uv's packages, Go's modules and build cache, the
Pulumi CLI build, the converted model, Pulumi's home), so packages and Go modules come from the
registries again and the CLI is compiled from scratch. Goal: <= 240 s.

    .venv/bin/python bench/command_one.py [--engine lora|stub] [--keep] [--cold]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from own_emulator import own_emulator

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "Extract the condition from: Ana, aged 34, has had mild asthma for 3 days."
# (label, text that marks the end of the phase in command (1)'s output), in order
PHASES = (
    ("set-up + emulator start", "emulator: started"),
    ("seed", "seed: "),
    ("engine start (Pulumi CLI, program)", "Updating ("),
    ("grants and views", "view-support-train created"),
    ("training job (CREATE -> SUCCESS seen)", "model-support-extractor created"),
    ("rest of up (grants on the model, outputs)", "Duration:"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--engine", default="lora", choices=("lora", "stub"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary state directory")
    ap.add_argument("--cold", action="store_true", help="a fresh clone with every per-machine cache empty")
    args = ap.parse_args()
    with own_emulator("command-one-", args.keep, CORTEX_LOCAL_ENGINE=args.engine) as (tmp, port, env):
        checkout = ROOT
        if args.cold:
            checkout = tmp / "checkout"
            subprocess.run(["git", "clone", "-q", str(ROOT), str(checkout)], check=True)
            caches = tmp / "caches"
            env.update(UV_CACHE_DIR=str(caches / "uv"), GOMODCACHE=str(caches / "go-mod"),
                       GOCACHE=str(caches / "go-build"), CORTEX_TOOLS_DIR=str(caches / "tools"),
                       CORTEX_LOCAL_MODEL_CACHE=str(caches / "models"), PULUMI_HOME=str(caches / "pulumi-home"),
                       GOFLAGS=(env.get("GOFLAGS", "") + " -modcacherw").strip())  # removable module cache
            env["PATH"] = os.pathsep.join(d for d in env["PATH"].split(os.pathsep)  # no CLI found on PATH
                                          if not (Path(d) / "pulumi").exists())
        load0 = os.getloadavg()[0]
        marks: dict[str, float] = {}
        lines: list[str] = []
        t0 = time.monotonic()
        proc = subprocess.Popen([str(checkout / "scripts" / "up-local.sh")], cwd=checkout, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            for _label, marker in PHASES:
                if marker in line and marker not in marks:
                    marks[marker] = time.monotonic() - t0
        if proc.wait() != 0:
            sys.exit("command (1) failed:\n" + "".join(lines[-40:]))
        up_s = time.monotonic() - t0
        # the fine-tuned model's answer is the second line ask.py prints (the base model's follows)
        # the venv command (1) set up (this script may run before it exists, e.g. in a new clone)
        python = checkout / ".venv" / "bin" / "python"
        ask = subprocess.Popen([str(python), str(checkout / "scripts" / "ask.py"), PROMPT, "--port", str(port)],
                               cwd=checkout, env={**env, "PYTHONUNBUFFERED": "1"}, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert ask.stdout is not None
        ask.stdout.readline()
        answer = ask.stdout.readline().strip()
        answered_s = time.monotonic() - t0
        rest = ask.stdout.read()
        if ask.wait() != 0:
            sys.exit(f"scripts/ask.py failed:\n{answer}\n{rest}")
    print(f"command_one: README command (1), engine {args.engine}, {os.cpu_count()} cores, load average "
          f"{load0:.1f} -> {os.getloadavg()[0]:.1f} "
          + ("(cold: a fresh clone, every per-machine cache empty)" if args.cold
             else "(this checkout, machine caches warm)"))
    for line in lines:  # set-up's own phases, one line each (scripts/bootstrap.sh)
        if line.startswith("bootstrap: "):
            print("  " + line.rstrip())
    last = 0.0
    for label, marker in PHASES:
        at = marks.get(marker)
        if at is None:
            print(f"  {label:42} (not seen)")
            continue
        print(f"  {label:42} {at - last:6.1f} s  (at {at:5.1f} s)")
        last = at
    print(f"  {'command (1) exits':42} {up_s - last:6.1f} s  (at {up_s:5.1f} s)")
    print(f"  {'first answer (scripts/ask.py)':42} {answered_s - up_s:6.1f} s  (at {answered_s:5.1f} s): {answer}")
    goal = "cold, goal <= 240 s" if args.cold else "goal <= 90 s"
    print(f"command (1) -> trained, answering model: {answered_s:.1f} s ({goal})")


if __name__ == "__main__":
    main()
