#!/usr/bin/env bash
# Multi-region on the embedded emulator: one server, one account per "region" (PRIMARY, EU, APAC, plus
# CONSUMER, a same-region share consumer). Seeds the primary's data and the regional roles, then runs
# the verb for stack primary, then consumer, eu and apac (destroy: the other way round) on the real
# Pulumi engine; the others read the primary's outputs through Pulumi's own StackReference.
# A stack that fails does not stop the others (a region's failure is its own); the script names every
# stack that failed at the end and then exits 1.
#   scripts/up-regions.sh [up|preview|refresh|destroy] [extra args]
# CORTEX_LOCAL_HOST/CORTEX_LOCAL_PORT move the emulator (default port 18766: its own server beside the
# `local` demo's on 18765; CORTEX_REGIONS_PORT is still read as before).
set -euo pipefail
cd "$(dirname "$0")/.."
verb=${1:-up}; shift || true
DATA=${CORTEX_LOCAL_DATA:-$PWD/.cortex-local-regions}
HOST=${CORTEX_LOCAL_HOST:-127.0.0.1}
PORT=${CORTEX_LOCAL_PORT:-${CORTEX_REGIONS_PORT:-18766}}
ENGINE=${CORTEX_LOCAL_ENGINE:-stub}
if [[ $ENGINE == lora ]]; then scripts/bootstrap.sh --local
else scripts/bootstrap.sh; fi
# shellcheck disable=SC1091
. .venv/bin/activate
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
export SNOWFLAKE_PASSWORD=${SNOWFLAKE_PASSWORD:-local-admin}  # local only: every emulator account's admin

python scripts/local_emulator.py ensure --host "$HOST" --port "$PORT" --data "$DATA" --engine "$ENGINE"
python scripts/local_emulator.py seed --host "$HOST" --port "$PORT" --account PRIMARY
for acct in EU APAC CONSUMER; do
  python scripts/local_emulator.py seed --host "$HOST" --port "$PORT" --account "$acct" --roles-only
done

use_emulator "$HOST" "$PORT"

stacks=(primary consumer eu apac)
[[ "$verb" == destroy ]] && stacks=(apac eu consumer primary)  # consumers first: they reference the primary

failed=()
for stack in "${stacks[@]}"; do
  echo "== $verb $stack"
  run_stack_verb "$verb" "$stack" "$@" || failed+=("$stack")
done
if (( ${#failed[@]} )); then
  echo "== $verb failed for: ${failed[*]} (the other stacks ran; see each one's output above)" >&2
  exit 1
fi
