/*
 * args.c - the command line: options before or after FILE, "--" ends them,
 * numbers checked to the digit; --help and --version on stdout.
 */
#include "args.h"
#include "fault.h"
#include "memdata.h"
#include "msg.h"

#include <wchar.h>

/* Decimal digits only, lo..hi; no sign, no space, no overflow. */
static int parse_number(const wchar_t *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == 0)
		return 0;
	for (; *s; s++) {
		if (*s < L'0' || *s > L'9' || v > (hi - (uint64_t)(*s - L'0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - L'0');
	}
	if (v < lo)
		return 0;
	*out = v;
	return 1;
}

static int is(const wchar_t *a, const wchar_t *b)
{
	return b != NULL && wcscmp(a, b) == 0;
}

/* Finds the option `s` names; *val gets the text after "=" in --name=value. */
static const struct option *find_option(const struct option *opts, const wchar_t *s,
    const wchar_t **val)
{
	size_t n;

	*val = NULL;
	for (; opts->long_name; opts++) {
		if (is(s, opts->short_name) || is(s, opts->long_name))
			return opts;
		n = wcslen(opts->long_name);
		if (opts->kind != OPT_FLAG && wcsncmp(s, opts->long_name, n) == 0 && s[n] == L'=') {
			*val = s + n + 1;
			return opts;
		}
	}
	return NULL;
}

/* Stores an option's value; returns -1, or EXIT_USAGE with a message. */
static int set_value(struct args *a, const struct option *o, const wchar_t *val)
{
	void *to = (char *)a + o->offset;

	if (o->kind == OPT_STRING) {
		if (*val == 0 || wcslen(val) > NAME_MAX - 8)
			return fail_with(EXIT_USAGE, L"bad name \"%ls\": 1 to %d characters (see --help)",
			    val, NAME_MAX - 8);
		*(const wchar_t **)to = val;
	} else if (o->kind == OPT_READERS) {
		if (!parse_number(val, 1, MAX_READERS, to))
			return fail_with(EXIT_USAGE, L"bad number of readers \"%ls\": give a whole "
			    L"number from 1 to %u (see --help)", val, MAX_READERS);
	} else if (o->kind == OPT_SECONDS) {
		if (!parse_number(val, 0, MAX_SECONDS, to))
			return fail_with(EXIT_USAGE, L"bad number of seconds \"%ls\": give a whole "
			    L"number from 0 to %u (see --help)", val, MAX_SECONDS);
	} else if (!parse_number(val, 1, MD_MAXCOUNT, to)) {
		return fail_with(EXIT_USAGE, L"bad count \"%ls\": give a whole number "
		    L"from 1 to 2147483648 (see --help)", val);
	}
	return -1;
}

/* FILE, once, and not empty or blank; returns -1, or EXIT_USAGE with a message. */
static int set_file(struct args *a, const wchar_t *s)
{
	if (a->file)
		return fail_with(EXIT_USAGE, L"more than one FILE: \"%ls\" (see --help)", s);
	if (s[wcsspn(s, L" \t")] == 0)
		return fail_with(EXIT_USAGE, L"FILE \"%ls\" is empty or blank (see --help)", s);
	a->file = s;
	return -1;
}

/*
 * The first thing each program calls. Options may come before or after FILE;
 * "--" ends them. Help and --version go to stdout and end the program.
 * Whether FILE is needed is the program's to say.
 */
int parse_args(int argc, wchar_t **argv, const struct option *opts,
    const wchar_t *usage, struct args *a)
{
	const struct option *o;
	const wchar_t *s, *val;
	int i, rc, options = 1;

	catch_crashes();
	memset(a, 0, sizeof *a);
	a->count = MAXDATA;
	a->readers = 1;
	for (i = 1; i < argc; i++) {
		s = argv[i];
		if (options && (is(s, L"-h") || is(s, L"--help") || is(s, L"/?"))) {
			return print_text(L"%ls%ls", usage, exit_codes);
		}
		if (options && is(s, L"--version")) {
			return print_text(L"%ls %ls\n", prog, FM_VERSION);
		}
		if (options && is(s, L"--")) {
			options = 0;
		} else if (!options || s[0] != L'-' || s[1] == 0) {
			if ((rc = set_file(a, s)) >= 0)
				return rc;
		} else if (is(s, L"-q") || is(s, L"--quiet")) {
			a->quiet = 1;
		} else if ((o = find_option(opts, s, &val)) == NULL) {
			return fail_with(EXIT_USAGE, L"unknown option \"%ls\" (see --help)", s);
		} else if (o->kind == OPT_FLAG) {
			*(int *)((char *)a + o->offset) = 1;
		} else if (val == NULL && (val = argv[++i]) == NULL) {
			return fail_with(EXIT_USAGE, L"option \"%ls\" needs a value (see --help)", s);
		} else if ((rc = set_value(a, o, val)) >= 0) {
			return rc;
		}
	}
	return -1;
}
