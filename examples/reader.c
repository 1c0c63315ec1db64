/*
 * reader.c - the smallest whole reader: opens the mapping writer.exe holds,
 * by name and read-only, and prints its integers once they are published.
 * (fmread also checks that this user owns what it opened: security.c.)
 *
 *   reader
 *
 * Build: make examples, or  cl reader.c
 */
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <stdint.h>
#include <stdio.h>

#define NAME L"Local\\fm-example"
#define MAX 1000000
#if defined(__GNUC__) || defined(__clang__)
#define load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#else
#define load_acquire(p) ((uint64_t)ReadAcquire64((const volatile LONG64 *)(p)))
#endif

static int fail(const char *what)
{
	fprintf(stderr, "reader: %s failed (error %lu)\n", what, GetLastError());
	return 2;
}

int wmain(void)
{
	const uint64_t *head;
	const int32_t *data;
	SYSTEM_INFO si;
	HANDLE map;
	uint64_t count, i;

	/* error 2: nobody holds the name (the mapping ends with its last handle) */
	if ((map = OpenFileMappingW(FILE_MAP_READ, FALSE, NAME)) == NULL)
		return fail("OpenFileMappingW");
	if ((head = MapViewOfFile(map, FILE_MAP_READ, 0, 0, sizeof *head)) == NULL)
		return fail("MapViewOfFile");
	/* an acquire load: what the writer stored before its count is visible now */
	count = load_acquire(head);
	if (count == 0 || count > MAX) {
		fprintf(stderr, "reader: nothing published yet\n");
		return 3;
	}
	/* the data's view starts at the allocation granularity, as the writer put it */
	GetSystemInfo(&si);
	data = MapViewOfFile(map, FILE_MAP_READ, 0, si.dwAllocationGranularity,
	    (SIZE_T)count * sizeof *data);
	if (data == NULL)
		return fail("MapViewOfFile");
	for (i = 0; i < count; i++)
		printf("%ld\n", (long)data[i]);
	UnmapViewOfFile(data);
	UnmapViewOfFile(head);
	CloseHandle(map);
	return ferror(stdout) ? 2 : 0;
}
