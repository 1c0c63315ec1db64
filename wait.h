/*
 * wait.h - waiting for a writer (wait.c).
 */
#ifndef WAIT_H
#define WAIT_H

#include "args.h"
#include "common.h"

/* What a reader waits on; see read_any and follow. */
struct waiting {
	HANDLE ready;            /* NAME.ready */
	HANDLE writer;           /* NAME.writer: this user's, found or made by this reader */
	HANDLE look;             /* the thread of a look at it under way (wait.c) */
	HANDLE stop;             /* set: a look under way stops */
	HANDLE timer;            /* a high-resolution timer for the follower's short sleeps */
	int no_timer;            /* the system has none: Sleep */
	DWORD look_ms;           /* how long the look may last */
	volatile DWORD answer;   /* what it found: WAIT_OBJECT_0, WAIT_TIMEOUT, WAIT_ABANDONED or WAIT_FAILED */
	volatile DWORD look_err; /* WAIT_FAILED's error */
	int answered;            /* a look has answered since the follow began (watch_afresh) */
	int stale;               /* .ready was found set with nothing to read */
	int at_work;             /* a writer owns NAME.writer */
	int foreign;             /* NAME.writer is another user's: not to be asked again */
	int writer_died;         /* it was abandoned: its writer stopped short */
};

/*
 * The process's one watcher: a reader that waits for a mapping and then
 * follows it sees NAME.writer through one history (a look still under way,
 * a death already learnt).
 */
extern struct waiting writer_watch;

int wait_writer(const wchar_t *name, const wchar_t *subject, struct waiting *wt, DWORD ms,
    ULONGLONG since);
int wait_once(const struct args *a, const wchar_t *name, struct waiting *wt, ULONGLONG end);
void end_watch(const wchar_t *name, struct waiting *wt);
int watch_afresh(const wchar_t *name, struct waiting *wt);

#endif /* WAIT_H */
