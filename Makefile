# Thin wrapper over CMake: every target first installs what is missing
# (third_party/bootstrap.sh), configures once, and builds incrementally.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
PYTHON ?= /usr/bin/python3
PLUGINS ?= plugins
CTEST_ARGS ?=

CONFIGURE = cmake -S . -B $(BUILD_DIR) -G Ninja \
	-DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DPython_EXECUTABLE=$(PYTHON)

FUZZ_SECONDS ?= 30
SANITIZER_ENV = \
	ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=0:allocator_may_return_null=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:suppressions=$(CURDIR)/tests/sanitizers/ubsan.supp

.PHONY: all bootstrap configure build test test-consumers package repl bench \
	bench-peers format clean fuzz test-asan docs

all: build

bootstrap:
	@bash third_party/bootstrap.sh

$(BUILD_DIR)/build.ninja: | bootstrap
	$(CONFIGURE)

configure: bootstrap
	$(CONFIGURE)

build: bootstrap $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2 $(CTEST_ARGS)

# The consumer tests (installed prefix, pkg-config, .deb, add_subdirectory,
# headers; all in `make test` too) and FetchContent of a file:// clone of
# this repository at HEAD, which builds duet once more.
test-consumers: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -L consumer $(CTEST_ARGS)
	bash tests/consumer/consumer_test.sh fetchcontent . $(BUILD_DIR) \
		$(BUILD_DIR)/tests/consumer/fetchcontent

# A .deb of the library, headers, CMake and pkg-config files and `duet`.
package: build
	cd $(BUILD_DIR) && cpack -G DEB

# The API reference of the public headers in $(BUILD_DIR)/docs/html, from
# Doxygen; an undocumented public symbol fails it.
docs:
	@bash third_party/bootstrap.sh --docs
	$(CONFIGURE)
	cmake --build $(BUILD_DIR) --target docs

repl: build
	$(BUILD_DIR)/samples/repl/duet repl --plugins $(PLUGINS)

# Issue 13's rows, each beside its raw-engine reference in the same run
# (3 repetitions, interleaved at random so that a change of the machine's
# load falls on both; medians), as one table: bench/report.py. The JSON is in
# $(BUILD_DIR)/bench/results. Memory per JavaScript implementation is
# measured in fresh processes, one start each (a second start in one process
# reuses the first one's freed memory), three of each count.
BENCH_RESULTS = $(BUILD_DIR)/bench/results
BENCH_FLAGS = --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
	--benchmark_enable_random_interleaving=true --benchmark_out_format=json

bench: bootstrap $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target call_benchmark cross_benchmark \
		coldstart_benchmark startup_benchmark
	rm -rf $(BENCH_RESULTS) && mkdir -p $(BENCH_RESULTS)
	$(BUILD_DIR)/bench/call_benchmark $(BENCH_FLAGS) \
		--benchmark_out=$(BENCH_RESULTS)/call.json
	$(BUILD_DIR)/bench/cross_benchmark $(BENCH_FLAGS) \
		--benchmark_out=$(BENCH_RESULTS)/cross.json
	$(BUILD_DIR)/bench/coldstart_benchmark $(BENCH_FLAGS) \
		--benchmark_out=$(BENCH_RESULTS)/coldstart.json
	for run in 1 2 3; do for count in 1 100; do \
		$(BUILD_DIR)/bench/startup_benchmark --benchmark_min_time=0.001 \
			--benchmark_filter="^BM_Startup/eager/$$count/" \
			--benchmark_out_format=json \
			--benchmark_out=$(BENCH_RESULTS)/startup-$$count-$$run.json \
			|| exit 1; \
	done; done
	$(PYTHON) bench/report.py $(BENCH_RESULTS) | tee $(BENCH_RESULTS)/report.md

# The JavaScript -> Python rows in duet and in node-calls-python (installed
# by npm into $(BUILD_DIR)/bench/peers), duet/peer ratios. Needs node and
# npm; not part of `make test`.
bench-peers: bootstrap $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target cross_benchmark
	bash bench/peers/run.sh $(BUILD_DIR)

# libFuzzer targets, built with clang + ASan/UBSan, each run FUZZ_SECONDS.
fuzz:
	@bash third_party/bootstrap.sh --fuzz
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DDUET_FUZZ=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE=$(PYTHON)
	cmake --build build-fuzz
	bash tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# The whole suite under AddressSanitizer + UBSan (gcc).
test-asan: bootstrap
	cmake -S . -B build-asan -G Ninja -DDUET_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython_EXECUTABLE=$(PYTHON) \
		-DDUET_BUILD_BENCHMARKS=OFF
	cmake --build build-asan
	# ASan's larger frames need more than the default 8 MB main-thread stack
	# for the 1000-level nesting tests.
	ulimit -s 65536 && $(SANITIZER_ENV) ctest --test-dir build-asan \
		--output-on-failure -j2 $(CTEST_ARGS)

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
