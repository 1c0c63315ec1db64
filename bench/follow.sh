#!/usr/bin/env bash
# bench/follow.sh MODE COUNT DIR: one timed round of follow mode for
# bench/run.sh (which times it with hyperfine, or reads the time it prints).
#   transport    fmwrite --no-file --hold, fmread --follow --check: writer
#                start to reader end (the holder is ended after, untimed
#                by the reader)
#   overlap      fmwrite --hold, fmread --follow printing into a pipe
#   sequential   fmwrite, then fmread printing into a pipe
#   followed     fmwrite with a follower printing to /dev/null, started half
#                a second before (its own start-up is not the writer's
#                cost); prints the writer's own time in seconds
#   checked      the same with a follower that checks only (--check)
#   alone        fmwrite alone; prints its time the same way
set -euo pipefail
mode=$1 n=$2 d=$3
B=build
now() { date +%s%N; }
case $mode in
transport)
	wine $B/fmwrite.exe --no-file --name fmbench --hold 60 -q -n "$n" &
	w=$!
	wine $B/fmread.exe --follow --check --wait 60 -q --name fmbench >/dev/null
	kill "$w"
	wait "$w" || true
	;;
overlap)
	wine $B/fmwrite.exe --hold 60 -q -n "$n" "$d/o.bin" &
	wine $B/fmread.exe --follow --wait 60 -q "$d/o.bin" | cat >/dev/null
	wait
	;;
sequential)
	wine $B/fmwrite.exe -q -n "$n" "$d/s.bin"
	wine $B/fmread.exe -q "$d/s.bin" | cat >/dev/null
	;;
followed | checked | alone)
	if [ "$mode" = followed ]; then
		wine $B/fmread.exe --follow --wait 60 -q "$d/f.bin" >/dev/null &
	elif [ "$mode" = checked ]; then
		wine $B/fmread.exe --follow --check --wait 60 -q "$d/f.bin" >/dev/null &
	fi
	[ "$mode" = alone ] || sleep 0.5
	t0=$(now)
	wine $B/fmwrite.exe -q -n "$n" "$d/f.bin"
	t1=$(now)
	wait
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", (b - a) / 1e9 }'
	;;
*)
	echo "bench/follow.sh: unknown mode $mode" >&2
	exit 1
	;;
esac
