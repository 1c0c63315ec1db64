# The MSVC ABI without Windows: clang-cl and lld-link (Debian clang, lld)
# against Wine's own Windows SDK headers and import libraries (libwine-dev).
# The programs it builds run under Wine like the MinGW ones.
#   cmake -B build/msvc -G Ninja -DCMAKE_TOOLCHAIN_FILE=cmake/clang-cl-wine.cmake
# On Windows, none of this is needed: Visual Studio's own cl or clang-cl
# and the Windows SDK build the same CMakeLists.txt.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR AMD64)

file(GLOB llvm /usr/lib/llvm-*/bin)     # Debian's clang-cl is only there
find_program(CMAKE_C_COMPILER NAMES clang-cl PATHS ${llvm} REQUIRED)
find_program(CMAKE_LINKER NAMES lld-link PATHS ${llvm} REQUIRED)
find_program(CMAKE_MT NAMES llvm-mt PATHS ${llvm} REQUIRED)
set(CMAKE_C_COMPILER_TARGET x86_64-pc-windows-msvc)

set(WINE_SDK /usr/include/wine/wine)
set(WINE_LIBS /usr/lib/x86_64-linux-gnu/wine/x86_64-windows)

# Wine's headers: the Windows SDK's and the C runtime's (UCRT). /GS- because
# the security cookie is in MSVC's static runtime, which Wine does not ship.
# cl's /W4 warns of narrowing conversions (C4244, C4267), clang-cl's does
# not: -Wconversion stands in.
set(CMAKE_C_FLAGS_INIT "-imsvc ${WINE_SDK}/msvcrt -imsvc ${WINE_SDK}/windows /D_UCRT /GS- -Wconversion -Wno-sign-conversion")

# Wine's import libraries are named libX.a; CMake's rules ask for X.lib.
# A folder of X.lib links to them serves both.
set(lib_links ${CMAKE_BINARY_DIR}/wine-lib)
file(MAKE_DIRECTORY ${lib_links})
foreach(lib ucrtbase kernel32 advapi32 winecrt0)
	file(CREATE_LINK ${WINE_LIBS}/lib${lib}.a ${lib_links}/${lib}.lib SYMBOLIC)
endforeach()
# The entry point, wmainCRTStartup, comes from Wine's winecrt0, which is LGPL
# code linked into each program: fine for testing, not for shipping. Named,
# because Wine's libucrtbase.a also holds a main() that lld-link would pick;
# every program here has wmain, so CMake's own checks compile without linking.
set(CMAKE_EXE_LINKER_FLAGS_INIT "\"/libpath:${lib_links}\" /nodefaultlib /entry:wmainCRTStartup")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_STANDARD_LIBRARIES "ucrtbase.lib winecrt0.lib kernel32.lib" CACHE STRING "" FORCE)

# ctest runs the programs (e2e) under Wine
find_program(CMAKE_CROSSCOMPILING_EMULATOR wine)
