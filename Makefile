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

.PHONY: all deps deps-serve configure configure-server build build-server run test test-release bench clean \
	configure-asan build-asan test-asan configure-fuzz build-fuzz fuzz fuzz-smoke

all: build

deps:
	@./scripts/install-deps

deps-serve:
	@./scripts/install-deps --serve

# The test and benchmark targets are switched on explicitly here and off in
# configure-server, so that `make run` and `make test` share one build folder
# (the server's objects are the same either way).
configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DSTATEHOUSE_BUILD_TESTS=ON -DSTATEHOUSE_BUILD_BENCHMARKS=ON > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

configure-server: deps-serve
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DSTATEHOUSE_BUILD_TESTS=OFF -DSTATEHOUSE_BUILD_BENCHMARKS=OFF > /dev/null

# Only the server binary (no test or benchmark targets).
build-server: configure-server
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target statehouse

run: build-server
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

bench: build
	./bench/run-http-bench.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
