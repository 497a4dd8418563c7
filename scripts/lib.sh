# Sourced by scripts/up-*.sh (not run on its own).
# shellcheck shell=bash

# run_stack_verb VERB STACK [extra args]: `pulumi VERB` on STACK when the Pulumi CLI is on PATH (a local
# file backend, no Pulumi Cloud; the passphrase only guards local secrets), otherwise the offline runner
# (which says so on its first line).
run_stack_verb() {
  local verb=$1 stack=$2
  shift 2
  if command -v pulumi >/dev/null 2>&1; then
    export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-local}
    export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-cortex-local-dev}
    mkdir -p .pulumi-local
    pulumi stack select --create "$stack" >/dev/null
    case "$verb" in
      up) pulumi up --yes --stack "$stack" "$@" ;;
      preview) pulumi preview --diff --stack "$stack" "$@" ;;
      refresh) pulumi refresh --yes --stack "$stack" "$@" ;;
      destroy) pulumi destroy --yes --stack "$stack" "$@" ;;
      *) echo "unknown verb $verb" >&2; exit 2 ;;
    esac
  else
    python -m cortex_provider.offline "$verb" --stack "$stack" --yes "$@"
  fi
}
