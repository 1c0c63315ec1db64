#!/bin/sh
# Installs what `make demo`, `make test` and `make bench` need on Debian or
# Ubuntu, once (apt-get; the workflow validator from npm, into build/).
set -e
need=
have() { command -v "$1" >/dev/null 2>&1; }
have x86_64-w64-mingw32-gcc || need="$need gcc-mingw-w64-x86-64"
have i686-w64-mingw32-gcc || need="$need gcc-mingw-w64-i686"
have wine || need="$need wine wine64"
have clang || need="$need clang"
have gcc || need="$need gcc libc6-dev"
have hyperfine || need="$need hyperfine"
have clang-tidy || need="$need clang-tidy"
have cppcheck || need="$need cppcheck"
have script || need="$need bsdutils"
[ -x /usr/bin/time ] || need="$need time"
# the MSVC-ABI build: clang-cl, lld-link, llvm-mt and Wine's Windows SDK;
# CMake and Ninja; npm for the workflow validator (make lint)
ls /usr/lib/llvm-*/bin/clang-cl >/dev/null 2>&1 || need="$need clang-tools"
have lld-link || need="$need lld"
have llvm-mt || need="$need llvm"
[ -f /usr/include/wine/wine/windows/windows.h ] || need="$need libwine-dev"
have cmake || need="$need cmake"
have ninja || need="$need ninja-build"
have npm || need="$need npm"
# libFuzzer and the sanitizers' runtime for clang
ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 ||
	need="$need libclang-rt-dev"
[ -z "$need" ] && exit 0
echo "deps: installing$need"
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $need
