/*
 * writefile - baseline for `make bench`: the same bytes fmwrite writes, with
 * WriteFile in 1 MiB chunks, then FlushFileBuffers. No mapping.
 *   writefile FILE COUNT
 */
#include <windows.h>
#include <stdlib.h>
#include <wchar.h>

#include "../memdata.h"

static char buf[1 << 20];

int wmain(int argc, wchar_t **argv)
{
	uint64_t count = argc == 3 ? _wcstoui64(argv[2], NULL, 10) : 0, i, n;
	struct md_header h;
	struct md_sum sum;
	HANDLE f;
	DWORD done;
	size_t used = sizeof h;

	if (count == 0)
		return 1;
	f = CreateFileW(argv[1], GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);
	if (f == INVALID_HANDLE_VALUE)
		return 2;
	md_init_header(&h, count);
	md_sum_init(&sum);
	for (i = 0; i < count; i += n) {
		n = (sizeof buf - used) / 4;
		if (n > count - i)
			n = count - i;
		md_fill(&sum, (int32_t *)(buf + used), (size_t)n, (uint32_t)i);
		used += (size_t)n * 4;
		if (!WriteFile(f, buf, (DWORD)used, &done, NULL) || done != used)
			return 2;
		used = 0;
	}
	h.checksum = md_sum_final(&sum);
	h.state = MD_COMPLETE;
	SetFilePointer(f, 0, NULL, FILE_BEGIN);
	if (!WriteFile(f, &h, sizeof h, &done, NULL) || !FlushFileBuffers(f) || !CloseHandle(f))
		return 2;
	return 0;
}
