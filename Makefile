# ciiguard: one-command set-up, build, run and test. CMake and ctest do the work underneath.
#   make run      install missing Debian packages (as root) and the pinned npm packages (ECharts,
#                 compiled into the binary for the web console), build, create the demo database
#                 at var/ciiguard.db on first run (printing the first administrator's generated
#                 password, once), show the organisation, then serve the API and the console on LISTEN
#   make check    install, build with warnings as errors, run the whole suite on SQLite and
#                 again on a throwaway PostgreSQL cluster, then the unit and CLI suites under
#                 ASan+UBSan, then the fuzzers for a bounded time (side by side, one per core)
#   make install  PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
DESTDIR ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 45
DB ?= var/ciiguard.db
LISTEN ?= 127.0.0.1:8080
CMAKE ?= cmake
CTEST ?= ctest

.PHONY: all deps deps-check build run check check-build check-asan check-fuzz install clean

all: build

deps:
	@bash scripts/deps.sh run
	@bash scripts/node-deps.sh

deps-check:
	@bash scripts/deps.sh check
	@bash scripts/node-deps.sh

build: deps
	@$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	@$(CMAKE) --build build -j $(JOBS)

run: build
	@mkdir -p $(dir $(DB))
	@if [ ! -f $(DB) ]; then ./build/ciiguard --db $(DB) init --demo; fi
	@./build/ciiguard --db $(DB) status
	@./build/ciiguard --db $(DB) system summary
	@./build/ciiguard --db $(DB) system list
	@./build/ciiguard --db $(DB) registers || [ $$? -eq 3 ]
	@./build/ciiguard --db $(DB) due || [ $$? -eq 3 ]
	@./build/ciiguard --db $(DB) audit verify
	@echo "The web console: http://$(LISTEN)/ ; sign in as admin with the password printed when"
	@echo "$(DB) was made (reset it with"
	@echo "  ./build/ciiguard --db $(DB) user passwd admin --password-stdin); an API token:"
	@echo "  ./build/ciiguard --db $(DB) token create --user admin"
	@./build/ciiguard --db $(DB) serve --listen $(LISTEN)

check: deps-check check-build check-asan check-fuzz
	@echo "make check: all suites passed"

check-build:
	@$(CMAKE) -S . -B build-check -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCIIGUARD_WERROR=ON >/dev/null
	@$(CMAKE) --build build-check -j $(JOBS)
	@cd build-check && $(CTEST) --output-on-failure -j $(JOBS) -LE fuzz
	@bash scripts/check-pg.sh build-check --output-on-failure -j $(JOBS) -L 'unit|cli|crash|tamper|concurrency|pg|http|console'

check-asan:
	@$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCIIGUARD_WERROR=ON \
		-DCIIGUARD_SANITIZE=ON >/dev/null
	@$(CMAKE) --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(CTEST) --output-on-failure -j $(JOBS) -L 'unit|cli|http'

check-fuzz:
	@CC=clang $(CMAKE) -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DCIIGUARD_FUZZ=ON \
		-DCIIGUARD_FUZZ_SECONDS=$(FUZZ_SECONDS) >/dev/null
	@$(CMAKE) --build build-fuzz -j $(JOBS)
	@cd build-fuzz && $(CTEST) --output-on-failure -j $(JOBS) -L fuzz

install: build
	@DESTDIR=$(DESTDIR) $(CMAKE) --install build --prefix $(PREFIX)

clean:
	rm -rf build build-check build-asan build-fuzz
