# The one place for commands. The DuckDB driver's Arrow interface exists only
# with the duckdb_arrow build tag, so every target goes through $(GO_FLAGS).
GO       ?= go
TAGS     := duckdb_arrow
GO_FLAGS := -tags=$(TAGS)
BIN      := bin/grassroots
SAMPLE   := fixtures/sample

.PHONY: build run test lint bench bench-go update-golden fuzz torture clean

build:
	$(GO) build $(GO_FLAGS) -o $(BIN) ./cmd/grassroots

## run: the nightly batch on the committed sample inbox, summaries to out/
run: build
	$(BIN) run

test:
	$(GO) test $(GO_FLAGS) -count=1 ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "not gofmt-formatted:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(GO_FLAGS) ./...

## bench: province-scale measurements (bench/run.sh), written to bench/results.{md,json}
bench: build
	./bench/run.sh

## bench-go: the Go benchmarks of the hot paths only
bench-go:
	$(GO) test $(GO_FLAGS) -run='^$$' -bench=. -benchmem ./...

## update-golden: rewrite the golden files of every package that has some
GOLDEN_PKGS := ./pipeline/report ./cmd/grassroots
update-golden:
	$(GO) test $(GO_FLAGS) -count=1 $(GOLDEN_PKGS) -update

## fuzz: every fuzz target of the parsers of untrusted text, FUZZTIME each
FUZZTIME ?= 20s
FUZZ_PKGS := ./pipeline/form ./pipeline/registry ./pipeline/report
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
