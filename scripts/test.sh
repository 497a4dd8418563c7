#!/usr/bin/env bash
# README command (2): set up and run every check CI runs (lint, types, tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --local
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check .
echo "== mypy --strict cortex_provider"; mypy
# One worker per core (CORTEX_TEST_WORKERS=0 runs in-process); a test file stays on one worker, so a
# file's module fixtures (its emulator, its Pulumi project) are built once.
workers=${CORTEX_TEST_WORKERS:-auto}
echo "== pytest ($workers workers)"; pytest -q -n "$workers" --dist loadfile "$@"
