#!/usr/bin/env bash
# README command (2): set up and run every check CI runs (lint, types, tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --local
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check .
echo "== mypy --strict cortex_provider"; mypy
echo "== pytest"; pytest -q "$@"
