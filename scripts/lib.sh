# Sourced by scripts/up-*.sh (not run on its own).
# shellcheck shell=bash

# use_emulator HOST PORT: point every stack at the emulator (the provider reads SNOWFLAKE_* when the
# stack file sets no cortex:host/port), and keep the engine's state beside the project.
use_emulator() {
  export SNOWFLAKE_HOST=$1 SNOWFLAKE_PORT=$2 SNOWFLAKE_PROTOCOL=http
  # The connector probes cloud metadata addresses on login (platform detection); the emulator needs none.
  export SNOWFLAKE_DISABLE_PLATFORM_DETECTION=${SNOWFLAKE_DISABLE_PLATFORM_DETECTION:-true}
}

# run_stack_verb VERB STACK [extra args]: VERB (up, preview, refresh, destroy) on STACK through the real
# Pulumi engine (python -m cortex_provider.engine: the Automation API over the `pulumi` CLI that
# scripts/bootstrap.sh built or found). A local file backend in .pulumi-local/ unless PULUMI_BACKEND_URL
# is set; the passphrase PULUMI_CONFIG_PASSPHRASE defaults to cortex-local-dev (a demo value).
run_stack_verb() {
  local verb=$1 stack=$2
  shift 2
  case "$verb" in
    up|refresh|destroy) python -m cortex_provider.engine "$verb" --stack "$stack" --yes "$@" ;;
    preview) python -m cortex_provider.engine preview --diff --stack "$stack" "$@" ;;
    *) echo "unknown verb $verb (up, preview, refresh, destroy)" >&2; exit 2 ;;
  esac
}
