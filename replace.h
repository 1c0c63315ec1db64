/*
 * replace.h - the new file beside FILE, and its rename into FILE's place
 * (replace.c).
 */
#ifndef REPLACE_H
#define REPLACE_H

#include "args.h"
#include "common.h"
#include "names.h"

struct new_file {
	HANDLE file;             /* the new file, beside FILE until it takes its place */
	int swapped;             /* the new file is FILE now */
	wchar_t temp[FM_PATH];   /* the new file's name until then */
};

int may_replace(const struct args *a, const struct place *pl);
int create_temp(struct new_file *w, const struct place *pl);
int touch(HANDLE file, const wchar_t *subject);
int take_place(struct new_file *w, const struct place *pl, const wchar_t *shown);
void close_file(struct new_file *w);

#endif /* REPLACE_H */
