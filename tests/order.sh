#!/bin/sh
# order.sh - the publishing protocol's memory order, checked where it
# matters: compiled for ARM64 (clang, aarch64-w64-mingw32, mingw-w64's
# headers; compiled to assembly only), the writer's stores of `published`
# and `state` must be release stores (stlr) and the reader's loads of them
# acquire loads (ldar). On x86 and x64 any store and load would pass, which
# is why a plain store once did.
set -eu
out=${1:-build}/a64
mkdir -p "$out"
failed=0
for f in blocks fmwrite header; do
	clang --target=aarch64-w64-mingw32 -isystem /usr/share/mingw-w64/include \
		-std=c11 -O2 -S -o "$out/$f.s" "$f.c"
done
# want FILE INSTRUCTION AT-LEAST WHAT
want() {
	n=$(grep -c "^[[:space:]]*$2[[:space:]]" "$out/$1.s" || true)
	if [ "$n" -ge "$3" ]; then
		echo "order: $1.c: $n $2 ($4)"
	else
		echo "FAIL order: $1.c: $n $2, want at least $3 ($4)"
		failed=1
	fi
}
want blocks stlr 1 "a block's published count, stored with release"
want fmwrite stlr 2 "the final published count and state, stored with release"
want header ldar 2 "state and published count, loaded with acquire"
exit $failed
