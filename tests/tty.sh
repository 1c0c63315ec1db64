#!/bin/sh
# tty.sh - progress lines on a terminal. Under Wine a terminal on the standard
# handles is a console; `script` gives the programs one and records what they
# draw on it. (A Win32 driver cannot do this here: Wine's headless console
# lets no other process read its screen.) Run by `make test` from the top.
set -u
passed=0 failed=0
dir=build/tty-tmp
mkdir -p "$dir"
rm -f "$dir"/*

# on_tty NAME COMMAND PATTERN...: runs COMMAND on a terminal; each PATTERN
# (grep -E, on the recording with carriage returns kept) must match, or,
# after "!", must not.
on_tty() {
	name=$1 cmd=$2
	shift 2
	script -qfec "$cmd" "$dir/screen" >/dev/null 2>&1
	ok=1
	for p in "$@"; do
		case $p in
		!*) grep -qE -- "${p#!}" "$dir/screen" && ok=0 ;;
		*) grep -qE -- "$p" "$dir/screen" || ok=0 ;;
		esac
	done
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $name"
		tr '\r' '\n' <"$dir/screen" | head -20
	fi
}

cr=$(printf '\r')
on_tty "fmwrite shows how far and how fast, in place" \
	"wine build/fmwrite.exe -n 1100000000 $dir/big.bin" \
	"fmwrite: writing +[0-9]+% +[0-9]+ MB/s" "${cr}fmwrite: writing" \
	"fmwrite: wrote 1100000000 integers"
on_tty "fmread shows it while checking and printing" \
	"wine build/fmread.exe $dir/big.bin > /dev/null" \
	"fmread: reading +[0-9]+% +[0-9]+ MB/s" "fmread: reading file"
on_tty "-q: no progress" "wine build/fmread.exe -q --check $dir/big.bin" \
	"!MB/s" "big.bin: valid, 1100000000 integers"
on_tty "short work: no progress" "wine build/fmwrite.exe -n 1000 $dir/small.bin" \
	"!MB/s" "fmwrite: wrote 1000 integers"
rm -f "$dir"/*
echo "tty: $passed passed, $failed failed"
[ $failed = 0 ]
