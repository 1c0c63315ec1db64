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

# One idle Wine program (cmd's pause, on a pipe from a sleep) for as long as
# this runs: when Wine's last program exits, Wine shuts its desktop down and
# the next program waits about 1.5 s for it to start again (about every 3 s
# of programs run one at a time, measured).
sleep 86400 2>/dev/null | wine cmd /c pause >/dev/null 2>&1 &
trap 'pkill -P $$ -x sleep' EXIT
trap 'exit 130' INT     # dash runs the EXIT trap on exit, not on a signal
trap 'exit 143' TERM

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
# --hold leaves the console's input alone: what is typed meanwhile (Enter
# too) does not end the hold, and is there for the next program to read.
(sleep 1.5; printf 'dir /w\r'; sleep 5) |
	script -qfec "sh -c 'wine build/fmwrite.exe --hold 4 -n 5 $dir/hold.bin; read -r line; echo \"next got: \$line\"'" \
	"$dir/screen" >/dev/null 2>&1
if grep -q "the time is up; letting go" "$dir/screen" && grep -q "next got: dir /w" "$dir/screen" &&
	! grep -q "stopped by the user" "$dir/screen"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL --hold neither ends on typed input nor swallows it"
	tr '\r' '\n' <"$dir/screen" | head -20
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
# read_slowly FILE CHANGE: fmread -q FILE into a pipe nobody drains; once it
# is inside its printing pass, CHANGE (eval'd), then the pipe is drained. $rc
# is fmread's exit code, $dir/err its stderr.
read_slowly() {
	mkfifo "$dir/pipe"
	wine build/fmread.exe -q "$1" >"$dir/pipe" 2>"$dir/err" &
	pid=$!
	exec 3<"$dir/pipe"
	head -c 100000 <&3 >/dev/null
	eval "$2"
	cat <&3 >/dev/null
	exec 3<&-
	wait $pid
	rc=$?
	rm -f "$dir/pipe"
}

rm -rf "${dir:?}"/*
wine build/fmwrite.exe -q -n 20000000 "$dir/cut.bin"
read_slowly "$dir/cut.bin" 'truncate -s 100000 "$dir/cut.bin"'
check "a file cut short under the reader: exit 3" '[ $rc = 3 ]'
check "... one line: where, why, which exception" 'one_line "$dir/err" \
	"^fmread: reading \"[^\"]*cut.bin\" at offset [0-9]+: the file changed or could not be read \(exception 0xC000000[56]\)\$"'

# A full disk while writing: under Wine CreateFileMapping does not see it
# coming (the file is extended sparsely); the write through the view faults.
mkdir -p "$dir/small"
if mount -t tmpfs -o size=8m tmpfs "$dir/small" 2>/dev/null; then
	# 120 MB: two fill threads, both of which fault; one line all the same
	wine build/fmwrite.exe -n 30000000 "$dir/small/full.bin" 2>"$dir/err"
	rc=$?
	check "a full disk while writing: exit 2" '[ $rc = 2 ]'
	check "... one line (two threads fault) that says disk full, and that FILE was not made" 'one_line "$dir/err" \
		"^fmwrite: writing \"[^\"]*full.bin\" at offset [0-9]+: disk full \(exception 0xC000000[56]\); \"[^\"]*full.bin\" not created\$"'
	check "... and the new file it was filling is gone" '[ -z "$(ls -A "$dir/small")" ]'
	printf 'old data\n' >"$dir/small/full.txt"
	wine build/fmwrite.exe --force -n 10000000 "$dir/small/full.txt" 2>"$dir/err"
	check "a full disk while replacing a file: the file is left as it was" \
		'[ "$(cat "$dir/small/full.txt")" = "old data" ] && [ "$(ls -A "$dir/small")" = full.txt ] &&
		one_line "$dir/err" "; \"[^\"]*full.txt\" left as it was\$"'
	umount "$dir/small"
else
	skipped=$((skipped + 4))
	echo "SKIP a full disk: cannot mount a tmpfs here (not root?)"
fi

# Ctrl+C (SIGINT, which Wine turns into CTRL_C_EVENT) while fmread prints
# into a pipe nobody drains: its output thread is blocked in WriteFile.
# It must end within a second or so, exit 5, one line.
rm -rf "${dir:?}"/*
wine build/fmwrite.exe -q -n 20000000 "$dir/int.bin"
mkfifo "$dir/pipe"
wine build/fmread.exe -q "$dir/int.bin" >"$dir/pipe" 2>"$dir/err" &
pid=$!
exec 3<"$dir/pipe"
head -c 100000 <&3 >/dev/null
sleep 1
kill -INT $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
wait $pid
rc=$?
exec 3<&-
rm -f "$dir/pipe"
echo "    Ctrl+C while blocked writing to a full pipe: ended after $((i * 100)) ms"
check "Ctrl+C while blocked on a full pipe: ends, exit 5, one line" '[ $i -lt 50 ] && [ $rc = 5 ] &&
	one_line "$dir/err" "^fmread: interrupted while printing \"[^\"]*int.bin\"\$"'

# A failed write to stdout (a full disk) is an error in every mode: exit 2, one line.
for args in "--check -q $dir/int.bin" "-q $dir/int.bin" "--help" "--version"; do
	# shellcheck disable=SC2086
	wine build/fmread.exe $args >/dev/full 2>"$dir/err"
	rc=$?
	check "fmread $args >/dev/full: exit 2, one line" '[ $rc = 2 ] &&
		one_line "$dir/err" "^fmread: WriteFile\(\"<stdout>\"\): .* \(error 112\)\$"'
done
wine build/fmwrite.exe --help >/dev/full 2>"$dir/err"
rc=$?
check "fmwrite --help >/dev/full: exit 2, one line" '[ $rc = 2 ] && one_line "$dir/err" "^fmwrite: WriteFile"'

# Readers polling FILE while a holder writes it: under Wine the holder makes
# its mapping anew after the rename, and a poller may still hold the old one
# open at that moment; the holder must wait for it, not fail with "name
# already taken" (before the fix, 2 of 8 rounds of this did). A poller that
# has FILE itself open at the rename is a documented refusal ("cannot
# replace", FILE left as it was).
rm -rf "${dir:?}"/*
wine build/fmwrite.exe -q -n 1000 "$dir/polled.bin"
taken=0 other=0 polls=0 polls_bad=0
valid="[^ ]*polled.bin: valid, (1000|100000000) integers, checksum [0-9a-f]{16}( \(live mapping \"Local.fmipc-[0-9a-f]{16}\"\))?"
for it in 1 2 3 4 5 6 7 8; do
	wine build/fmwrite.exe --hold 3 -n 100000000 "$dir/polled.bin" >/dev/null 2>"$dir/w.err" &
	wpid=$!
	sleep 0.2
	pollers=
	for k in 1 2 3; do
		(for i in 1 2 3 4 5 6; do
			wine build/fmread.exe -q --check "$dir/polled.bin" >"$dir/poll.$k.$i.out" 2>"$dir/poll.$k.$i.err"
			echo $? >"$dir/poll.$k.$i.rc"
		done) &
		pollers="$pollers $!"
	done
	wait $wpid
	rc=$?
	# shellcheck disable=SC2086
	wait $pollers
	if grep -q "already taken" "$dir/w.err"; then
		taken=$((taken + 1))
	elif [ $rc != 0 ] && ! grep -q "cannot replace" "$dir/w.err"; then
		other=$((other + 1))
	fi
	[ $rc = 0 ] || { echo "    round $it, the holder (exit $rc) said:"; tail -1 "$dir/w.err"; }
	# each poll: the old data or the new, valid; or one honest line (the
	# new data still being written: incomplete; the new file held open by
	# its writer: a sharing violation); never a valid line for anything else.
	# Under Wine, between the rename and the mapping made anew, a poll may
	# first say it does not read the old mapping (a note), then read the file.
	for f in "$dir"/poll.*.rc; do
		p=${f%.rc}
		grep -v "^fmread: not reading live mapping \"Local.fmipc-[0-9a-f]*\": it is not a mapping of \"[^\"]*polled.bin\"; reading the file\$" \
			"$p.err" >"$p.verdict"
		case $(cat "$f") in
		0) grep -qxE "$valid" "$p.out" && [ "$(wc -l <"$p.out")" = 1 ] && [ ! -s "$p.verdict" ] ;;
		2) [ ! -s "$p.out" ] && one_line "$p.verdict" "^fmread: CreateFileW\(\"[^\"]*polled.bin\"\): .* \(error 32\)\$" ;;
		3) [ ! -s "$p.out" ] && one_line "$p.verdict" "incomplete: its writer is still writing it\$" ;;
		*) false ;;
		esac || { polls_bad=$((polls_bad + 1)); echo "    round $it, $p: exit $(cat "$f")"; cat "$p.out" "$p.err"
			[ -s "$p.out" ] || [ -s "$p.err" ] || echo "    (nothing on stdout or stderr)"; }
		polls=$((polls + 1))
	done
	rm -f "$dir"/poll.*
done
check "readers polling FILE while its holder writes and remakes its mapping: never \"name already taken\"" \
	'[ $taken = 0 ] && [ $other = 0 ]'
echo "    $polls polls, $polls_bad wrong"
check "... and every poll said the old data or the new is valid, or one line why not" \
	'[ $polls = 144 ] && [ $polls_bad = 0 ]'

# A FIFO where FILE should be: not a file, never read (it would block) nor replaced
mkfifo "$dir/fifo"
wine build/fmwrite.exe --force "$dir/fifo" 2>"$dir/err"
rc=$?
check "a FIFO as FILE: exit 2, one line that says what it is, and it stays" '[ $rc = 2 ] && [ -p "$dir/fifo" ] &&
	one_line "$dir/err" "^fmwrite: \"[^\"]*fifo\" is not a file but a pipe or a device; \"[^\"]*fifo\" left as it was\$"'

# A file changed under a slow reader (Windows would not let anyone write to
# it; Linux does): what is printed is summed as it is formatted, so fmread
# never exits 0 with data that is not what it checked.
rm -rf "${dir:?}"/*
wine build/fmwrite.exe -q -n 20000000 "$dir/changed.bin"
read_slowly "$dir/changed.bin" \
	'printf "\\377" | dd of="$dir/changed.bin" bs=1 seek=$((64 + 4 * 19000000)) conv=notrunc 2>/dev/null'
check "a file changed while it is printed: exit 3, one line that says so" '[ $rc = 3 ] &&
	one_line "$dir/err" "^fmread: \"[^\"]*changed.bin\": the data changed while it was printed; the output is not valid\$"'

# Names come from what a file is, not how it is spelt. Links and drive
# letters are made from the Linux side; Wine follows them.
rm -rf "${dir:?}"/*
mkdir "$dir/real" "$dir/case"
ln -s real "$dir/linked"
ln -s "$(pwd)/$dir" "$WINEPREFIX/dosdevices/y:"
wine build/fmwrite.exe -q -n 5 "$dir/real/data.bin"
ln -s data.bin "$dir/real/link.bin"
wine build/fmwrite.exe -q -n 7 "$dir/real/link.bin"
wine build/fmread.exe -q "$dir/real/data.bin" >"$dir/out" 2>"$dir/err"
check "fmwrite through a symbolic link replaces the file it points to; the link stays" \
	'[ "$(readlink "$dir/real/link.bin")" = data.bin ] && [ "$(stat -c %s "$dir/real/data.bin")" = 100 ] &&
	seq 0 6 | cmp -s - "$dir/out" && [ ! -s "$dir/err" ]'

# live_read NAME HOLDER-FILE READER-FILE N: a holder of HOLDER-FILE, one
# reader by another spelling, which must attach live and print 0..N-1
live_read() {
	# a w.err of an earlier holder must not be taken for this one's: the
	# shell empties it only once the background job has started
	rm -f "$dir/w.err"
	wine build/fmwrite.exe --hold 60 -n "$4" "$2" 2>"$dir/w.err" &
	wpid=$!
	i=0
	while ! grep -q holding "$dir/w.err" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
	wine build/fmread.exe "$3" >"$dir/out" 2>"$dir/err"
	rc=$?
	n=$4
	f=$failed
	check "$1" '[ $rc = 0 ] && seq 0 $((n - 1)) | cmp -s - "$dir/out" &&
		one_line "$dir/err" "^fmread: attached to live mapping \"Local.fmipc-[0-9a-f]{16}\"\$"'
	wait $wpid
	wrc=$?
	# on failure, the holder's side too: did it hold, and how did it end?
	[ $f = $failed ] || { echo "  holder (exit $wrc) said:"; cat "$dir/w.err"; }
}
live_read "a reader by a symbolic link attaches to the writer of its target" \
	"$dir/real/data.bin" "$dir/real/link.bin" 9
live_read "a reader through a linked folder attaches" "$dir/real/data.bin" "$dir/linked/data.bin" 9
live_read "a reader by another drive letter attaches" "$dir/real/data.bin" 'y:\real\data.bin' 9
live_read "a writer by the link, a reader by the target" "$dir/real/link.bin" "$dir/real/data.bin" 4

# data.bin and DATA.BIN side by side: two files in a case-sensitive folder
# (made from Linux: under Wine "data.bin" finds DATA.BIN, as on Windows)
wine build/fmwrite.exe -q -n 5 "$dir/case/DATA.BIN"
wine build/fmwrite.exe -q -n 3 "$dir/case/other.bin"
mv "$dir/case/other.bin" "$dir/case/data.bin"
rm -f "$dir/w.err"
wine build/fmwrite.exe --hold 60 -n 4 "$dir/case/data.bin" 2>"$dir/w.err" &
wpid=$!
i=0
while ! grep -q holding "$dir/w.err" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
wine build/fmread.exe -q "$dir/case/DATA.BIN" >"$dir/out" 2>"$dir/err"
check "data.bin held, DATA.BIN read: its own integers, not data.bin's" \
	'seq 0 4 | cmp -s - "$dir/out" && [ ! -s "$dir/err" ]'
wine build/fmwrite.exe -q -n 6 "$dir/case/DATA.BIN" 2>"$dir/err"
check "... and written: not refused as data.bin's name" \
	'[ ! -s "$dir/err" ] && [ "$(stat -c %s "$dir/case/DATA.BIN")" = 96 ]'
wine build/fmread.exe "$dir/case/data.bin" >"$dir/out" 2>"$dir/err"
check "... while data.bin's holder still serves data.bin" 'seq 0 3 | cmp -s - "$dir/out" &&
	one_line "$dir/err" "^fmread: attached to live mapping \"Local.fmipc-[0-9a-f]{16}\"\$" ||
	{ echo "  got on stdout:"; head -c 200 "$dir/out"; false; }'
wait $wpid
rm -f "$WINEPREFIX/dosdevices/y:"

# Two tmpfs mounts: under Wine both report volume serial 0 and their first
# files the same inode number. The same name in each is still two files.
mkdir -p "$dir/m1" "$dir/m2"
if mount -t tmpfs -o size=4m tmpfs "$dir/m1" 2>/dev/null && mount -t tmpfs -o size=4m tmpfs "$dir/m2" 2>/dev/null; then
	wine build/fmwrite.exe -q -n 7 "$dir/m2/data.bin"
	rm -f "$dir/w.err"
	wine build/fmwrite.exe --hold 60 -n 3 "$dir/m1/data.bin" 2>"$dir/w.err" &
	wpid=$!
	i=0
	while ! grep -q holding "$dir/w.err" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
	wine build/fmread.exe "$dir/m2/data.bin" >"$dir/out" 2>"$dir/err"
	check "two mounts, one name each: m1's holder is not read for m2/data.bin" \
		'seq 0 6 | cmp -s - "$dir/out" && one_line "$dir/err" "^fmread: reading file "'
	wine build/fmwrite.exe -q -n 9 "$dir/m2/data.bin" 2>"$dir/err"
	check "... and m2/data.bin is written while m1/data.bin is held" \
		'[ ! -s "$dir/err" ] && [ "$(stat -c %s "$dir/m2/data.bin")" = 108 ]'
	wine build/fmread.exe -q "$dir/m1/data.bin" >/dev/null 2>&1
	wait $wpid
	umount "$dir/m1" "$dir/m2"
else
	umount "$dir/m1" 2>/dev/null
	skipped=$((skipped + 2))
	echo "SKIP two tmpfs mounts: cannot mount here (not root?)"
fi

rm -rf "${dir:?}"/*
echo "host: $passed passed, $failed failed, $skipped skipped"
[ $failed = 0 ]
