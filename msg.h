/*
 * msg.h - what the programs say (msg.c): error lines, notes, stdout text,
 * the progress line.
 */
#ifndef MSG_H
#define MSG_H

#include "args.h"
#include "common.h"
#include "line.h"

#include <stdarg.h>

/* Lines on stdout and stderr, each made whole (line.h) and written under one lock. */
int print_text(const wchar_t *fmt, ...);
int print_line(const wchar_t *fmt, ...);
void say_error(const wchar_t *fmt, ...);
void say_note(const wchar_t *fmt, ...);
void set_fate(const wchar_t *fmt, ...);
void say_info(const struct args *a, const wchar_t *fmt, ...);
int fail_call(const wchar_t *call, const wchar_t *subject, DWORD err);
void warn_call(const wchar_t *call, const wchar_t *subject, DWORD err);
void close_handle(HANDLE h, const wchar_t *subject);
int fail_with(int code, const wchar_t *fmt, ...);
int write_all(HANDLE h, const void *buf, DWORD len);
void say_error_ending(const wchar_t *fmt, va_list ap);

/* Progress on a console: "fmwrite: 45% 1234 MB/s", rewritten in place. */
struct progress {
	HANDLE console;          /* stderr if it is a console and not -q; else NULL */
	const wchar_t *what;
	uint64_t total;          /* bytes the whole job passes over */
	volatile LONG64 done;
	ULONGLONG start;
	volatile LONG64 shown;   /* when it last printed (ms); 0: never */
};

void progress_start(struct progress *p, const struct args *a, const wchar_t *what, uint64_t total);
void progress_add(struct progress *p, uint64_t bytes);
void progress_end(struct progress *p);

#endif /* MSG_H */
