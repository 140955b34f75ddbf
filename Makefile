# Beacon — the two commands a newcomer needs are `make run` and `make test`.

GO        ?= go
BIN       ?= bin/beacon
PORT      ?= 8080

.PHONY: run build test vet fmt bench bench-fanout bench-load clean

## run: build Beacon, load the demo page into beacon.db (first time only) and serve it on :8080
run: build
	@test -f beacon.db || ./$(BIN) demo
	PORT=$(PORT) ./$(BIN) serve

## build: compile the beacon binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/beacon

## test: go vet, gofmt check and the whole suite on SQLite and PostgreSQL
test: vet
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) test -count=1 ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: benchmarks on both databases (cold render of the status page, posting an update)
bench:
	$(GO) test -run '^$$' -bench 'ColdRender|RenderOnly' -benchmem -benchtime 3s ./app/ ./models/

## bench-fanout: one incident update emailed to 10,000 and 100,000 subscribers over SMTP, both databases (minutes)
bench-fanout:
	$(GO) test -run '^$$' -bench Fanout -benchtime 1x -timeout 60m ./app/

## bench-load: the load run (about 15 minutes; needs wrk and psql): the beacon binary on the large
## demo beside a bare Go server serving the same bytes, on SQLite and PostgreSQL; prints a Markdown
## report (docs/benchmarks.md). Shorter: make bench-load LOADBENCH='-d 3s -memory 20s -fresh 10s'
bench-load: build
	$(GO) build -o bin/barehttp ./cmd/barehttp
	$(GO) build -o bin/loadbench ./cmd/loadbench
	./bin/loadbench -beacon $(BIN) -bare bin/barehttp $(LOADBENCH)

clean:
	rm -rf bin
