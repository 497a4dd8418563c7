#!/usr/bin/env bash
# Find or build the Pulumi CLI this project is tested with; print the folder that holds it (last line).
#
#   scripts/pulumi-cli.sh            ensure it, print its bin folder
#
# Order: a `pulumi` already on PATH (its version is checked) > a build cached on this machine >
# a build from the Go module proxy (tools/pulumi-cli pins pkg/v3 and sdk/v3; nothing of Pulumi's source
# is committed). The build and its caches live outside git ($CORTEX_TOOLS_DIR, default
# ~/.cache/cortex-provider; Go's own module and build caches), so every clone on a machine reuses them.
# The two helper scripts the engine needs beside the binary ship in the sdk/v3 module zip:
# pulumi-resource-pulumi-python (the dynamic-provider plugin) and pulumi-language-python-exec.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=3.274.1
TOOLS=${CORTEX_TOOLS_DIR:-$HOME/.cache/cortex-provider}
BIN=$TOOLS/pulumi-v$VERSION/bin
say() { echo "pulumi-cli: $*" >&2; }

helpers_in() {  # the sdk/v3 scripts next to the binary
  [[ -x $1/pulumi-resource-pulumi-python && -x $1/pulumi-language-python-exec ]]
}

copy_helpers() {  # DEST: copy the engine's helper scripts out of the sdk/v3 module zip
  local dest=$1 sdk
  sdk=$(cd tools/pulumi-cli && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
  install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$dest/"
  install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$dest/"
}

# The binary itself, links resolved: from an activated venv the `pulumi` on PATH is .venv/bin/pulumi,
# bootstrap's own link, and printing its folder made bootstrap link that file onto itself.
if command -v pulumi >/dev/null 2>&1 && [[ -z ${CORTEX_PULUMI_REBUILD:-} ]] \
    && onpath=$(readlink -f "$(command -v pulumi)") && [[ -x $onpath ]]; then
  have=$("$onpath" version 2>/dev/null || true)
  if [[ $have == v3.* ]]; then
    dir=$(dirname "$onpath")
    [[ $have == "v$VERSION" ]] || say "using $onpath ($have); the tested CLI is v$VERSION with the pulumi==3.272.0 Python SDK"
    if helpers_in "$dir" || command -v pulumi-resource-pulumi-python >/dev/null 2>&1; then
      echo "$dir"; exit 0
    fi
    say "$onpath has no pulumi-resource-pulumi-python beside it: using this project's build instead"
  else
    say "ignoring $onpath: its version is '${have:-none}', this project needs a v3 CLI (tested: v$VERSION)"
  fi
fi

if [[ -x $BIN/pulumi && $("$BIN/pulumi" version 2>/dev/null || true) == "v$VERSION" ]] && helpers_in "$BIN"; then
  echo "$BIN"; exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<EOF
pulumi-cli: neither a Pulumi CLI nor Go is on PATH. Either
  1. install the Pulumi CLI v$VERSION (https://www.pulumi.com/docs/install/) and put it on PATH, or
  2. install Go 1.26 or newer (https://go.dev/dl/) and rerun: this script builds the CLI from the Go
     module proxy into $BIN (once per machine; about 10 minutes on 2 cores).
EOF
  exit 1
fi

say "building the Pulumi CLI v$VERSION from the Go module proxy into $BIN (once per machine)"
start=$(date +%s)
mkdir -p "$BIN"
(
  cd tools/pulumi-cli
  # The download waits on the network, so the cores compile the standard library meanwhile: the packages
  # below and their imports are the bulk of the std part of the CLI's graph, and the main build finds them
  # in Go's build cache (same CGO_ENABLED, same flags). A package the CLI does not use costs only idle CPU.
  say "downloading modules (go mod download) while the standard library compiles"
  go mod download &
  download=$!
  CGO_ENABLED=0 go build net/http crypto/tls encoding/json encoding/xml os/exec text/template \
    html/template compress/gzip archive/tar archive/zip database/sql net/rpc regexp || true
  wait "$download"
  say "compiling github.com/pulumi/pulumi/pkg/v3/cmd/pulumi (CGO_ENABLED=0)"
  # -s -w: no symbol table or DWARF (stack traces keep their names): a 30% smaller binary, a faster link.
  CGO_ENABLED=0 go build \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION" \
    -o "$BIN/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
)
mv "$BIN/pulumi.tmp" "$BIN/pulumi"
copy_helpers "$BIN"
say "built $("$BIN/pulumi" version) in $(( $(date +%s) - start )) s"
echo "$BIN"
