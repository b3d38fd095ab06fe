# Backup & Disaster Recovery for Mattermost. `make help` lists the targets.
# Every target first makes sure a Node.js >= 22.15 is on PATH (installing the pinned one into .tools/ when
# the system's is older) and that the npm dependencies are installed.
SHELL := /bin/bash
NODE_DIR := $(shell build/ensure-node.sh)
# $(shell) ignores the script's exit status: without this, a failed install went on with the old system Node.
ifeq ($(NODE_DIR),)
$(error no Node.js 22.15 or newer, and build/ensure-node.sh could not install the pinned one (its error is above): install Node.js 22.15+, or let npm reach its registry)
endif
export PATH := $(NODE_DIR):$(PATH)
VERSION := $(shell node -p "require('./plugin.json').version")

.PHONY: help all deps tools test-servers build dist package deb test demo bench clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

all: build dist package ## build everything and package the plugin and the bridge

node_modules/.package-lock.json: package-lock.json package.json server/package.json webapp/package.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: node_modules/.package-lock.json ## install the npm dependencies (npm ci)

tools: ## install the database client tools (pg_dump, psql, mariadb-dump) when missing
	@build/ensure-system-tools.sh

test-servers: ## build the real Mattermost server and MinIO the tests run against (Go, from the module proxy; cached in .tools/)
	@build/ensure-mattermost.sh >/dev/null
	@build/ensure-minio.sh >/dev/null

build: deps ## compile the bridge (server/dist) and the webapp bundle (webapp/dist/main.js)
	node build/manifest.mjs apply
	npm run build -w server
	npm run build -w webapp

dist: build ## package dist/backup-dr-<version>.tar.gz for upload in the System Console (the Go server part needs Go >= 1.24)
	node build/manifest.mjs check
	node build/plugin-server.mjs
	node build/bundle.mjs

package: build ## package dist/mmbackup-bridge-<version>.tar.gz: the bridge for /opt/mmbackup on a Mattermost host
	node build/bridge-package.mjs

deb: build ## package dist/mmbackup-bridge_<version>_<arch>.deb: the bridge as a system service with its own Node.js
	node build/deb/build-deb.mjs

test: build tools test-servers ## run every test (unit, integration against the real databases, webapp, packaging)
	node build/run-tests.mjs

demo: build ## build a sample Mattermost under ./demo, back it up, verify, restore elsewhere and compare
	@build/ensure-system-tools.sh --db-only
	node server/bin/mmbackup demo --dir demo

bench: build tools ## benchmark db backup, file store backup and restore, and S3 (MinIO) against pg_dump, tar|zstd, lib-storage and restic (installed when missing)
	@build/ensure-minio.sh >/dev/null
	node server/dist/bench/run-bench.js

clean: ## remove build output, the demo and the benchmark cache
	rm -rf server/dist server/plugin/dist webapp/dist dist demo .bench test-output
