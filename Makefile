# opencti-ha: make synth | make test | make render | make bench
# ENV selects an embedded profile (dev, prod); CONFIG a YAML file (its own
# "environment" key picks the profile it overrides).
ENV    ?= dev
CONFIG ?=
OUT    ?= cdk.out
RENDER_OUT ?= dist/manifests

# Pinned tools come from .tools/package.json (npm ci): the AWS CDK CLI, the
# AWS SDK clients the handler tests use and one Node.js build per platform
# (optionalDependencies: npm installs only the one whose os/cpu match). jsii,
# the CDK CLI and the handler tests run the Node.js that .tools/node-path
# chooses for this machine: the pinned build, else the node on PATH if it is
# Node.js 22 or newer, else it stops make with a message saying what is
# missing. `make tools` links the choice (and the CDK CLI) into .tools/bin,
# first on PATH. The tools live in .tools/ because the go command would
# otherwise walk node_modules/. npm itself runs on the machine's own Node.js.
SYSTEM_PATH := $(PATH)
export PATH := $(CURDIR)/.tools/bin:$(PATH)
GO ?= go

APP_BIN := .build/opencti-ha
# VALIDATE=true adds aws-cdk-lib's CloudFormation template validation (slow;
# the test suite always runs it).
VALIDATE ?= false
CONTEXT := {"env":"$(ENV)","config":"$(CONFIG)","validate":"$(VALIDATE)"}

.PHONY: all tools build synth cdk-synth test test-go test-fuzz test-handlers render bench docs fmt vet clean

all: synth

tools: .tools/node_modules/.package-lock.json
	@mkdir -p .tools/bin
	@node=$$(.tools/node-path) && ln -sfn "$$node" .tools/bin/node
	@ln -sfn ../node_modules/.bin/cdk .tools/bin/cdk

.tools/node_modules/.package-lock.json: .tools/package.json .tools/package-lock.json
	@echo 'cd .tools && npm ci --no-audit --no-fund --loglevel=error'
	@cd .tools && PATH='$(SYSTEM_PATH)' npm ci --no-audit --no-fund --loglevel=error

build:
	$(GO) build -o $(APP_BIN) ./bin/opencti-ha

## synth: the whole app into $(OUT)/ (default config; ENV=prod or CONFIG=file.yaml)
synth: tools build
	rm -rf $(OUT)
	CDK_OUTDIR=$(OUT) CDK_CONTEXT_JSON='$(CONTEXT)' $(APP_BIN)
	@echo "synthesized $$(ls $(OUT)/*.template.json | wc -l) stacks into $(OUT)/"

## cdk-synth: the same through the pinned AWS CDK CLI (no AWS credentials needed)
cdk-synth: tools
	cdk synth --quiet --output $(OUT) -c env=$(ENV) -c validate=$(VALIDATE) $(if $(CONFIG),-c config=$(CONFIG))

## test: the whole suite (Lambda handlers, unit, stack, cross-stack, cdk-nag,
## determinism, limits, fuzzing). The three steps run side by side (make -j3)
## and each prints its output when it ends (--output-sync); make stops with
## the first failure's status after all three. The handler tests and the
## fuzzing run at a lower priority (NICE): they fill the cores the Go test
## packages leave idle instead of stretching the longest package.
test: tools
	@$(MAKE) --no-print-directory -j3 --output-sync=target test-handlers test-go test-fuzz NICE='nice -n 10' 

## test-go: go vet, then every Go test package (the CDK packages each start
## one jsii Node.js process and synthesize once per configuration), run as
## `go test -count=1 ./...` does by internal/tools/testrun, which keeps the
## test binaries in .build/tests: go test would link every binary again on
## each run (about 40 CPU-seconds for the 30 that embed aws-cdk-lib). The
## longest packages start first (TEST_FIRST), so that none of them starts
## last and runs alone on one core at the end. testrun also starts each test
## binary's jsii kernel without jsii-runtime-go's relay process (a second
## Node.js process that copies every call; internal/tools/testrun/jsiidirect.go,
## -jsii-relay keeps it). `go test ./...` runs the same tests.
TEST_FIRST := ./test ./test/scale ./stacks/pipeline ./stacks ./test/variants ./examples
test-go:
	$(GO) vet ./...
	$(GO) run ./internal/tools/testrun -timeout 30m -first '$(TEST_FIRST)' ./...

## test-fuzz: fuzzing config.Parse from the seeds (FuzzParse's f.Add and
## config/testdata/fuzz) for 20000 executions, about 15 s on one core: a count
## rather than a time, so that running next to go test does not shrink the
## fuzzing. The corpus the last run cached is dropped first: gathering its
## baseline coverage (about 40 inputs a second in this binary) had grown to 12
## of the 15 s the step had. Minimizing a new input stops after 5 s (the
## default, 60 s, was the "execs: N (0/sec)" at the end of a run). One worker
## leaves the other core to go test.
FUZZ_CACHE = $(shell $(GO) env GOCACHE)/fuzz/github.com/opencti-ha/opencti-ha/config/FuzzParse
test-fuzz:
	rm -rf '$(FUZZ_CACHE)'
	$(NICE) $(GO) test -count=1 -run '^$$' -fuzz FuzzParse -fuzztime 20000x -fuzzminimizetime 5s -parallel 1 ./config

## test-handlers: the Lambda handlers' unit tests (Node's test runner on the
## Node.js .tools/node-path chooses; the AWS SDK clients and aws-sdk-client-mock come from
## .tools/node_modules through NODE_PATH, see internal/handlertest/README.md).
## Test isolation "none": the runner loads every test file into its own
## process, one after the other, instead of starting a Node.js process (and
## loading the SDK clients again) per file: about 3 CPU-seconds instead of 6.
## The files leave no state behind for one another (environment variables,
## mocks, require cache: internal/handlertest/README.md). Node.js 22 (the
## pinned build on macOS arm64) knows the option only by its old name,
## --experimental-test-isolation, which Node.js 24 still accepts, as an alias
## due to go in a major release: TEST_ISOLATION asks the node that runs the
## tests which name it takes.
HANDLER_TESTS := 'constructs/**/*.test.js' 'charts/**/*.test.js' 'internal/handlertest/*.test.js' 'internal/handlerlib/*.test.js'
TEST_ISOLATION = $(shell '$(CURDIR)/.tools/bin/node' --test-isolation=none --version >/dev/null 2>&1 && echo --test-isolation=none || echo --experimental-test-isolation=none)
test-handlers: tools
	NODE_PATH=$(CURDIR)/.tools/node_modules $(NICE) node --test $(TEST_ISOLATION) --test-reporter=spec $(HANDLER_TESTS)

## render: the OpenCTI Kubernetes manifests as YAML, one file per chart
## (CONFIG must say where the data services are; default: the example file)
RENDER_CONFIG = $(if $(CONFIG),$(CONFIG),examples/render.yaml)
render: tools
	$(GO) build -o .build/render ./bin/render
	.build/render -env '$(ENV)' -config '$(RENDER_CONFIG)' -out $(RENDER_OUT)

## bench: synth/render/test timings against an empty one-stack CDK app
bench: tools build
	$(GO) run ./bin/bench

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(OUT) .build $(RENDER_OUT)

## docs: regenerate docs/configuration.md from the config package
docs:
	$(GO) run ./bin/configdoc
