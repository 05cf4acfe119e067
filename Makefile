# convex-guard: every command sets up what it needs from nothing (Rust target, pinned tools,
# npm packages, Chromium for the browser test) and caches it under the repo.
#
#   make demo    build everything and run the example app's scenario
#   make test    all tests (what .ci/run runs)
#   make bench   sizes and speeds against the named competitors -> target/bench/report.json

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := test

# Pinned tools. The build itself needs none beyond cargo and npm: the engine is a plain
# `cargo build --target wasm32-unknown-unknown` (no wasm-bindgen, no wasm-pack), optimized by
# npm `binaryen`'s wasm-opt. Hardening tools (`make fuzz`, `make mutants`; neither is part of `make test`). cargo-fuzz
# builds with the nightly toolchain; everything else stays on stable.
CARGO_FUZZ_VERSION    := 0.13.2
CARGO_MUTANTS_VERSION := 27.1.0
FUZZ_TOOLCHAIN        := nightly-2026-10-30
TOOLS := $(CURDIR)/target/tools
export PATH := $(TOOLS)/bin:$(PATH)
# Never let a tool fetch a browser or a binary from anywhere but the package registries.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export CHROMIUM := /usr/bin/chromium

EXAMPLE := examples/convex-app
TARBALL := target/pack/convex-guard.tgz
STAMPS  := target/stamps
NPM     := npm --no-audit --no-fund

RUST_SOURCES := Cargo.toml Cargo.lock .cargo/config.toml $(shell find src -name '*.rs')
JS_SOURCES   := $(wildcard js/*.ts) js/generated/wire.ts $(wildcard js/generated/messages*.ts) js/tsconfig.json $(wildcard js/cli/*.ts) js/cli/tsconfig.json scripts/build-pkg.mjs scripts/npm-readme.mjs \
                $(wildcard pkg-template/*) README.md AUDIT.md $(wildcard docs/*.md) Cargo.toml LICENSE

.PHONY: setup build test demo bench rust-checks rust-test js-test example-test browser-test typecheck clean \
        audit-test fuzz mutants wire wasm-size

# ---------------------------------------------------------------- set-up

$(STAMPS):
	mkdir -p $@

$(STAMPS)/rust-target: | $(STAMPS)
	rustup target add wasm32-unknown-unknown
	touch $@

$(STAMPS)/toolchain-$(FUZZ_TOOLCHAIN): | $(STAMPS)
	rustup toolchain install $(FUZZ_TOOLCHAIN) --profile minimal
	touch $@

$(STAMPS)/cargo-fuzz-$(CARGO_FUZZ_VERSION): | $(STAMPS)
	cargo install --locked --root $(TOOLS) cargo-fuzz --version $(CARGO_FUZZ_VERSION)
	touch $@

$(STAMPS)/cargo-mutants-$(CARGO_MUTANTS_VERSION): | $(STAMPS)
	cargo install --locked --root $(TOOLS) cargo-mutants --version $(CARGO_MUTANTS_VERSION)
	touch $@

node_modules/.installed: package.json package-lock.json
	$(NPM) ci
	touch $@

$(EXAMPLE)/node_modules/.installed: $(EXAMPLE)/package.json $(EXAMPLE)/package-lock.json
	cd $(EXAMPLE) && $(NPM) ci
	touch $@

# Debian's Chromium (never a browser downloaded by a test tool).
$(STAMPS)/chromium: | $(STAMPS)
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "installing Debian's chromium package"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi
	$(CHROMIUM) --version
	touch $@

setup: $(STAMPS)/rust-target node_modules/.installed

# ---------------------------------------------------------------- build

# js/generated/wire.ts, the TypeScript twin of src/wire.rs (committed): written by the test
# that, without WRITE_WIRE, fails when the committed file is stale (part of `make rust-test`).
wire:
	RUSTFLAGS="-D warnings" WRITE_WIRE=1 cargo test --test wire current

# The engine with every capability: the npm package's main entry.
FULL_WASM := target/wasm32-unknown-unknown/release/convex_guard.wasm
$(FULL_WASM): $(RUST_SOURCES) | setup
	cargo build --release --target wasm32-unknown-unknown --lib

# The roles-and-permissions-only module (no other capability exported): the engine of
# convex-guard/client/roles, and its own size budget in `make bench`.
ROLES_ONLY := target/roles-only/wasm32-unknown-unknown/release/convex_guard.wasm
$(ROLES_ONLY): $(RUST_SOURCES) | setup
	cargo build --release --target wasm32-unknown-unknown --no-default-features --lib \
	  --target-dir target/roles-only

# The engine of convex-guard/client: access and rate limits, no codes.
CLIENT_WASM := target/client-wasm/wasm32-unknown-unknown/release/convex_guard.wasm
$(CLIENT_WASM): $(RUST_SOURCES) | setup
	cargo build --release --target wasm32-unknown-unknown --no-default-features --features access,ratelimit,ladder --lib \
	  --target-dir target/client-wasm

pkg/package.json: $(FULL_WASM) $(ROLES_ONLY) $(CLIENT_WASM) $(JS_SOURCES) node_modules/.installed
	node scripts/build-pkg.mjs

$(TARBALL): pkg/package.json
	mkdir -p target/pack
	cd pkg && npm pack --silent --pack-destination ../target/pack > /dev/null
	# npm pack writes convex-guard-<version>.tgz; a copy under a stable name is what the
	# example and the tests install.
	cp target/pack/convex-guard-$$(node -p "require('./pkg/package.json').version").tgz $(TARBALL)

# The example installs the packed tarball the way a user installs the published package.
$(STAMPS)/example-package: $(TARBALL) $(EXAMPLE)/node_modules/.installed
	cd $(EXAMPLE) && $(NPM) install --no-save --legacy-peer-deps ../../$(TARBALL)
	touch $@

# The package tests in tests/node import "convex-guard" by name, from the same tarball.
$(STAMPS)/root-package: $(TARBALL) node_modules/.installed
	$(NPM) install --no-save --legacy-peer-deps ./$(TARBALL)
	touch $@

build: $(STAMPS)/example-package $(STAMPS)/root-package

# ---------------------------------------------------------------- tests

rust-checks: | setup
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --release -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown --release --no-default-features -- -D warnings
	# The fuzz targets (fuzz/, a crate of their own, run by `make fuzz` on nightly) must keep
	# compiling against the core as it changes: checked here, on stable.
	cd fuzz && cargo clippy --all-targets --target-dir ../target/fuzz-check -- -D warnings
	# The API docs: no broken intra-doc link, none to a private item from public docs, private
	# items included. src/bindings/ only compiles for wasm32, so its docs are checked there.
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --document-private-items --target wasm32-unknown-unknown

rust-test: | setup
	RUSTFLAGS="-D warnings" cargo test

typecheck: build
	npx tsc -p js/tsconfig.json --noEmit
	npx tsc -p js/cli/tsconfig.json --noEmit
	npx tsc -p tests/audit/fixtures/pitfalls/tsconfig.json
	npx tsc -p tests/audit/fixtures/evasions/tsconfig.json
	npx tsc -p tests/audit/fixtures/retention/tsconfig.json
	npx tsc -p tests/audit/fixtures/http/tsconfig.json
	npx tsc -p tests/types/tsconfig.json --noEmit
	cd $(EXAMPLE) && npx tsc -p . --noEmit

# --experimental-vm-modules: the Convex-bundle test evaluates ES modules in bare vm contexts.
js-test: build
	node --experimental-vm-modules --test tests/node/*.test.mjs

# The example's committed convex/guard.policy.ts must be what its guard compiles to (the
# example's own installed package, as a user's CI runs it).
example-test: build
	cd $(EXAMPLE) && npx convex-guard compile --check
	cd $(EXAMPLE) && npx vitest run

browser-test: build $(STAMPS)/chromium
	node --test tests/browser/*.test.mjs

# `convex-guard audit` on the fixture apps and the example, and `convex-guard compile` on small
# apps, run from the installed tarball.
audit-test: build
	node --test tests/audit/*.test.mjs

test: rust-checks rust-test typecheck js-test example-test browser-test audit-test
	@echo "make test: all suites passed"

# ---------------------------------------------------------------- demo and bench

demo: build
	cd $(EXAMPLE) && npx vitest run --config vitest.demo.config.mts
	@echo; echo "--- npx convex-guard audit (the example app, as a user runs it)"
	cd $(EXAMPLE) && npx convex-guard audit convex

bench: build
	node bench/run.mjs

# The engine's largest functions and its sections, by name: the shipped module's code
# (optimized as scripts/build-pkg.mjs does it), its function names kept for the occasion.
wasm-size: $(FULL_WASM) node_modules/.installed
	node scripts/build-pkg.mjs --optimize-only $(FULL_WASM) target/wasm/convex_guard.named.wasm --names
	node scripts/wasm-top.mjs target/wasm/convex_guard.named.wasm 40

# ---------------------------------------------------------------- hardening (not in `make test`)

# Every fuzz target (fuzz/fuzz_targets) for FUZZ_RUNS executions from the seed corpus written
# from tests/vectors; fails on any crash, timeout or OOM -> target/fuzz/report.json. Long:
# run it niced (`nice -n 10 make fuzz`). FUZZ_TARGETS="a b" and FUZZ_RUNS=n narrow it.
FUZZ_RUNS ?= 10000000
fuzz: $(STAMPS)/toolchain-$(FUZZ_TOOLCHAIN) $(STAMPS)/cargo-fuzz-$(CARGO_FUZZ_VERSION)
	FUZZ_TOOLCHAIN=$(FUZZ_TOOLCHAIN) FUZZ_RUNS=$(FUZZ_RUNS) node scripts/fuzz.mjs $(FUZZ_TARGETS)

# Mutation testing of src/ (not src/bindings/, see .cargo/mutants.toml) against `cargo test`,
# in the `mutation` profile -> target/mutants/ (mutants.out/ and score.json). Long: narrow it
# while iterating, e.g. MUTANTS_ARGS="--file src/access.rs" or "--shard 1/8"; MUTANTS_JOBS=2
# on a quiet machine. Exit status 2 (missed) and 3 (timeouts) still give a score.
MUTANTS_JOBS ?= 1
MUTANTS_ARGS ?=
mutants: $(STAMPS)/cargo-mutants-$(CARGO_MUTANTS_VERSION)
	mkdir -p target/mutants
	rc=0; cargo mutants --profile mutation --jobs $(MUTANTS_JOBS) --minimum-test-timeout 120 \
	  --output target/mutants $(MUTANTS_ARGS) || rc=$$?; \
	  [ $$rc -eq 0 ] || [ $$rc -eq 2 ] || [ $$rc -eq 3 ]
	python3 scripts/mutants-score.py target/mutants/mutants.out

clean:
	rm -rf target/wasm target/pack target/bench $(STAMPS) pkg js/generated/client js/generated/roles \
	  js/generated/wasm-base64.js js/generated/wasm-base64.d.ts js/generated/random-bridge.js js/generated/random-bridge.d.ts
