/*
 * header.h - the header of data being read (header.c).
 */
#ifndef HEADER_H
#define HEADER_H

#include "common.h"
#include "memdata.h"
#include "views.h"

enum md_status read_header(const unsigned char *p, uint64_t size, int live, struct md_header *h);
int sized(struct window w[2], const wchar_t *name, struct md_header *h, enum md_status *st);
int mapping_size(HANDLE map, const wchar_t *name, uint64_t *size);

#endif /* HEADER_H */
