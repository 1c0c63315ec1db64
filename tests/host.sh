#!/bin/sh
# conditions are passed to check() in single quotes and evaluated there
# shellcheck disable=SC2016,SC2034
#
# host.sh - what only the Linux side can stage, so a Win32 driver cannot:
# a terminal (Wine's headless console lets no other process read its screen;
# typing Enter into --hold),
# a file truncated under a reader (Windows refuses to shrink a mapped file,
# error 1224), a full disk (a small tmpfs; needs root to mount). Run by
# `make test` from the top, under Wine.
set -u
passed=0 failed=0 skipped=0
dir=build/host-tmp
mkdir -p "$dir"
rm -rf "${dir:?}"/*

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
# Enter on the console ends --hold; any other key does not.
start=$(date +%s)
(sleep 2; printf '\r') | script -qfec "wine build/fmwrite.exe --hold 60 -n 5 $dir/hold.bin" "$dir/screen" >/dev/null 2>&1
took=$(($(date +%s) - start))
if grep -q "stopped by the user; letting go" "$dir/screen" && [ $took -lt 30 ]; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL Enter ends --hold (took $took s)"
fi
(sleep 1; printf x) | script -qfec "wine build/fmwrite.exe --hold 3 -n 5 $dir/hold.bin" "$dir/screen" >/dev/null 2>&1
if grep -q "the time is up; letting go" "$dir/screen" && ! grep -q "stopped by the user" "$dir/screen"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL another key does not end --hold"
fi

# check NAME CONDITION: one verdict; on failure, what the program said
check() {
	if eval "$2"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL $1"
		cat "$dir/err" 2>/dev/null
	fi
}

one_line() { [ "$(wc -l <"$1")" = 1 ] && grep -qE -- "$2" "$1"; }

# A file cut short while fmread prints it: the reader is held inside its
# printing pass by a pipe nobody drains, the file is truncated, then the
# pipe is drained and the reader walks into pages that are gone.
rm -rf "${dir:?}"/*
wine build/fmwrite.exe -q -n 20000000 "$dir/cut.bin"
mkfifo "$dir/pipe"
wine build/fmread.exe -q "$dir/cut.bin" >"$dir/pipe" 2>"$dir/err" &
pid=$!
exec 3<"$dir/pipe"
head -c 100000 <&3 >/dev/null
truncate -s 100000 "$dir/cut.bin"
cat <&3 >/dev/null
exec 3<&-
wait $pid
rc=$?
check "a file cut short under the reader: exit 3" '[ $rc = 3 ]'
check "... one line: where, why, which exception" 'one_line "$dir/err" \
	"^fmread: reading \"[^\"]*cut.bin\" at offset [0-9]+: the file changed or could not be read \(exception 0xC000000[56]\)\$"'

# A full disk while writing: under Wine CreateFileMapping does not see it
# coming (the file is extended sparsely); the write through the view faults.
mkdir -p "$dir/small"
if mount -t tmpfs -o size=8m tmpfs "$dir/small" 2>/dev/null; then
	wine build/fmwrite.exe -n 10000000 "$dir/small/full.bin" 2>"$dir/err"
	rc=$?
	check "a full disk while writing: exit 2" '[ $rc = 2 ]'
	check "... one line that says disk full" 'one_line "$dir/err" \
		"^fmwrite: writing \"[^\"]*full.bin\" at offset [0-9]+: disk full \(exception 0xC000000[56]\)\$"'
	wine build/fmread.exe -q "$dir/small/full.bin" >"$dir/out" 2>"$dir/err"
	rc=$?
	check "... and fmread does not take what it left" '[ $rc = 3 ] && [ ! -s "$dir/out" ] &&
		one_line "$dir/err" "^fmread: \"[^\"]*full.bin\": incomplete: its writer has not finished\$"'
	umount "$dir/small"
else
	skipped=$((skipped + 3))
	echo "SKIP a full disk: cannot mount a tmpfs here (not root?)"
fi

rm -rf "${dir:?}"/*
echo "host: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
