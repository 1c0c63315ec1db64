/*
 * args.h - the command line (args.c): everything either program can be
 * told, and the table each program gives of its own options.
 */
#ifndef ARGS_H
#define ARGS_H

#include "common.h"

/* Everything either program can be told; each takes what its table lists. */
struct args {
	const wchar_t *file;
	const wchar_t *name;     /* --name: the mapping's name */
	uint64_t count;          /* -n, --count */
	uint64_t hold;           /* --hold: seconds to keep the mapping for readers */
	uint64_t wait;           /* --wait: seconds to wait for a writer */
	uint64_t readers;        /* --readers: how many readers a hold waits for */
	int force;               /* --force */
	int check;               /* --check */
	int quiet;               /* -q, --quiet */
	int no_file;             /* --no-file: backed by the paging file */
	int global;              /* --global: Global\ rather than Local\ */
	int follow;              /* --follow: print a writer's blocks as it writes them */
};

enum opt_kind { OPT_FLAG, OPT_COUNT, OPT_SECONDS, OPT_STRING, OPT_READERS };
#define MAX_READERS 10000u
#define MAX_SECONDS 1000000u      /* 11 days: still fits a DWORD of milliseconds */
#define NAME_MAX 260              /* an object name, with its prefix */

struct option {
	const wchar_t *short_name, *long_name;
	enum opt_kind kind;
	size_t offset;           /* where in struct args the value goes */
};

extern const wchar_t exit_codes[];  /* the program's own, for --help */

/* Returns -1 to go on, or the exit code when there is nothing more to do. */
int parse_args(int argc, wchar_t **argv, const struct option *opts,
    const wchar_t *usage, struct args *a);

#endif /* ARGS_H */
