/*
 * header.c - the header of data being read: loaded in the protocol's order
 * (acquire), and the size of a live mapping, found by a probe view of the
 * last bytes its header announces.
 */
#include "header.h"
#include "msg.h"

#include <wchar.h>

/*
 * The state is loaded first (acquire: the mirror of the writer's release
 * store), then the rest, then the published count (acquire again), so
 * "complete" is never seen ahead of the checksum it covers, nor a count
 * ahead of the data and block sums it vouches for.
 */
enum md_status read_header(const unsigned char *p, uint64_t size, int live, struct md_header *h)
{
	uint32_t state = load_acquire32(p + offsetof(struct md_header, state));

	/* a live header whose state is still 0 is not published yet (the
	 * writer stores the state last): what else is there may be half written */
	if (live && state == 0) {
		memset(h, 0, sizeof *h);
		return md_check_header(h, size);
	}
	memcpy(h, p, sizeof *h);
	h->state = state;
	h->published = load_acquire64(p + offsetof(struct md_header, published));
	return md_check_header(h, size);
}

/*
 * A mapping found before its writer wrote the header was sized by just the
 * header: now that the header says how much, size the windows anew, and
 * judge the header by that.
 */
int sized(struct window w[2], const wchar_t *name, struct md_header *h, enum md_status *st)
{
	int rc;

	if (w[0].size >= md_size(h))
		return 0;
	if ((rc = mapping_size(w[0].map, name, &w[0].size)) != 0)
		return rc;
	win_close(&w[0]);            /* views as long as the old size: made again */
	win_close(&w[1]);
	w[1].size = w[0].size;
	*st = md_check_header(h, w[0].size);
	return 0;
}

/*
 * How many bytes of a live mapping to read: as many as its header announces,
 * if the mapping holds them all (a view of its last bytes can be made), else
 * just the header, which show() then finds truncated. Never a view of all of
 * it: a 32-bit reader has no room for one past a GiB or two.
 */
int mapping_size(HANDLE map, const wchar_t *name, uint64_t *size)
{
	struct md_header h;
	uint64_t want, off;
	void *p;

	if ((p = MapViewOfFile(map, FILE_MAP_READ, 0, 0, sizeof h)) == NULL)
		return fail_call(L"MapViewOfFile", name, GetLastError());
	memcpy(&h, p, sizeof h);
	if (!UnmapViewOfFile(p))
		warn_call(L"UnmapViewOfFile", name, GetLastError());
	*size = sizeof h;
	if (h.count == 0 || h.count > MD_MAXCOUNT)
		return 0;
	want = md_size(&h);
	off = (want - 1) / FM_GRAIN * FM_GRAIN;
	p = MapViewOfFile(map, FILE_MAP_READ, (DWORD)(off >> 32), (DWORD)off, (SIZE_T)(want - off));
	if (p == NULL) {
		DWORD err = GetLastError();

		/* past the mapping's end: 5 (STATUS_INVALID_VIEW_SIZE), 87 if it starts past it */
		return err == ERROR_ACCESS_DENIED || err == ERROR_INVALID_PARAMETER ? 0 :
		    fail_call(L"MapViewOfFile", name, err);
	}
	*size = want;
	if (!UnmapViewOfFile(p))
		warn_call(L"UnmapViewOfFile", name, GetLastError());
	return 0;
}
