# flextime: build, test, benchmark, lint.
#
#   make build   the flextime binary in ./bin
#   make test    vet, the whole test suite (the concurrent packages under
#                -race), then each fuzz target briefly
#   make bench   the evaluator benchmarks (see docs/benchmarks.md)
#   make lint    gofmt check and go vet

GO        ?= go
BIN       ?= bin/flextime
FUZZTIME  ?= 5s
BENCHTIME ?= 2s
COUNT     ?= 5

# package:target pairs run by `make fuzz`.
FUZZ_TARGETS = \
	./schemas:FuzzDecodeSchedule \
	./schemas:FuzzDecodeConstraints \
	./schemas:FuzzDecodeRequest \
	./schemas:FuzzTypedMatchesSchema \
	./robinx:FuzzParseInstance \
	./robinx:FuzzParseSolution \
	./evaluator:FuzzEvaluate

.PHONY: all build test unit fuzz bench lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/flextime

test: lint unit fuzz

# The concurrent packages (the consumer, the cache, history, cli which
# assembles them, and the drills that run the assembled service) run under
# the race detector; the rest, the evaluator above all, without it, which
# keeps the race run affordable.
RACE_PKGS = ./consumer/... ./cache/... ./history/... ./cli/... ./internal/drill/...

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v -E '/(consumer|cache|history|cli|internal/drill)$$')
	$(GO) test -race -count=1 -timeout 30m $(RACE_PKGS)

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 1s || exit 1; \
	done

bench:
	$(GO) test ./evaluator -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(COUNT)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
