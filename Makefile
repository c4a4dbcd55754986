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
	format clean fuzz test-asan docs

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

bench: build
	$(BUILD_DIR)/bench/call_benchmark

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
