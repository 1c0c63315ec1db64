# fmwrite and fmread. On Linux: mingw-w64 builds them and Wine runs them;
# `make demo` and `make test` first install what is missing (tests/deps.sh).
# On Windows (MSYS2/MinGW): make CC=gcc, and the same targets run natively.

CC      = x86_64-w64-mingw32-gcc
CC32    = i686-w64-mingw32-gcc
CLANG   = clang --target=x86_64-w64-mingw32
CFLAGS  = -std=c11 -O2 -Wall -Wextra -Wpedantic -Werror
LDFLAGS = -municode -s
LDLIBS  = -ladvapi32
NATIVE  = gcc -std=c11 -g -O1 -Wall -Wextra -Wpedantic -Werror -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ    = clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined
FUZZRUNS = 2000000
FUZZTIME = 300
B       = build
SRC     = fmlib.c views.c
HDR     = fmlib.h memdata.h format.h

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
endif

PROGS = \
	$(B)/fmwrite.exe \
	$(B)/fmread.exe

.PHONY: all deps demo test unit fuzz-check fuzz e2e host lint compile-check bench clean

all: $(PROGS)

deps:
	@sh tests/deps.sh

$(B)/%.exe: %.c $(SRC) $(HDR) | $(DEPS)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(SRC) $(LDLIBS)

demo: $(PROGS)
	$(WINE) cmd /c demo.bat $(NOSTDIN)

ifeq ($(OS),Windows_NT)
test: e2e
else
test: lint unit fuzz-check compile-check e2e host
endif

unit: tests/unit.c memdata.h format.h | $(DEPS)
	@mkdir -p $(B)
	$(NATIVE) -o $(B)/unit tests/unit.c
	$(B)/unit

$(B)/fuzz: tests/fuzz.c memdata.h | $(DEPS)
	@mkdir -p $(B)
	$(FUZZ) -o $@ tests/fuzz.c

# a bounded run in make test, from the kept corpus
fuzz-check: $(B)/fuzz
	@mkdir -p $(B)/corpus
	$(B)/fuzz -runs=$(FUZZRUNS) -seed=1 $(B)/corpus tests/corpus

# a longer run; inputs that reach new code are merged into tests/corpus,
# which make test replays through fmread.exe too (e2e)
fuzz: $(B)/fuzz
	@mkdir -p $(B)/corpus
	$(B)/fuzz -max_total_time=$(FUZZTIME) -max_len=4096 $(B)/corpus tests/corpus
	$(B)/fuzz -merge=1 tests/corpus $(B)/corpus

# clang-tidy as .clang-tidy says; cppcheck minus two checks: variableScope
# (declarations at the top of a block are the house style) and
# missingIncludeSystem (system headers are the compiler's, not cppcheck's)
lint: | $(DEPS)
	clang-tidy --quiet fmwrite.c fmread.c fmlib.c views.c -- --target=x86_64-w64-mingw32 -std=c11
	cppcheck -q --error-exitcode=1 --enable=warning,style,performance,portability \
		--std=c11 --platform=win64 -D_WIN32 -D_WIN64 --inline-suppr \
		--suppress=missingIncludeSystem --suppress=variableScope \
		fmwrite.c fmread.c fmlib.c views.c tests/*.c bench/*.c

# every .c outside tests/ also builds with clang and for 32-bit Windows
compile-check: | $(DEPS)
	@mkdir -p $(B)/i686
	$(CLANG) $(CFLAGS) -fsyntax-only fmwrite.c fmread.c fmlib.c views.c bench/writefile.c bench/mapwrite.c bench/pipe.c
	$(CC32) $(CFLAGS) -fsyntax-only bench/writefile.c bench/mapwrite.c bench/pipe.c
	clang $(CFLAGS) -fsyntax-only bench/sumbench.c
	$(CC32) $(CFLAGS) $(LDFLAGS) -o $(B)/i686/fmwrite.exe fmwrite.c $(SRC) $(LDLIBS)
	$(CC32) $(CFLAGS) $(LDFLAGS) -o $(B)/i686/fmread.exe fmread.c $(SRC) $(LDLIBS)

# the same programs, with tests/inject.h failing their Nth Win32 call (e2e)
INJECT = \
	$(B)/inject/fmwrite.exe \
	$(B)/inject/fmread.exe

$(INJECT): $(B)/inject/%.exe: %.c $(SRC) $(HDR) tests/inject.h tests/inject.c | $(DEPS)
	@mkdir -p $(B)/inject
	$(CC) $(CFLAGS) $(LDFLAGS) -include tests/inject.h -o $@ $< $(SRC) tests/inject.c $(LDLIBS)

$(B)/e2e.exe: tests/e2e.c memdata.h | $(DEPS)
	@mkdir -p $(B)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ tests/e2e.c $(LDLIBS)

e2e: $(PROGS) $(INJECT) $(B)/e2e.exe
	$(WINE) $(B)/e2e.exe $(NOSTDIN)

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
