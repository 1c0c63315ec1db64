/*
 * line.h - one line of text, built on the heap to the length it needs:
 * the messages of both programs are made with it, so none is cut short,
 * dropped, or written past the end of a buffer, whatever the names in it.
 * Portable C (no <windows.h>): tests/fuzz_line.c builds it natively and
 * feeds it strings of up to 200,000 characters under ASan and UBSan.
 *
 *   struct line l = LINE_INIT;
 *   line_add(&l, L"fmread: ");
 *   line_escaped(&l, name);         control characters shown as <0x1B>
 *   ... use l.s (l.len characters, NUL-terminated) ...
 *   line_free(&l);
 *
 * Each function returns 0, or -1 once memory has run out (l.failed then
 * stays set, and later calls do nothing): the caller says so instead.
 */
#ifndef LINE_H
#define LINE_H

#include <stdarg.h>
#include <stddef.h>
#include <wchar.h>

struct line {
	wchar_t *s;              /* NUL-terminated; NULL until something is added */
	size_t len;              /* characters in s, without the NUL */
	size_t cap;              /* characters s has room for, the NUL included */
	int failed;              /* memory ran out: s holds what came before */
};

#define LINE_INIT { NULL, 0, 0, 0 }

int line_add(struct line *l, const wchar_t *s);
int line_escaped(struct line *l, const wchar_t *s);
int line_vformat(struct line *l, const wchar_t *fmt, va_list ap);
int line_format(struct line *l, const wchar_t *fmt, ...);
void line_free(struct line *l);

/* Is c shown as <0xHH> (a C0 or C1 control character)? */
static inline int line_is_control(wchar_t c)
{
	return c < 0x20 || (c >= 0x7F && c < 0xA0);
}

#endif /* LINE_H */
