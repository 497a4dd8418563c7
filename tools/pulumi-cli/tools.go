//go:build tools

// Package tools pins the Pulumi CLI's main package so that `go mod tidy` keeps its whole module graph
// in go.sum; scripts/build-pulumi.sh builds it from the module cache (nothing of Pulumi's is committed).
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
