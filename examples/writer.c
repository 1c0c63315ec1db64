/*
 * writer.c - the smallest whole writer: 1000 integers in a named mapping of
 * the paging file, open to this user alone, held for SECONDS (default 30)
 * while reader.exe reads them. Build: make examples, or cl writer.c advapi32.lib
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <sddl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define NAME L"Local\\fm-example"   /* Local\: this logon session's names */
#define COUNT 1000
#if defined(__GNUC__) || defined(__clang__)
#define store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#else
#define store_release(p, v) WriteRelease64((volatile LONG64 *)(p), (LONG64)(v))
#endif

static int fail(const char *what)
{
	fprintf(stderr, "writer: %s failed (error %lu)\n", what, GetLastError());
	return 2;
}

int wmain(int argc, wchar_t **argv)
{
	union { TOKEN_USER tu; unsigned char b[256]; } me;
	SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, FALSE };
	wchar_t *sid, sddl[128];
	HANDLE token, map;
	SYSTEM_INFO si;
	unsigned char *view;
	DWORD n, i;

	/* a DACL of one entry, this user's SID ("OW" would do on Windows, not under Wine) */
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token) ||
	    !GetTokenInformation(token, TokenUser, &me, sizeof me.b, &n) ||
	    !ConvertSidToStringSidW(me.tu.User.Sid, &sid) || swprintf(sddl, 128, L"D:P(A;;GA;;;%ls)", sid) < 0 ||
	    !ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl, 1, &sa.lpSecurityDescriptor, NULL))
		return fail("a DACL for this user");
	/* views start at multiples of the allocation granularity: the count at 0, the data at 64 KiB */
	GetSystemInfo(&si);
	map = CreateFileMappingW(INVALID_HANDLE_VALUE, &sa, PAGE_READWRITE, 0,
	    si.dwAllocationGranularity + COUNT * sizeof(int32_t), NAME);
	if (map == NULL || GetLastError() == ERROR_ALREADY_EXISTS)   /* someone else's: never ours */
		return fail(map == NULL ? "CreateFileMappingW" : "a new mapping (the name is taken)");
	if ((view = MapViewOfFile(map, FILE_MAP_WRITE, 0, 0, 0)) == NULL)
		return fail("MapViewOfFile");
	for (i = 0; i < COUNT; i++)
		((int32_t *)(view + si.dwAllocationGranularity))[i] = (int32_t)i;
	store_release((uint64_t *)view, (uint64_t)COUNT);   /* published: after the data, in order */
	printf("writer: %d integers in %ls\n", COUNT, NAME);
	fflush(stdout);
	Sleep((argc > 1 ? (DWORD)wcstoul(argv[1], NULL, 10) : 30) * 1000);
	UnmapViewOfFile(view);
	CloseHandle(map);        /* the last handle: the memory is gone */
	return 0;
}
