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

## torture: the full hostile-inbox suite and 50 SIGKILLs (make test runs a reduced form)
torture:
	GRASSROOTS_TORTURE=full $(GO) test $(GO_FLAGS) -count=1 -timeout 40m ./torture/ ./cmd/grassroots/

## update-golden: rewrite the golden files of every package that has some
GOLDEN_PKGS := ./pipeline/report ./cmd/grassroots
update-golden:
	$(GO) test $(GO_FLAGS) -count=1 $(GOLDEN_PKGS) -update

FUZZTIME ?= 20s
fuzz:
	@for f in $$($(GO) test $(GO_FLAGS) -list '^Fuzz' ./pipeline/form | grep '^Fuzz'); do \
		echo "== $$f"; $(GO) test $(GO_FLAGS) -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=2s ./pipeline/form || exit 1; \
	done

## torture: the hostile-inbox, crash, fault and load suites at full size (make test runs them reduced)
torture:
	GRASSROOTS_TORTURE=full $(GO) test $(GO_FLAGS) -count=1 -timeout 30m ./torture/ ./cmd/grassroots/

clean:
	rm -rf bin out
