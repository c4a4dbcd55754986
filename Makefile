# Thin wrapper over CMake: every target first installs what is missing
# (third_party/bootstrap.sh), configures once, and builds incrementally.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
PYTHON ?= /usr/bin/python3
PLUGINS ?= plugins
CTEST_ARGS ?=

CONFIGURE = cmake -S . -B $(BUILD_DIR) -G Ninja \
	-DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DPython_EXECUTABLE=$(PYTHON)

.PHONY: all bootstrap configure build test repl bench format clean

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

repl: build
	$(BUILD_DIR)/samples/repl/duet repl --plugins $(PLUGINS)

bench: build
	$(BUILD_DIR)/bench/call_benchmark

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
