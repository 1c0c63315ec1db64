/*
 * wait.h - waiting for a writer (wait.c).
 */
#ifndef WAIT_H
#define WAIT_H

#include "args.h"
#include "common.h"

/* What a reader waits on; see read_any. */
struct waiting {
	HANDLE ready;            /* NAME.ready */
	HANDLE writer;           /* NAME.writer, once a writer of this user's has made it */
	int stale;               /* .ready was found set with nothing to read */
	int idle;                /* NAME.writer's writer ended well; kept open for the next one */
	int foreign;             /* NAME.writer is another user's: not to be asked again */
	int writer_died;         /* it was abandoned: its writer stopped short */
};

int wait_writer(const wchar_t *name, const wchar_t *subject, struct waiting *wt, DWORD ms,
    ULONGLONG since, int begun);
int wait_once(const struct args *a, const wchar_t *name, struct waiting *wt, ULONGLONG end);

#endif /* WAIT_H */
