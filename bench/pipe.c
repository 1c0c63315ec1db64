/*
 * pipe - baseline for `make bench` (follow mode): the integers fmwrite puts
 * in memory, sent instead through an anonymous pipe (CreatePipe, WriteFile
 * of 1 MiB) to a second process that reads up to 1 MiB at a time and sums
 * them, as fmread --follow --check sums what it takes.
 *   pipe COUNT           fills and writes; starts "pipe --read COUNT" to read
 * Exit 0 when the reader got COUNT integers, each summed.
 */
#include <windows.h>
#include <stdlib.h>
#include <wchar.h>

#include "../memdata.h"

static char buf[1 << 20];

static int reader(uint64_t count)
{
	HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
	struct md_sum sum;
	size_t have = 0, whole;
	DWORD n;

	md_sum_init(&sum);
	while (ReadFile(in, buf + have, (DWORD)(sizeof buf - have), &n, NULL) && n > 0) {
		have += n;
		whole = have / 4 * 4;
		md_sum_add(&sum, (const int32_t *)buf, whole / 4);
		memmove(buf, buf + whole, have - whole);
		have -= whole;
	}
	return sum.n == count && have == 0 ? 0 : 3;
}

int wmain(int argc, wchar_t **argv)
{
	SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	wchar_t self[MAX_PATH], line[MAX_PATH + 64];
	uint64_t count, i, n;
	struct md_sum sum;
	HANDLE r, w;
	DWORD done, code = 2;

	if (argc == 3 && wcscmp(argv[1], L"--read") == 0)
		return reader(_wcstoui64(argv[2], NULL, 10));
	if (argc != 2 || (count = _wcstoui64(argv[1], NULL, 10)) == 0)
		return 1;
	if (!CreatePipe(&r, &w, &sa, sizeof buf) || !SetHandleInformation(w, HANDLE_FLAG_INHERIT, 0))
		return 2;
	GetModuleFileNameW(NULL, self, MAX_PATH);
	swprintf(line, MAX_PATH + 64, L"\"%ls\" --read %llu", self, (unsigned long long)count);
	memset(&si, 0, sizeof si);
	si.cb = sizeof si;
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = r;
	si.hStdOutput = GetStdHandle(STD_OUTPUT_HANDLE);
	si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
	if (!CreateProcessW(NULL, line, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi))
		return 2;
	CloseHandle(r);
	md_sum_init(&sum);
	for (i = 0; i < count; i += n) {
		n = count - i < sizeof buf / 4 ? count - i : sizeof buf / 4;
		md_fill(&sum, (int32_t *)buf, (size_t)n, (uint32_t)i);
		if (!WriteFile(w, buf, (DWORD)(n * 4), &done, NULL) || done != n * 4)
			break;
	}
	CloseHandle(w);
	WaitForSingleObject(pi.hProcess, INFINITE);
	GetExitCodeProcess(pi.hProcess, &code);
	return (int)code;
}
