/*
 * mapwrite - baseline for `make bench`: what most mapping code does. One
 * view of the whole file at the address the system picks, filled, flushed.
 *   mapwrite FILE COUNT
 */
#include <windows.h>
#include <stdlib.h>
#include <wchar.h>

#include "../memdata.h"

int wmain(int argc, wchar_t **argv)
{
	uint64_t count = argc == 3 ? _wcstoui64(argv[2], NULL, 10) : 0;
	uint64_t size = md_file_size(count);
	struct md_header *h;
	struct md_sum sum;
	HANDLE f, m;

	if (count == 0)
		return 1;
	f = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
	    FILE_ATTRIBUTE_NORMAL, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return 2;
	m = CreateFileMappingW(f, NULL, PAGE_READWRITE, (DWORD)(size >> 32), (DWORD)size, NULL);
	if (m == NULL || (h = MapViewOfFile(m, FILE_MAP_WRITE, 0, 0, 0)) == NULL)
		return 2;
	md_init_header(h, count);
	md_sum_init(&sum);
	md_fill(&sum, (int32_t *)(h + 1), (size_t)count, 0);
	h->checksum = md_sum_final(&sum);
	h->state = MD_COMPLETE;
	if (!FlushViewOfFile(h, 0) || !UnmapViewOfFile(h) || !CloseHandle(m) ||
	    !FlushFileBuffers(f) || !CloseHandle(f))
		return 2;
	return 0;
}
