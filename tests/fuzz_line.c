/*
 * fuzz_line.c - libFuzzer target for the message lines (line.c): any
 * string of up to 200,000 UTF-16 units (two input bytes each, surrogates
 * and controls included; one input in four repeated to the full length) becomes a line the way the programs make an error
 * line: `prog: ` + the text formatted with %ls, escaped + `; ` + the fate,
 * escaped + a newline. ASan and UBSan watch every write; the line must be
 * whole: exactly what an independent escaping of the input gives, with
 * nothing cut, and no control character left but the newline at its end.
 */
#include "../line.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: what one character becomes, into out (6 wide characters of room). */
static size_t shown(wchar_t c, wchar_t *out)
{
	static const wchar_t hex[] = L"0123456789ABCDEF";

	if (!(c < 0x20 || (c >= 0x7F && c < 0xA0))) {
		out[0] = c;
		return 1;
	}
	out[0] = L'<', out[1] = L'0', out[2] = L'x';
	out[3] = hex[(unsigned)c / 16], out[4] = hex[(unsigned)c % 16], out[5] = L'>';
	return 6;
}

static int same_as_escaped(const wchar_t **at, const wchar_t *s)
{
	wchar_t one[6];
	size_t n;

	size_t i;

	for (; *s; s++) {
		n = shown(*s, one);
		for (i = 0; i < n; i++)
			if ((*at)[i] != one[i])
				return 0;
		*at += n;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const wchar_t middle[] = L"\"): The system cannot find the file. (error 2); ";
	size_t n = size / 2, i, half;
	wchar_t *text, *fate;
	struct line l = LINE_INIT, t = LINE_INIT;
	const wchar_t *at;

	/* one input in four is repeated up to the full 200,000 characters:
	 * mutation alone seldom grows an input that long */
	if (size >= 2 && data[0] % 4 == 0)
		n = 200000;
	if (n > 200000)
		n = 200000;
	/* the first half the message's subject, the rest the fate; a 0 ends either early */
	half = n / 2;
	text = calloc(half + 1, sizeof *text);
	fate = calloc(n - half + 1, sizeof *fate);
	for (i = 0; i < n; i++) {
		size_t k = 2 * i % (size - 1);      /* size >= 2 here whenever n > 0 */
		wchar_t c = (wchar_t)(data[k] | data[k + 1] << 8);

		if (i < half)
			text[i] = c;
		else
			fate[i - half] = c;
	}
	/* as vmsg makes an error line */
	line_format(&t, L"CreateFileW(\"%ls\"): %hs (error %lu)", text, "The system cannot find the file.", 2ul);
	line_add(&l, L"fmread: ");
	line_escaped(&l, t.s);
	line_add(&l, L"; ");
	line_escaped(&l, fate);
	line_add(&l, L"\n");
	if (l.failed || t.failed)
		abort();                 /* 200,000 characters are far from the limit */
	if (l.len != wcslen(l.s))
		abort();
	at = l.s;
	if (wcsncmp(at, L"fmread: CreateFileW(\"", 21) != 0)
		abort();
	at += 21;
	if (!same_as_escaped(&at, text) || wcsncmp(at, middle, wcslen(middle)) != 0)
		abort();
	at += wcslen(middle);
	if (!same_as_escaped(&at, fate) || wcscmp(at, L"\n") != 0)
		abort();
	for (i = 0; i + 1 < l.len; i++)
		if (line_is_control(l.s[i]))
			abort();
	line_free(&l);
	line_free(&t);
	free(text);
	free(fate);
	return 0;
}
