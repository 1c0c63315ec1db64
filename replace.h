/*
 * replace.h - the new file beside FILE, and its rename into FILE's place
 * (replace.c).
 */
#ifndef REPLACE_H
#define REPLACE_H

#include "args.h"
#include "common.h"
#include "names.h"

/* FILE's attributes that its replacement is made with */
#define KEPT_ATTRIBUTES (FILE_ATTRIBUTE_HIDDEN | FILE_ATTRIBUTE_SYSTEM | FILE_ATTRIBUTE_ARCHIVE | \
	FILE_ATTRIBUTE_NOT_CONTENT_INDEXED | FILE_ATTRIBUTE_ENCRYPTED)

struct new_file {
	HANDLE file;             /* the new file, beside FILE until it takes its place */
	int swapped;             /* the new file is FILE now */
	wchar_t temp[FM_PATH];   /* the new file's name until then */
	int replaces;            /* FILE exists: what it was is kept (may_replace) */
	DWORD attrs;             /* FILE's KEPT_ATTRIBUTES */
	FILETIME created;        /* FILE's creation time */
};

int may_replace(const struct args *a, const struct place *pl, struct new_file *w);
int create_temp(struct new_file *w, const struct place *pl, const wchar_t *shown);
int touch(HANDLE file, const wchar_t *subject);
int take_place(struct new_file *w, const struct place *pl, const wchar_t *shown, int force);
void close_file(struct new_file *w);

#endif /* REPLACE_H */
