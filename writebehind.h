/*
 * writebehind.h - flushing behind the fill, under Wine only (writebehind.c).
 */
#ifndef WRITEBEHIND_H
#define WRITEBEHIND_H

#include "common.h"

struct flusher {
	HANDLE file;
	HANDLE filled;           /* auto-reset: a window was filled */
	HANDLE thread;           /* NULL: no flushing behind */
	volatile LONG over;      /* the fill has ended */
	volatile DWORD err;      /* the first failed flush, 0 if none */
};

void start_flusher(struct flusher *f, HANDLE file);
DWORD end_flusher(struct flusher *f);

#endif /* WRITEBEHIND_H */
