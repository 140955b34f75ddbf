# Beacon — the two commands a newcomer needs are `make run` and `make test`.

GO        ?= go
BIN       ?= bin/beacon
PORT      ?= 8080
# Build and test with go.mod's toolchain line (a Go patch release with the
# standard library's security fixes), fetched once through the Go proxy when
# the installed Go is older; `go run ./cmd/beacon` works with the installed Go.
export GOTOOLCHAIN = auto

.PHONY: run build test vet fmt fmt-check lint fuzz bench bench-go bench-fanout bench-hooks bench-load lighthouse clean

## run: build Beacon, load the demo page into beacon.db (first time only) and serve it on :8080
run: build
	@test -f beacon.db || ./$(BIN) demo
	PORT=$(PORT) ./$(BIN) serve

## build: compile the beacon binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/beacon

## test: go vet, gofmt check and the whole suite on SQLite and PostgreSQL
## The whole run is bounded generously (go test's default is 10 minutes a package): the app
## package alone takes about 5 minutes on a quiet 2-core machine, and much longer beside a
## second `make test`. Tests wait for conditions, not for time.
test: vet fmt-check
	$(GO) test -count=1 -timeout 30m ./...

## fuzz: run each fuzz target for FUZZTIME (go test -fuzz takes one target of one package at a
## time); `make test` runs only their seeds (f.Add and testdata/fuzz). A failing input is written to
## the package's testdata/fuzz/FuzzX/: fix the bug and commit the input with the fix.
FUZZTIME  ?= 20s
FUZZ_TARGETS = ./app:FuzzManagementAPI ./app:FuzzFormBody ./app/api:FuzzFormToJSON ./app:FuzzSubscribeForm ./app:FuzzLoadConfig ./app/links:FuzzSignedLink \
	./models:FuzzRenderMarkdown ./models:FuzzParseEmail ./models:FuzzImportSubscribers ./app/egress:FuzzParseEndpoint \
	./app/integrations:FuzzParseAlertmanager ./app/integrations:FuzzParseSlack ./app/integrations:FuzzParsePagerDuty \
	./app/integrations:FuzzParseGitHubIssue ./app/integrations:FuzzParseGitLabIssue ./app/integrations:FuzzParseJiraIssue ./app/integrations:FuzzVerifySignatures \
	./app/brand:FuzzSanitizeSVG ./app/brand:FuzzCheckStylesheet ./app/mirror:FuzzParseURL
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; fn=$${t##*:}; echo "== $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## lint: go vet, gofmt check and govulncheck ./... (installs govulncheck v1.1.4; needs
## https://vuln.go.dev or GOVULNDB=file:///mirror, and says so plainly when it cannot reach it)
lint: vet fmt-check
	GO=$(GO) ./.ci/vulncheck

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: every benchmark of the outage-day figures (docs/benchmarks.md): bench-go, then bench-load
## (about 25 minutes in all)
bench: bench-go bench-load

## bench-go: Go benchmarks on both databases (cold render of the status page, posting an update, a
## snapshot hit, an API update to the new page)
bench-go:
	$(GO) test -run '^$$' -bench 'ColdRender|RenderOnly|PostUpdate|SnapshotHit|UpdateToPage' -benchmem -benchtime 3s ./app/ ./models/

## bench-fanout: one incident update emailed to 10,000 and 100,000 subscribers over SMTP, both databases (minutes)
bench-fanout:
	$(GO) test -run '^$$' -bench Fanout -benchtime 1x -timeout 60m ./app/

## bench-hooks: one incident update posted to 10,000 and 100,000 webhook subscribers on loopback
## receivers (1% slow, 1% failing) against a bare HTTP POST loop, both databases (minutes)
bench-hooks:
	$(GO) test -run '^$$' -bench HookFanOut -benchtime 1x -timeout 60m ./app/

## bench-load: the load run (about 15 minutes; needs wrk and psql): the beacon binary on the large
## demo beside a bare Go server serving the same bytes, on SQLite and PostgreSQL, with the eager
## rebuilds' cost and the mirror's lag to a SeaweedFS bucket (built into the test cache once, ~8
## minutes); prints a Markdown report (docs/benchmarks.md).
## Shorter: make bench-load LOADBENCH='-d 3s -memory 20s -fresh 10s -mirror-load 10s'
bench-load: build
	./.ci/build-seaweedfs
	$(GO) build -o bin/barehttp ./cmd/barehttp
	$(GO) build -o bin/loadbench ./cmd/loadbench
	./bin/loadbench -beacon $(BIN) -bare bin/barehttp $(LOADBENCH)

## lighthouse: Lighthouse 12.2.3 (installed once into $${BEACON_TEST_CACHE:-/var/cache/beacon-test}/lighthouse)
## on the large demo page, mobile and desktop, with Debian's chromium; prints the four scores
lighthouse:
	BIN=$(BIN) ./.ci/lighthouse

clean:
	rm -rf bin
