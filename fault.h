/*
 * fault.h - the one way out after an exception, and the handler of faults
 * in views (fault.c).
 */
#ifndef FAULT_H
#define FAULT_H

#include "common.h"
#include "views.h"

void on_fault(struct window w[2], int code, const wchar_t *what, const wchar_t *why,
    const wchar_t *file);
void off_fault(struct window w[2]);
void on_abort(void (*abandon)(void));
void abort_with(int code, const wchar_t *fmt, ...);
extern volatile LONG aborting;   /* the id of the thread in abort_with, 0 if none */
void release_views(void);

void watch_window(struct window *w, int on);
void catch_crashes(void);

#endif /* FAULT_H */
