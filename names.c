/*
 * names.c - which file FILE is, however it is spelt (links, case, 8.3
 * names, drive letters), and the mapping name that follows from that; and
 * whether a mapping is a mapping of FILE.
 */
#include "names.h"
#include "msg.h"
#include "security.h"

#include <psapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* FILE_CASE_SENSITIVE_INFO and its flag, which not every SDK has */
struct case_info { ULONG flags; };
#define FILE_CS_CASE_SENSITIVE 1  /* FILE_CS_FLAG_CASE_SENSITIVE_DIR */

/*
 * A file's identity: its volume serial and file ID, and its final path (one
 * spelling for every spelling). The path matters too: under Wine two
 * tmpfs mounts report the same serial (0) and the same inode numbers.
 */
struct identity {
	struct file_id id;
	wchar_t path[FM_PATH];
};

/*
 * GetFinalPathNameByHandleW into buf (FM_PATH): "\\?\" and the path through
 * links. Wine's fails with ERROR_MORE_DATA past MAX_PATH characters, whatever
 * the buffer (a fixed one inside); there the full path of `name` as spelt
 * stands in, links in it not followed. Returns its length, 0 on failure.
 */
static DWORD final_path(HANDLE h, const wchar_t *name, wchar_t *buf)
{
	wchar_t *spelt;          /* name may be buf itself: a copy */
	DWORD n;

	n = GetFinalPathNameByHandleW(h, buf, FM_PATH, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
	if (n != 0 || GetLastError() != ERROR_MORE_DATA)
		return n;
	if ((spelt = malloc(FM_PATH * sizeof *spelt)) == NULL) {
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return 0;
	}
	wcscpy(spelt, wcsncmp(name, L"\\\\?\\", 4) == 0 ? name + 4 : name);
	wcscpy(buf, L"\\\\?\\");
	n = GetFullPathNameW(spelt, FM_PATH - 4, buf + 4, NULL);
	free(spelt);
	return n > 0 && n < FM_PATH - 4 ? n + 4 : n;
}

/*
 * A file's volume serial and ID. FAT32, exFAT and some network shares have
 * no FileIdInfo (error 87, or "not supported"): there the 32-bit volume
 * serial and 64-bit file index of GetFileInformationByHandle stand in,
 * which such volumes do have. One volume always answers the same way, so
 * two identities of its files compare alike. FALSE with GetLastError set.
 */
BOOL file_id_of(HANDLE h, struct file_id *id)
{
	BY_HANDLE_FILE_INFORMATION info;
	DWORD err;

	if (GetFileInformationByHandleEx(h, FileIdInfo, id, sizeof *id))
		return TRUE;
	err = GetLastError();
	if (err != ERROR_INVALID_PARAMETER && err != ERROR_INVALID_FUNCTION && err != ERROR_NOT_SUPPORTED)
		return FALSE;
	if (!GetFileInformationByHandle(h, &info))
		return FALSE;
	memset(id, 0, sizeof *id);
	id->volume = info.dwVolumeSerialNumber;
	memcpy(id->id + 8, &info.nFileIndexLow, 4);
	memcpy(id->id + 12, &info.nFileIndexHigh, 4);
	return TRUE;
}

static int identify(const wchar_t *path, struct identity *who)
{
	/* no data access asked, so no share mode of anyone else's stands in the way */
	HANDLE h = CreateFileW(path, FILE_READ_ATTRIBUTES, SHARE_ALL, NULL, OPEN_EXISTING, 0, NULL);
	DWORD n;
	BOOL ok;

	if (h == INVALID_HANDLE_VALUE)
		return 0;
	ok = file_id_of(h, &who->id);
	n = final_path(h, path, who->path);
	close_handle(h, path);
	return ok && n > 0 && n < FM_PATH;
}

/* Is the file at path the one with this identity (volume serial, file ID)? */
int is_file(const wchar_t *path, const struct file_id *id)
{
	struct identity *who = malloc(sizeof *who);
	int same = who != NULL && identify(path, who) && who->id.volume == id->volume &&
	    memcmp(who->id.id, id->id, sizeof id->id) == 0;

	free(who);
	return same;
}

static int place_folder(struct place *pl, const wchar_t *file, const wchar_t *leaf);

/*
 * Is the last part of path a name Windows reserves for a device: CON, PRN,
 * AUX, NUL, COM0-9 or LPT0-9, in any case, with any extension or trailing
 * spaces ("LPT1.txt" and "nul .bin" are devices too), or CONIN$, CONOUT$?
 */
static int is_device_name(const wchar_t *path)
{
	static const wchar_t *const names[] = { L"CON", L"PRN", L"AUX", L"NUL", L"CONIN$", L"CONOUT$" };
	const wchar_t *leaf = path, *p;
	size_t n, i;

	for (p = path; *p; p++)
		if (*p == L'\\' || *p == L'/' || *p == L':')
			leaf = p + 1;
	for (n = 0; leaf[n] != 0 && leaf[n] != L'.'; n++)
		;
	while (n > 0 && leaf[n - 1] == L' ')
		n--;
	for (i = 0; i < sizeof names / sizeof *names; i++)
		if (wcslen(names[i]) == n && CompareStringOrdinal(leaf, (int)n, names[i], (int)n, TRUE) == CSTR_EQUAL)
			return 1;
	return n == 4 && leaf[3] >= L'0' && leaf[3] <= L'9' &&
	    (CompareStringOrdinal(leaf, 3, L"COM", 3, TRUE) == CSTR_EQUAL ||
	    CompareStringOrdinal(leaf, 3, L"LPT", 3, TRUE) == CSTR_EQUAL);
}

/* A folder, as opened wrongly: as a file, or by a name ending in a backslash. */
static int is_folder(const wchar_t *file)
{
	DWORD at = GetFileAttributesW(file);

	return at != INVALID_FILE_ATTRIBUTES && (at & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

static int names_folder(const wchar_t *file)
{
	return fail_with(EXIT_USAGE, L"\"%ls\" names a folder, not a file (see --help)", file);
}

/*
 * Where FILE is: "\\?\" and the final path of its folder (through links, in
 * its own case, never an 8.3 short name), then the file's name. An existing
 * file is first followed to its final path (GetFinalPathNameByHandleW), which
 * also gives its own name in full; one not there yet has the name it is given.
 * The folder is identified, and asked whether it ignores case
 * (FileCaseSensitiveInfo, Windows 10 and later; where that cannot be asked,
 * as under Wine, case counts: two files never share a name, at worst one file
 * spelt in two cases before it exists gets two).
 */
int locate(const wchar_t *file, struct place *pl)
{
	wchar_t *leaf, *slash;
	HANDLE h;
	DWORD n, err = 0;
	int rc;

	/* one rule for them all, before the system opens one as a device, or not */
	if (is_device_name(file))
		return fail_with(EXIT_SYSTEM, L"\"%ls\" is a device name Windows reserves (CON, PRN, AUX, "
		    L"NUL, COM0-9, LPT0-9, with any extension), not a file", file);
	h = CreateFileW(file, FILE_READ_ATTRIBUTES, SHARE_ALL, NULL, OPEN_EXISTING, 0, NULL);
	pl->exists = h != INVALID_HANDLE_VALUE;
	pl->disk = pl->exists && GetFileType(h) == FILE_TYPE_DISK;
	if (pl->exists)
		n = final_path(h, file, pl->path);
	else if ((err = GetLastError()) == ERROR_ACCESS_DENIED && is_folder(file))
		return names_folder(file);   /* a folder opened as a file: access denied */
	else if (err != ERROR_FILE_NOT_FOUND)
		return fail_call(L"CreateFileW", file, err);
	else if (GetFileAttributesW(file) != INVALID_FILE_ATTRIBUTES)
		/* there, yet not found when opened: a link to nothing (Windows; Wine hides those) */
		return fail_with(EXIT_SYSTEM, L"\"%ls\" is a link to a file that does not exist", file);
	else
		n = GetFullPathNameW(file, FM_PATH, pl->path, NULL);
	err = GetLastError();
	close_handle(h, file);
	if (n == 0 || n >= FM_PATH)
		return fail_call(pl->exists ? L"GetFinalPathNameByHandleW" : L"GetFullPathNameW", file,
		    n == 0 ? err : ERROR_FILENAME_EXCED_RANGE);
	if ((slash = wcsrchr(pl->path, L'\\')) == NULL || slash[1] == 0)
		return names_folder(file);   /* "newdir\": a folder's name, there or not */
	/* the leaf and its NUL: as many characters as the backslash and the leaf */
	if ((leaf = malloc(wcslen(slash) * sizeof *leaf)) == NULL)
		return fail_call(L"GetFullPathNameW", file, ERROR_NOT_ENOUGH_MEMORY);
	wcscpy(leaf, slash + 1);
	slash[1] = 0;                /* the folder, with its backslash: "C:\" is a root, "C:" is not */
	rc = place_folder(pl, file, leaf);
	free(leaf);
	return rc;
}

/* The rest of locate: pl->path is FILE's folder; identify it, then append leaf. */
static int place_folder(struct place *pl, const wchar_t *file, const wchar_t *leaf)
{
	const wchar_t *call = L"CreateFileW";
	struct case_info cs;
	HANDLE h;
	DWORD n, err;

	h = CreateFileW(pl->path, FILE_READ_ATTRIBUTES, SHARE_ALL, NULL, OPEN_EXISTING,
	    FILE_FLAG_BACKUP_SEMANTICS, NULL);
	if (h == INVALID_HANDLE_VALUE)
		return fail_call(L"CreateFileW", file, GetLastError());
	err = 0;
	n = final_path(h, pl->path, pl->path);
	if (n == 0 || n >= FM_PATH)
		err = n == 0 ? GetLastError() : ERROR_FILENAME_EXCED_RANGE, call = L"GetFinalPathNameByHandleW";
	else if (!file_id_of(h, &pl->dir))
		err = GetLastError(), call = L"GetFileInformationByHandle";
	pl->fold = err == 0 && GetFileInformationByHandleEx(h, FileCaseSensitiveInfo, &cs, sizeof cs) &&
	    !(cs.flags & FILE_CS_CASE_SENSITIVE);
	close_handle(h, file);
	if (err != 0)
		return fail_call(call, file, err);
	/* "\\?\C:\" ends in a backslash, "\\?\C:\dir" does not */
	n = (DWORD)wcslen(pl->path);
	if (swprintf(pl->path + n, FM_PATH - n, L"%ls%ls", pl->path[n - 1] == L'\\' ? L"" : L"\\", leaf) < 0)
		return fail_call(L"GetFinalPathNameByHandleW", file, ERROR_FILENAME_EXCED_RANGE);
	pl->leaf = wcslen(pl->path) - wcslen(leaf);
	return 0;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001B3u;
	return h;
}

static int has_prefix(const wchar_t *s, const wchar_t *prefix)
{
	int n = (int)wcslen(prefix);

	return (int)wcslen(s) >= n && CompareStringOrdinal(s, n, prefix, n, TRUE) == CSTR_EQUAL;
}

/*
 * The mapping's name: --name as given, in Local\ unless it names its
 * namespace; else Local\fmipc- and a hash (FNV-1a) of what FILE is, not how
 * it is spelt: its folder's volume and ID, and its own name as the folder
 * compares names (in upper case where the folder ignores case). Every
 * spelling of one file gives one name, through links, short names and
 * prefixes; two files never share one; and the name stays when fmwrite
 * replaces the file, or before it exists.
 */
int object_name(const struct args *a, const struct place *pl, wchar_t name[NAME_MAX])
{
	const wchar_t *ns = a->global ? L"Global\\" : L"Local\\";
	wchar_t *leaf;
	uint64_t h = 0xCBF29CE484222325u;
	int n;

	if (a->name != NULL) {
		const wchar_t *rest = a->name;

		/* the system takes the prefixes in any case; the name keeps Windows' spelling */
		if (has_prefix(rest, L"Local\\")) {
			if (a->global)
				return fail_with(EXIT_USAGE, L"--global with --name \"%ls\": the name says "
				    L"Local\\ (see --help)", a->name);
			ns = L"Local\\", rest += 6;
		} else if (has_prefix(rest, L"Global\\")) {
			ns = L"Global\\", rest += 7;
		}
		if (*rest == 0 || wcschr(rest, L'\\') != NULL)
			return fail_with(EXIT_USAGE, L"bad name \"%ls\": a backslash may only end a "
			    L"Local\\ or Global\\ at its start, and a name follows it (see --help)", a->name);
		swprintf(name, NAME_MAX, L"%ls%ls", ns, rest);
		return 0;
	}
	n = (int)wcslen(pl->path + pl->leaf);
	if ((leaf = malloc(((size_t)n + 1) * sizeof *leaf)) == NULL)
		return fail_call(L"LCMapStringEx", pl->path + pl->leaf, ERROR_NOT_ENOUGH_MEMORY);
	wcscpy(leaf, pl->path + pl->leaf);
	/* kernel32 only: user32's CharUpper alone costs ~50 ms of start-up under Wine */
	if (pl->fold)
		LCMapStringEx(LOCALE_NAME_INVARIANT, LCMAP_UPPERCASE, leaf, n, leaf, n, NULL, NULL, 0);
	/* the folder's final path too: under Wine, folders on two tmpfs mounts
	 * can have the same serial (0) and the same inode number */
	h = fnv(h, &pl->dir.volume, sizeof pl->dir.volume);
	h = fnv(h, pl->dir.id, sizeof pl->dir.id);
	h = fnv(h, pl->path, pl->leaf * sizeof *pl->path);
	h = fnv(h, leaf, (size_t)n * sizeof *leaf);
	free(leaf);
	swprintf(name, NAME_MAX, L"%lsfmipc-%08lx%08lx", ns, (unsigned long)(h >> 32),
	    (unsigned long)(h & 0xFFFFFFFFu));
	return 0;
}

/*
 * What `map` is a mapping of, for FILE (located at pl): FILE itself
 * (MAPS_FILE), the new file a writer is filling to replace FILE
 * ("FILE.fmwrite-PID-N.tmp" beside it: MAPS_NEW_FILE), a file no longer
 * there by the name the mapping gives (MAPS_GONE), a file the system cannot
 * name (MAPS_UNKNOWN), or anything else (MAPS_OTHER). Its view names the file behind it (GetMappedFileNameW:
 * "\Device\HarddiskVolume3\..." on Windows, the "\??\Z:\..." it was opened
 * by under Wine); that file and FILE are compared by identity, never by
 * spelling. Memory backed by the paging file has no file, and is not FILE's.
 */
static int compare_mapped(HANDLE map, const wchar_t *file, const struct place *pl, int *what,
    wchar_t *got, wchar_t *path, struct identity *a, struct identity *b);

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

int mapped_file(HANDLE map, const wchar_t *file, const struct place *pl, int *what)
{
	struct {
		wchar_t got[FM_PATH], path[FM_PATH + 16];
		struct identity a, b;
	} *m;
	int rc;

	*what = MAPS_OTHER;
	if ((m = malloc(sizeof *m)) == NULL)
		return fail_call(L"GetMappedFileNameW", file, ERROR_NOT_ENOUGH_MEMORY);
	rc = compare_mapped(map, file, pl, what, m->got, m->path, &m->a, &m->b);
	free(m);
	return rc;
}

/* mapped_file, with its buffers */
static int compare_mapped(HANDLE map, const wchar_t *file, const struct place *pl, int *what,
    wchar_t *got, wchar_t *path, struct identity *a, struct identity *b)
{
	const wchar_t *rest;
	void *view;
	size_t n;

	if ((view = MapViewOfFile(map, FILE_MAP_READ, 0, 0, 1)) == NULL)
		return fail_call(L"MapViewOfFile", file, GetLastError());
	n = GetMappedFileNameW(GetCurrentProcess(), view, got, FM_PATH);
	/* Wine's fails past MAX_PATH characters, whatever the buffer */
	if (n == 0 && GetLastError() == ERROR_MORE_DATA)
		*what = MAPS_UNKNOWN;
	if (!UnmapViewOfFile(view))
		warn_call(L"UnmapViewOfFile", file, GetLastError());
	if (n == 0 || n >= FM_PATH)
		return 0;                /* no file behind it: the paging file */
	if (wcsncmp(got, L"\\??\\", 4) == 0)
		swprintf(path, FM_PATH + 16, L"\\\\?\\%ls", got + 4);
	else
		swprintf(path, FM_PATH + 16, L"\\\\?\\GLOBALROOT%ls", got);
	/* a file that is not there by its name any more: renamed (Wine keeps the
	 * name a mapping was opened by; its writer makes it anew) or removed */
	if (!identify(path, b)) {
		*what = MAPS_GONE;
		return 0;
	}
	if (identify(file, a) && a->id.volume == b->id.volume &&
	    memcmp(a->id.id, b->id.id, sizeof a->id.id) == 0 && wcscmp(a->path, b->path) == 0)
		*what = MAPS_FILE;
	/* "FILE.fmwrite-PID-N.tmp", FILE compared as its folder compares names
	 * (FILE may not exist yet, and be spelt in another case than the writer's) */
	n = pl->leaf + min_size(wcslen(pl->path + pl->leaf), TEMP_LEAF_MAX);   /* as create_temp cuts it */
	rest = b->path + n;
	if (wcslen(b->path) > n && (pl->fold ? CompareStringOrdinal(b->path, (int)n, pl->path, (int)n, TRUE) ==
	    CSTR_EQUAL : wcsncmp(b->path, pl->path, n) == 0) && wcsncmp(rest, L".fmwrite-", 9) == 0 &&
	    wcslen(rest) > 13 && wcscmp(rest + wcslen(rest) - 4, L".tmp") == 0)
		*what = MAPS_NEW_FILE;
	return 0;
}
