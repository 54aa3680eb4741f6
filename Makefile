# Statehouse: `make run` and `make test` each install what is missing, build
# and then serve or test. See README.md.

BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
LISTEN ?= 127.0.0.1:8080
DATA_DIR ?= ./data
# Sanitizer build (g++, ASan + UBSan) and fuzz build (clang, libFuzzer).
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_CXX ?= clang++-16
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5

.PHONY: all deps configure build run test test-release bench clean web \
	configure-asan build-asan test-asan configure-fuzz build-fuzz fuzz fuzz-smoke

all: build

deps:
	@./scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/statehouse serve --listen $(LISTEN) --data-dir $(DATA_DIR)

# The whole suite: release build, then the same suites under ASan + UBSan,
# then a short run of every fuzz target from its seeds.
test: test-release test-asan fuzz-smoke

test-release: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

configure-asan: deps
	@cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DSTATEHOUSE_SANITIZE=ON \
	  -DSTATEHOUSE_BUILD_BENCHMARKS=OFF > /dev/null

build-asan: configure-asan
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)

# Unit and integration suites (both engines) built with ASan + UBSan; any
# sanitizer report fails the run (scripts/run-sanitized-tests).
test-asan: build-asan
	./scripts/run-sanitized-tests $(ASAN_BUILD_DIR) $(JOBS)

configure-fuzz: deps
	@cmake -S fuzz -B $(FUZZ_BUILD_DIR) -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) > /dev/null

build-fuzz: configure-fuzz
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS)

# Every fuzz target for FUZZ_SECONDS (make fuzz FUZZ_SECONDS=600).
fuzz: build-fuzz
	./scripts/fuzz $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

fuzz-smoke: build-fuzz
	./scripts/fuzz $(FUZZ_BUILD_DIR) $(FUZZ_SMOKE_SECONDS)

# Rebuilds the web console's bundle (web/dist, committed) from web/src with
# the npm registry's esbuild, Preact and htm as pinned in web/package-lock.json.
# The C++ build only embeds web/dist; it never runs this.
web:
	cd web && npm ci --no-audit --no-fund && node build.mjs

bench: build
	./bench/run-http-bench.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
