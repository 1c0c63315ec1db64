#!/usr/bin/env bash
# make bench: fmwrite against a WriteFile writer and a one-view mapping
# writer, fmread against GNU seq, side by side under Wine; medians of
# hyperfine runs, as ratios. Writes the table to build/bench.md.
# Not a test: the numbers depend on the machine and how busy it is.
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null   # Wine needs fd 0 open
B=build
D=$B/bench
SIZES=${BENCH_SIZES-"1000000 100000000 1100000000"}   # BENCH_SIZES= (empty): follow mode only
mkdir -p "$D"
rm -f "$D"/*
# a persistent wineserver, so no run pays for starting it (a running one
# would exit a second after its last client, and -p cannot change that).
# Killing it ends every Wine program of build/wine, which then exits 0 with
# its output cut short: run nothing else there during a bench.
wineserver -k 2>/dev/null || true
wineserver -w
wineserver -p
trap 'rm -f "$D"/*.bin "$D"/*.txt; pkill -P $$ -x sleep || true; wineserver -k || true' EXIT
# And one idle Wine program throughout (cmd's pause, on a pipe from a sleep):
# when Wine's last program exits, Wine shuts its desktop down, and a program
# started meanwhile waited about 1.5 s for it to come back (about every 3 s
# of programs run one at a time, measured).
sleep 86400 2>/dev/null | wine cmd /c pause >/dev/null 2>&1 &
wine "$B/fmread.exe" --version >/dev/null

runs() { if [ "$1" -le 1000000 ]; then echo 20; elif [ "$1" -le 100000000 ]; then echo 10; else echo 2; fi; }
median() { awk -F, -v name="$2" '$1 == name { print $4 }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
secs() { awk -v a="$1" 'BEGIN { printf "%.3f s", a }'; }
rss() { /usr/bin/time -f %M -o "$D/rss" "$@" >/dev/null 2>&1; awk '{ printf "%.0f MiB", $1 / 1024 }' "$D/rss"; }
# each timed run starts from a clean, synced folder: freeing blocks is not its
# cost. And from a quiet Wine: a program started within about 0.1 s of the
# last one's exit took 45-50 ms instead of 10-12 ms, even for --version.
# hyperfine -N runs --prepare without a shell too: hence sh -c.
clean="sh -c 'rm -f $D/*.bin $D/out*; sync; sleep 0.3'"

{
	echo "| integers | fmwrite | WriteFile writer | fmwrite / WriteFile (goal <= 1.0) | one-view mapping writer | fmwrite / one-view (goal <= 0.4) |"
	echo "|---:|---:|---:|---:|---:|---:|"
} >"$D/write.md"
{
	echo "| integers | fmread to a pipe | seq to a pipe | ratio (goal <= 0.4) | fmread to a file | seq to a file | ratio (goal <= 0.4) |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
} >"$D/read.md"
{
	echo "| integers | fmwrite | fmread | WriteFile writer | one-view mapping writer |"
	echo "|---:|---:|---:|---:|---:|"
} >"$D/rss.md"
{
	echo "| integers | sums in fmwrite's fill | share of fmwrite (goal about 10%) | fmread --check | start-up | checking pass | share of fmread to a pipe (goal about 10%) | one pass, one thread, natively |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$D/sum.md"

for n in $SIZES; do
	r=$(runs "$n")
	hyperfine -N --style basic --runs "$r" --prepare "$clean" --export-csv "$D/w$n.csv" \
		-n fmwrite "wine $B/fmwrite.exe -q -n $n $D/a.bin" \
		-n writefile "wine $B/writefile.exe $D/b.bin $n" \
		-n mapwrite "wine $B/mapwrite.exe $D/c.bin $n"
	fw=$(median "$D/w$n.csv" fmwrite)
	wf=$(median "$D/w$n.csv" writefile)
	mw=$(median "$D/w$n.csv" mapwrite)
	echo "| $n | $(secs "$fw") | $(secs "$wf") | **$(ratio "$fw" "$wf")** | $(secs "$mw") | **$(ratio "$fw" "$mw")** |" >>"$D/write.md"

	wine "$B/fmwrite.exe" -q -n "$n" "$D/in.dat"
	last=$((n - 1))
	hyperfine -N --style basic --runs "$r" --prepare "sleep 0.3" --output=pipe --export-csv "$D/p$n.csv" \
		-n fmread "wine $B/fmread.exe -q $D/in.dat" -n seq "seq 0 $last"
	hyperfine --style basic --runs "$r" --prepare "$clean" --export-csv "$D/f$n.csv" \
		-n fmread "wine $B/fmread.exe -q $D/in.dat > $D/out1" -n seq "seq 0 $last > $D/out2"
	fp=$(median "$D/p$n.csv" fmread)
	sp=$(median "$D/p$n.csv" seq)
	ff=$(median "$D/f$n.csv" fmread)
	sf=$(median "$D/f$n.csv" seq)
	echo "| $n | $(secs "$fp") | $(secs "$sp") | **$(ratio "$fp" "$sp")** | $(secs "$ff") | $(secs "$sf") | **$(ratio "$ff" "$sf")** |" >>"$D/read.md"

	echo "| $n | $(rss wine "$B/fmwrite.exe" -q -n "$n" "$D/a.bin") | $(rss wine "$B/fmread.exe" -q "$D/in.dat") |" \
		"$(rss wine "$B/writefile.exe" "$D/b.bin" "$n") | $(rss wine "$B/mapwrite.exe" "$D/c.bin" "$n") |" >>"$D/rss.md"

	# the checksum: fused into fmwrite's fill, so it costs what summing
	# blocks still in the cache costs; fmread's is a pass of its own
	read -r mem cached < <("$B/sumbench" "$n")
	hyperfine -N --style basic --runs "$r" --prepare "sleep 0.3" --export-csv "$D/c$n.csv" \
		-n check "wine $B/fmread.exe -q --check $D/in.dat" -n start "wine $B/fmread.exe --version"
	fc=$(median "$D/c$n.csv" check)
	st=$(median "$D/c$n.csv" start)
	pass=$(awk -v a="$fc" -v b="$st" 'BEGIN { d = a - b; printf "%.6f", (d > 0 ? d : 0) }')
	echo "| $n | $(secs "$cached") | **$(awk -v a="$cached" -v b="$fw" 'BEGIN { printf "%.0f%%", 100 * a / b }')** |" \
		"$(secs "$fc") | $(secs "$st") | $(secs "$pass") |" \
		"**$(awk -v a="$pass" -v b="$fp" 'BEGIN { printf "%.0f%%", 100 * a / b }')** | $(secs "$mem") |" >>"$D/sum.md"
	rm -f "$D"/*.bin "$D"/in.dat "$D"/out*
done

# follow mode (fmread --follow), at BENCH_FOLLOW integers (10^8), side by
# side with its baselines; the follower's peak memory at every size
fn=${BENCH_FOLLOW:-100000000}
hyperfine -N --style basic --runs 10 --prepare "$clean" --export-csv "$D/t.csv" \
	-n transport "bash bench/follow.sh transport $fn $D" -n pipe "wine $B/pipe.exe $fn"
hyperfine -N --style basic --runs 10 --prepare "$clean" --export-csv "$D/o.csv" \
	-n overlap "bash bench/follow.sh overlap $fn $D" -n sequential "bash bench/follow.sh sequential $fn $D"
# the writer's own time (not the follower's), alone and followed, in turns
: >"$D/alone.times"
: >"$D/followed.times"
: >"$D/checked.times"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	for mode in alone followed checked; do
		sh -c "rm -f $D/*.bin; sync; sleep 0.3"
		bash bench/follow.sh "$mode" "$fn" "$D" >>"$D/$mode.times"
	done
done
med() { sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
tr=$(median "$D/t.csv" transport)
pp=$(median "$D/t.csv" pipe)
ov=$(median "$D/o.csv" overlap)
sq=$(median "$D/o.csv" sequential)
al=$(med "$D/alone.times")
fo=$(med "$D/followed.times")
fc=$(med "$D/checked.times")
{
	echo "| integers | transport: fmwrite --no-file --hold, fmread --follow --check | the same bytes through a pipe | ratio (goal <= 0.33) | overlap: fmwrite --hold, fmread --follow into a pipe | fmwrite, then fmread into a pipe | ratio (goal <= 0.75) |"
	echo "|---:|---:|---:|---:|---:|---:|---:|"
	echo "| $fn | $(secs "$tr") | $(secs "$pp") | **$(ratio "$tr" "$pp")** | $(secs "$ov") | $(secs "$sq") |" \
		"**$(ratio "$ov" "$sq")** |"
	echo
	echo "| integers | fmwrite alone | with a follower printing to /dev/null | ratio (goal <= 1.10) | with a follower that checks only | ratio |"
	echo "|---:|---:|---:|---:|---:|---:|"
	echo "| $fn | $(secs "$al") | $(secs "$fo") | **$(ratio "$fo" "$al")** | $(secs "$fc") | **$(ratio "$fc" "$al")** |"
	echo
	echo "| integers | follower's peak memory, printing (goal < 256 MiB) | with --check (goal < 256 MiB) |"
	echo "|---:|---:|---:|"
} >"$D/follow.md"
for n in ${BENCH_RSS:-$SIZES}; do
	wine "$B/fmwrite.exe" --hold 60 -q -n "$n" "$D/m1.bin" &
	w=$!
	p1=$(rss wine "$B/fmread.exe" --follow --wait 60 -q "$D/m1.bin")
	wait "$w"
	wine "$B/fmwrite.exe" --hold 60 -q -n "$n" "$D/m2.bin" &
	w=$!
	p2=$(rss wine "$B/fmread.exe" --follow --check --wait 60 -q "$D/m2.bin")
	kill "$w"
	wait "$w" || true
	echo "| $n | $p1 | $p2 |" >>"$D/follow.md"
	rm -f "$D"/*.bin
done

{
	echo "## Benchmark: $(date -u +%Y-%m-%d)"
	echo
	echo "Machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)," \
		"$(wine --version), $(hyperfine --version). Medians of hyperfine runs; each write starts" \
		"from a synced folder with no old files. Every writer ends with its data on disk (FlushFileBuffers)."
	echo
	echo "### Writing (time)"
	echo
	cat "$D/write.md"
	echo
	echo "### Printing (time)"
	echo
	cat "$D/read.md"
	echo
	echo "### Peak resident memory"
	echo
	echo "From /usr/bin/time, the Wine process included."
	echo
	cat "$D/rss.md"
	echo
	echo "### The checksum's cost"
	echo
	echo "fmwrite sums each 16 KiB block as it fills it, while the block is in the cache: bench/sumbench.c"
	echo "times that natively (md_sum_add over the same count, 4096 integers at a time from a cached block)."
	echo "fmread checks in a pass of its own, on two threads, before printing: its time is fmread --check"
	echo "less a start-up (fmread --version), both medians. Shares are of the medians above."
	echo
	cat "$D/sum.md"
	echo
	echo "### Follow mode"
	echo
	echo "Transport and overlap: wall time from the writer's start to the reader's end, as bench/follow.sh"
	echo "runs them; the pipe is bench/pipe.c (CreatePipe, 1 MiB writes and reads, the reader summing)."
	echo "fmwrite's own time alone and with a follower attached (started half a second before it), in"
	echo "turns, medians of 10."
	echo
	cat "$D/follow.md"
} >"$B/bench.md"
cat "$B/bench.md"
