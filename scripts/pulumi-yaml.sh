#!/usr/bin/env bash
# Find or build the Pulumi YAML language host (pulumi-language-yaml), which runs Pulumi YAML programs
# such as examples/yaml and lets `pulumi import` work on them; print the folder that holds it (last line).
#
#   scripts/pulumi-yaml.sh               ensure it, print its bin folder
#   scripts/pulumi-yaml.sh --link DIR    ensure it and symlink it into DIR (scripts/bootstrap.sh: .venv/bin)
#
# Order: one on PATH > a build cached on this machine > a build from the Go module proxy (tools/pulumi-yaml
# pins github.com/pulumi/pulumi-yaml; nothing of its source is committed), next to the CLI's build in
# $CORTEX_TOOLS_DIR (default ~/.cache/cortex-provider). Python's and Node.js's language hosts are not
# served by the module proxy, YAML's is: that is why the plugin's example program is YAML.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.25.0
TOOLS=${CORTEX_TOOLS_DIR:-$HOME/.cache/cortex-provider}
BIN=$TOOLS/pulumi-yaml-v$VERSION/bin
say() { echo "pulumi-yaml: $*" >&2; }

link=""
if [[ ${1:-} == --link ]]; then link=${2:?--link needs a folder}; fi

found() {
  [[ -n $link ]] && ln -sfn "$1/pulumi-language-yaml" "$link/pulumi-language-yaml"
  echo "$1"; exit 0
}

if [[ -x $BIN/pulumi-language-yaml ]]; then found "$BIN"; fi
if onpath=$(command -v pulumi-language-yaml 2>/dev/null) && [[ $(readlink -f "$onpath") != "$(readlink -f "${link:-/nonexistent}/pulumi-language-yaml")" ]]; then
  found "$(dirname "$(readlink -f "$onpath")")"  # the real folder: never link a file onto itself
fi

if ! command -v go >/dev/null 2>&1; then
  say "neither pulumi-language-yaml nor Go is on PATH: install Go 1.26 or newer (https://go.dev/dl/) and" \
      "rerun, or install the Pulumi CLI's release bundle (it ships pulumi-language-yaml)"
  exit 1
fi

say "building pulumi-language-yaml v$VERSION from the Go module proxy into $BIN (once per machine)"
start=$(date +%s)
mkdir -p "$BIN"
(
  cd tools/pulumi-yaml
  go mod download
  CGO_ENABLED=0 go build -o "$BIN/pulumi-language-yaml.tmp" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
)
mv "$BIN/pulumi-language-yaml.tmp" "$BIN/pulumi-language-yaml"
say "built in $(( $(date +%s) - start )) s"
found "$BIN"
