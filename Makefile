# fmwrite and fmread. On Linux: mingw-w64 builds them and Wine runs them;
# `make demo` and `make test` first install what is missing (tests/deps.sh).
# On Windows (MSYS2/MinGW): make CC=gcc, and the same targets run natively.

CC      = x86_64-w64-mingw32-gcc
CC32    = i686-w64-mingw32-gcc
CLANG   = clang --target=x86_64-w64-mingw32
CLANGCL = $(firstword $(wildcard /usr/lib/llvm-*/bin/clang-cl))
WINESDK = -imsvc /usr/include/wine/wine/msvcrt -imsvc /usr/include/wine/wine/windows
CFLAGS  = -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror
LDFLAGS = -municode -s
LDLIBS  = -ladvapi32
NATIVE  = gcc -std=c11 -g -O1 -Wall -Wextra -Wpedantic -Werror -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ    = clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined
FUZZRUNS = 2000000
FUZZLINERUNS = 1000
FUZZTIME = 300
B       = build
SRC     = msg.c args.c names.c security.c console.c fault.c views.c blocks.c line.c
HDR     = common.h msg.h args.h names.h security.h console.h fault.h views.h blocks.h memdata.h format.h line.h

ifeq ($(OS),Windows_NT)
WINE    =
DEPS    =
NOSTDIN =
else
WINE    = wine
DEPS    = deps
# every Wine run gets a stdin: with fd 0 closed, Wine's own socket lands on
# it and each program fails to start ("recvmsg: Socket operation on non-socket")
NOSTDIN = </dev/null
export WINEPREFIX = $(CURDIR)/$(B)/wine
export WINEDEBUG = -all
export WINEDLLOVERRIDES = mscoree=;mshtml=
# Wine spells Windows file names in the locale's character set: in the C
# locale (a fresh system's) a name like "données" cannot be made at all
export LC_ALL = C.UTF-8
endif

PROGS = \
	$(B)/fmwrite.exe \
	$(B)/fmread.exe

.PHONY: all examples deps demo test unit fuzz-check fuzz e2e host lint compile-check bench clean \
	cmake-msvc cmake-mingw e2e-msvc e2e-cmake-mingw e2e-builds demo-cmake-mingw

all: $(PROGS) $(EXAMPLES)

deps:
	@sh tests/deps.sh

# each program's own files besides its main one
fmwrite_PARTS = replace.c writebehind.c
fmread_PARTS = output.c header.c wait.c follow.c
PARTS = $(fmwrite_PARTS) $(fmread_PARTS)

$(B)/fmwrite.exe $(B)/inject/fmwrite.exe: $(fmwrite_PARTS)
$(B)/fmread.exe $(B)/inject/fmread.exe: $(fmread_PARTS)

$(B)/%.exe: %.c $(SRC) $(HDR) | $(DEPS)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $($*_PARTS) $(SRC) $(LDLIBS)

# the two examples a learner can copy (examples/), each a file of its own
EXAMPLES = \
	$(B)/examples/writer.exe \
	$(B)/examples/reader.exe

examples: $(EXAMPLES)

$(EXAMPLES): $(B)/examples/%.exe: examples/%.c | $(DEPS)
	@mkdir -p $(B)/examples
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

demo: $(PROGS)
	$(WINE) cmd /c demo.bat $(NOSTDIN)

ifeq ($(OS),Windows_NT)
test: e2e
else
# two phases: what needs only the CPU (the checks, every build, and the
# demo, which waits on nothing timed) two at a time on the two cores; then
# what times programs (the two e2e suites side by side, host.sh), which
# must not be starved
test: | $(DEPS)
	@$(MAKE) --no-print-directory -j2 --output-sync=target lint unit fuzz-check compile-check \
		$(PROGS) $(INJECT) $(EXAMPLES) $(B)/e2e.exe cmake-msvc demo-cmake-mingw
	@$(MAKE) --no-print-directory e2e-builds host
endif

unit: tests/unit.c memdata.h format.h | $(DEPS)
	@mkdir -p $(B)
	$(NATIVE) -o $(B)/unit tests/unit.c
	$(B)/unit

$(B)/fuzz: tests/fuzz.c memdata.h | $(DEPS)
	@mkdir -p $(B)
	$(FUZZ) -o $@ tests/fuzz.c

# the message lines (line.c) with strings of up to 200,000 characters
$(B)/fuzz_line: tests/fuzz_line.c line.c line.h | $(DEPS)
	@mkdir -p $(B)
	$(FUZZ) -o $@ tests/fuzz_line.c line.c

# a bounded run of each in make test, the header checks from the kept corpus
fuzz-check: $(B)/fuzz $(B)/fuzz_line
	@mkdir -p $(B)/corpus
	$(B)/fuzz -runs=$(FUZZRUNS) -seed=1 $(B)/corpus tests/corpus
	$(B)/fuzz_line -runs=$(FUZZLINERUNS) -max_len=400000 -seed=1

# a longer run; inputs that reach new code are merged into tests/corpus,
# which make test replays through fmread.exe too (e2e)
fuzz: $(B)/fuzz
	@mkdir -p $(B)/corpus
	$(B)/fuzz -max_total_time=$(FUZZTIME) -max_len=4096 $(B)/corpus tests/corpus
	$(B)/fuzz -merge=1 tests/corpus $(B)/corpus

# the Windows workflow against GitHub's schema (it runs only on GitHub);
# clang-tidy as .clang-tidy says; cppcheck minus two checks: variableScope
# (declarations at the top of a block are the house style) and
# missingIncludeSystem (system headers are the compiler's, not cppcheck's)
VALIDATOR = $(B)/npm/node_modules/.bin/action-validator
$(VALIDATOR): | $(DEPS)
	npm install --silent --no-audit --no-fund --prefix $(B)/npm \
		@action-validator/cli@0.6.0 @action-validator/core@0.6.0

# clang-tidy one file at a time, so that make -j shares them out
TIDY = $(patsubst %.c,$(B)/tidy/%.ok,fmwrite.c fmread.c $(PARTS) $(SRC) $(wildcard examples/*.c))

$(TIDY): $(B)/tidy/%.ok: %.c $(HDR) .clang-tidy | $(DEPS)
	@mkdir -p $(dir $@)
	clang-tidy --quiet $< -- --target=x86_64-w64-mingw32 -std=c11
	@touch $@

lint: $(VALIDATOR) $(TIDY) | $(DEPS)
	$(VALIDATOR) .github/workflows/windows.yml
	cppcheck -q --error-exitcode=1 --enable=warning,style,performance,portability \
		--std=c11 --platform=win64 -D_WIN32 -D_WIN64 --inline-suppr \
		--suppress=missingIncludeSystem --suppress=variableScope \
		fmwrite.c fmread.c $(PARTS) $(SRC) examples/*.c tests/*.c bench/*.c

# every .c outside tests/ also builds with clang and for 32-bit Windows
# (MinGW, and the MSVC ABI: clang-cl with Wine's SDK, compiled only); and
# for ARM64, to assembly, where the publishing protocol's release stores
# and acquire loads must show (tests/order.sh)
compile-check: | $(DEPS)
	@mkdir -p $(B)/i686
	$(CLANG) $(CFLAGS) -fsyntax-only fmwrite.c fmread.c $(PARTS) $(SRC) bench/writefile.c bench/mapwrite.c bench/pipe.c
	$(CC32) $(CFLAGS) -fsyntax-only bench/writefile.c bench/mapwrite.c bench/pipe.c
	clang $(CFLAGS) -fsyntax-only bench/sumbench.c
	$(CC32) $(CFLAGS) $(LDFLAGS) -o $(B)/i686/fmwrite.exe fmwrite.c $(fmwrite_PARTS) $(SRC) $(LDLIBS)
	$(CC32) $(CFLAGS) $(LDFLAGS) -o $(B)/i686/fmread.exe fmread.c $(fmread_PARTS) $(SRC) $(LDLIBS)
	$(CLANGCL) --target=i686-pc-windows-msvc $(WINESDK) /D_UCRT /W4 /WX -Wconversion \
		-Wno-sign-conversion /Zs fmwrite.c fmread.c $(PARTS) $(SRC) examples/*.c tests/e2e.c
	sh tests/order.sh $(B)

# the same programs, with tests/inject.h failing their Nth Win32 call (e2e)
INJECT = \
	$(B)/inject/fmwrite.exe \
	$(B)/inject/fmread.exe

$(INJECT): $(B)/inject/%.exe: %.c $(SRC) $(HDR) tests/inject.h tests/inject.c | $(DEPS)
	@mkdir -p $(B)/inject
	$(CC) $(CFLAGS) $(LDFLAGS) -include tests/inject.h -o $@ $< $($*_PARTS) $(SRC) tests/inject.c $(LDLIBS)

$(B)/e2e.exe: tests/e2e.c memdata.h | $(DEPS)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/e2e.c $(LDLIBS)

# e2e's verdict: its exit code and its last line, "e2e: N passed, 0 failed"
# (N > 0). Under Wine a crash can end a process with exit 0. Wine's own
# messages, from every process e2e starts, go to e2e's Unix stderr: kept in
# e2e.wine, which e2e reads (a run that lost its link to the Wine server is
# run again) and make shows.
# run_e2e FOLDER [ENVIRONMENT] [LOGS]: FOLDER's e2e.exe, its log in LOGS (FOLDER)
define run_e2e
	{ $(2) $(if $(WINE),E2E_WINE_STDERR=Z:$(CURDIR)/$(or $(3),$(1))/e2e.wine) $(WINE) $(1)/e2e.exe \
		$(NOSTDIN) $(if $(WINE),2>$(or $(3),$(1))/e2e.wine); echo $$? >$(or $(3),$(1))/e2e.rc; } | \
		tee $(or $(3),$(1))/e2e.log
	@[ ! -s $(or $(3),$(1))/e2e.wine ] || { echo "e2e: what Wine said on stderr:"; cat $(or $(3),$(1))/e2e.wine; }
	@tail -n 1 $(or $(3),$(1))/e2e.log | grep -q '^e2e: [1-9][0-9]* passed, 0 failed' && \
		[ "$$(cat $(or $(3),$(1))/e2e.rc)" = 0 ] || \
		{ echo "e2e: FAILED (exit $$(cat $(or $(3),$(1))/e2e.rc)), or it ended before its last line"; exit 1; }
endef

# then the scenarios of identity, naming and attaching again, with
# FileIdInfo failing at every call (error 87), as on FAT32 and exFAT
FAT_SCENARIOS = test_round_trips,test_spellings,test_names,test_unicode,test_foreign_files
FAT_SCENARIOS := $(FAT_SCENARIOS),test_not_files,test_live,test_no_file,test_wait

e2e: $(PROGS) $(INJECT) $(EXAMPLES) $(B)/e2e.exe
	$(call run_e2e,$(B),$(if $(MINGW_SKIP),E2E_SKIP=$(MINGW_SKIP)))
	@mkdir -p $(B)/fat
	$(call run_e2e,$(B),E2E_NO_FILE_ID=1 E2E_ONLY=$(FAT_SCENARIOS),$(B)/fat)

# The same sources built with CMake (CMakeLists.txt): with clang-cl for the
# MSVC ABI against Wine's SDK (build/msvc), and with mingw-w64
# (build/cmake-mingw). Each folder gets the programs, their test build in
# inject/ and its own e2e.exe.

# cmake_build FOLDER TOOLCHAIN: configured once, then built (Ninja knows what changed)
define cmake_build
	@test -f $(1)/build.ninja || cmake -S . -B $(1) -G Ninja \
		-DCMAKE_TOOLCHAIN_FILE=cmake/$(2).cmake >/dev/null
	cmake --build $(1)
endef

cmake-msvc: | $(DEPS)
	$(call cmake_build,$(B)/msvc,clang-cl-wine)

cmake-mingw: | $(DEPS)
	$(call cmake_build,$(B)/cmake-mingw,mingw-w64)

# e2e against the MSVC-ABI programs, in a Wine prefix of its own (named
# objects cannot meet those of a run beside it)
e2e-msvc: export WINEPREFIX = $(CURDIR)/$(B)/wine-msvc
e2e-msvc: cmake-msvc
	$(call run_e2e,$(B)/msvc,$(if $(MSVC_SKIP),E2E_SKIP=$(MSVC_SKIP)))

# the whole suite against CMake's MinGW programs: not in make test (its
# 10 minutes), which runs demo.bat against them
e2e-cmake-mingw: export WINEPREFIX = $(CURDIR)/$(B)/wine-cmake-mingw
e2e-cmake-mingw: cmake-mingw
	$(call run_e2e,$(B)/cmake-mingw)

demo-cmake-mingw: cmake-mingw
	$(WINE) cmd /c demo.bat $(B)\\cmake-mingw $(NOSTDIN)

# the MinGW and the MSVC-ABI suites side by side, each one's output whole.
# The four scenarios that stage the system's behaviour over many runs
# (failures injected call by call, writers killed at many points, rounds of
# readers) are shared out between them, each run by one suite and counted
# as skipped by the other, to keep make test under 10 minutes; make e2e and
# make e2e-msvc alone run all
e2e-builds: $(PROGS) $(INJECT) $(EXAMPLES) $(B)/e2e.exe cmake-msvc
	@$(MAKE) --no-print-directory -j2 --output-sync=target e2e e2e-msvc \
		MINGW_SKIP=test_early_kills,test_many_readers MSVC_SKIP=test_injection,test_kill_points

# baselines for `make bench`: a WriteFile writer, a one-view mapping writer,
# and a pipe between two processes (follow mode's transport)
$(B)/writefile.exe $(B)/mapwrite.exe $(B)/pipe.exe: $(B)/%.exe: bench/%.c memdata.h | $(DEPS)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

$(B)/sumbench: bench/sumbench.c memdata.h | $(DEPS)
	@mkdir -p $(B)
	gcc -std=c11 -O2 -Wall -Wextra -Werror -o $@ bench/sumbench.c

bench: $(PROGS) $(B)/writefile.exe $(B)/mapwrite.exe $(B)/pipe.exe $(B)/sumbench
	bash bench/run.sh $(NOSTDIN)

# what only Linux can stage: a terminal, a file cut short, a full disk
host: $(PROGS)
	sh tests/host.sh $(NOSTDIN)

clean:
	rm -rf $(B)
