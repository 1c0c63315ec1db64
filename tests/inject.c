/*
 * inject.c - the counter behind tests/inject.h, one for the whole process.
 * A call that fails says so first on stderr ("fm-inject: ..."), so the test
 * knows a run in which nothing failed: N has passed the last call.
 */
#include <stdlib.h>

#include "inject.h"

#undef WriteFile

int fm_fail_now(void)
{
	static const char mark[] = "fm-inject: this call fails\n";
	static volatile LONG calls;
	static LONG at = -1;
	DWORD n;

	if (at < 0) {
		const char *s = getenv("FM_FAIL");

		at = s != NULL ? atol(s) : 0;
	}
	if (at <= 0 || InterlockedIncrement(&calls) != at)
		return 0;
	WriteFile(GetStdHandle(STD_ERROR_HANDLE), mark, sizeof mark - 1, &n, NULL);
	return 1;
}
