/*
 * line.c - lines of text that grow to fit (line.h). Every write goes
 * through room(), which makes space first: no write can pass the end.
 */
#include "line.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest line made: far past two paths of 32,767 characters, escaped. */
#define LINE_MAX_CHARS ((size_t)1 << 24)

/* Makes room for n more characters and the NUL; -1 if there is none to be had. */
static int room(struct line *l, size_t n)
{
	size_t cap;
	wchar_t *s;

	if (l->failed)
		return -1;
	if (n < LINE_MAX_CHARS - l->len && l->len + n < l->cap)
		return 0;
	if (n >= LINE_MAX_CHARS - l->len) {
		l->failed = 1;
		return -1;
	}
	for (cap = l->cap ? l->cap : 256; cap <= l->len + n; cap *= 2)
		;
	if ((s = realloc(l->s, cap * sizeof *s)) == NULL) {
		l->failed = 1;
		return -1;
	}
	l->s = s;
	l->cap = cap;
	return 0;
}

int line_add(struct line *l, const wchar_t *s)
{
	size_t n = wcslen(s);

	if (room(l, n) != 0)
		return -1;
	memcpy(l->s + l->len, s, n * sizeof *s);
	l->len += n;
	l->s[l->len] = 0;
	return 0;
}

/*
 * Adds s with each control character shown as <0xHH>: a name with a newline
 * or an escape sequence in it must not split a line or drive the terminal.
 * (No file name can hold < or >, so the form cannot be mistaken for one.)
 */
int line_escaped(struct line *l, const wchar_t *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	const wchar_t *p;
	wchar_t *d;

	for (p = s; *p; p++)
		n += line_is_control(*p) ? 6 : 1;
	if (room(l, n) != 0)
		return -1;
	for (d = l->s + l->len; *s; s++) {
		if (!line_is_control(*s)) {
			*d++ = *s;
			continue;
		}
		*d++ = L'<', *d++ = L'0', *d++ = L'x';
		*d++ = (wchar_t)hex[(unsigned)*s >> 4 & 15];
		*d++ = (wchar_t)hex[(unsigned)*s & 15];
		*d++ = L'>';
	}
	l->len += n;
	l->s[l->len] = 0;
	return 0;
}

/*
 * Adds fmt formatted: vswprintf says only that the room was too small
 * (a negative result), so the room is doubled until the text fits.
 */
int line_vformat(struct line *l, const wchar_t *fmt, va_list ap)
{
	size_t want = 256;
	va_list again;
	int n;

	for (;;) {
		if (room(l, want) != 0)
			return -1;
		va_copy(again, ap);
		n = vswprintf(l->s + l->len, l->cap - l->len, fmt, again);
		va_end(again);
		if (n >= 0 && (size_t)n < l->cap - l->len) {
			l->len += (size_t)n;
			return 0;
		}
		l->s[l->len] = 0;
		want = (l->cap - l->len) * 2;
	}
}

int line_format(struct line *l, const wchar_t *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = line_vformat(l, fmt, ap);
	va_end(ap);
	return rc;
}

void line_free(struct line *l)
{
	free(l->s);
	l->s = NULL;
	l->len = l->cap = 0;
	l->failed = 0;
}
