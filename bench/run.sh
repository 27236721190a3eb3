#!/usr/bin/env bash
# Placeholder until the benchmark lands: runs the Go benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -tags=duckdb_arrow -run='^$' -bench=. -benchmem ./...
