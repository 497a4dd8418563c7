//go:build tools

// Package tools pins the Pulumi YAML language host's main package so that `go mod tidy` keeps its whole
// module graph in go.sum; scripts/pulumi-yaml.sh builds it from the module cache (nothing of Pulumi's
// source is committed).
package tools

import (
	_ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
)
