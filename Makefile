# The one place for commands. The DuckDB driver's Arrow interface exists only
# with the duckdb_arrow build tag, so every target goes through $(GO_FLAGS).
GO       ?= go
TAGS     := duckdb_arrow
GO_FLAGS := -tags=$(TAGS)
BIN      := bin/grassroots
SAMPLE   := fixtures/sample

SHELL := /bin/bash

.PHONY: build run test lint tidy-check bench bench-history-nightly bench-go update-golden fuzz torture clean

build:
	$(GO) build $(GO_FLAGS) -o $(BIN) ./cmd/grassroots

## run: the nightly batch on the committed sample inbox, summaries to out/
run: build
	$(BIN) run

test:
	$(GO) test $(GO_FLAGS) -count=1 ./...

## lint: gofmt, go vet, staticcheck (pinned, through the module proxy) and
## go.mod's direct requirements (see tidy-check).
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(GO_FLAGS) ./...
	$(GO) run $(STATICCHECK) $(GO_FLAGS) ./...
	@$(MAKE) -s tidy-check

## tidy-check: go.mod requires directly exactly the modules whose packages the
## module's own code and tests import. `go mod tidy -diff` would say the
## same, but it fetches and unpacks the DuckDB library of all five platforms
## (about 570 MB); this asks only the build graph of this one.
tidy-check:
	@want=$$($(GO) list $(GO_FLAGS) -f '{{join .Imports "\n"}}{{"\n"}}{{join .TestImports "\n"}}{{"\n"}}{{join .XTestImports "\n"}}' ./... | grep . | sort -u | \
		xargs $(GO) list $(GO_FLAGS) -f '{{with .Module}}{{if not .Main}}{{.Path}}{{end}}{{end}}' | sort -u); \
	have=$$($(GO) mod edit -json | python3 -c 'import json,sys; print("\n".join(sorted(r["Path"] for r in json.load(sys.stdin)["Require"] if not r.get("Indirect"))))'); \
	if [ "$$want" != "$$have" ]; then echo "go.mod's direct requirements differ from the imports; run go mod tidy"; \
		diff <(echo "$$have") <(echo "$$want"); exit 1; fi

## bench: province-scale measurements (bench/run.sh), written to bench/results.{md,json}
bench: build
	./bench/run.sh

## bench-history-nightly: make bench's step h alone (the nightly case on a
## 10,000-unit × 12-month history), with the loaded history kept across runs
bench-history-nightly: build
	./bench/history_nightly.sh

## bench-go: the Go benchmarks of the hot paths only
bench-go:
	$(GO) test $(GO_FLAGS) -run='^$$' -bench=. -benchmem ./...

## update-golden: rewrite the golden files of every package that has some
GOLDEN_PKGS := ./pipeline/report ./cmd/grassroots
update-golden:
	$(GO) test $(GO_FLAGS) -count=1 $(GOLDEN_PKGS) -update

## fuzz: every fuzz target of the parsers of untrusted text, FUZZTIME each
FUZZTIME ?= 20s
FUZZ_PKGS := ./pipeline/form ./pipeline/xlsx ./pipeline/registry ./pipeline/report
fuzz:
	@for p in $(FUZZ_PKGS); do \
		for f in $$($(GO) test $(GO_FLAGS) -list '^Fuzz' $$p | grep '^Fuzz'); do \
			echo "== $$p $$f"; $(GO) test $(GO_FLAGS) -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s $$p || exit 1; \
		done; \
	done

## torture: the hostile-inbox, crash, fault and load suites at full size (make test runs them reduced)
torture:
	GRASSROOTS_TORTURE=full $(GO) test $(GO_FLAGS) -count=1 -timeout 40m ./torture/ ./cmd/grassroots/

clean:
	rm -rf bin out
