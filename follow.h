/*
 * follow.h - fmread --follow (follow.c).
 */
#ifndef FOLLOW_H
#define FOLLOW_H

#include "args.h"
#include "common.h"
#include "views.h"

int follow(struct window w[2], const struct args *a, const wchar_t *name, const wchar_t *via);

#endif /* FOLLOW_H */
