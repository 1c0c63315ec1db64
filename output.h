/*
 * output.h - fmread's stdout (output.c).
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include "common.h"
#include "memdata.h"

#define RUN 4096                 /* integers copied, summed and formatted at a time */

void start_output(void);
int emit(const int32_t *copy, size_t n);
int flush_out(void);
int output_pending(void);
int end_output(int rc);
int summary(const wchar_t *subject, const struct md_header *h, const wchar_t *via);

#endif /* OUTPUT_H */
