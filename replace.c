/*
 * replace.c - FILE is never written in place: a new file is made beside it
 * (create_temp), filled and flushed, and only then takes FILE's place in
 * one rename (take_place); whatever stops the writer before, FILE is as it
 * was, and the new file is removed (close_file). may_replace says first
 * whether FILE may be replaced at all.
 */
#include "replace.h"
#include "console.h"
#include "memdata.h"
#include "msg.h"

#include <aclapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/*
 * A refusal that a program holding FILE for a moment causes (a virus
 * scanner, the indexer, a backup agent): tried again for about a second,
 * 10 ms, then twice as long each time up to 160 ms. Is it worth another try?
 */
static int try_again(DWORD err, DWORD *ms, DWORD *waited)
{
	if ((err != ERROR_SHARING_VIOLATION && err != ERROR_ACCESS_DENIED) || *waited >= 1000 || interrupted)
		return 0;
	Sleep(*ms);
	*waited += *ms;
	*ms = *ms < 160 ? 2 * *ms : 160;
	return 1;
}

/*
 * Is FILE (at path) one fmwrite may replace without --force: empty, or a
 * MEMORYDATA file? Only read, shared every way (a holding writer or a reader
 * may have it open). 0, or the exit code of the line said.
 */
static int still_ours(const wchar_t *path, const wchar_t *shown)
{
	unsigned char head[8];
	LARGE_INTEGER size;
	DWORD got = 0, ms = 10, waited = 0;
	HANDLE f;
	int rc = 0;

	while ((f = CreateFileW(path, GENERIC_READ, SHARE_ALL, NULL, OPEN_EXISTING, 0, NULL)) ==
	    INVALID_HANDLE_VALUE && try_again(GetLastError(), &ms, &waited))
		;
	if (f == INVALID_HANDLE_VALUE)
		return fail_call(L"CreateFileW", shown, GetLastError());
	if (!GetFileSizeEx(f, &size))
		rc = fail_call(L"GetFileSizeEx", shown, GetLastError());
	else if (size.QuadPart > 0 && !ReadFile(f, head, sizeof head, &got, NULL))
		rc = fail_call(L"ReadFile", shown, GetLastError());
	else if (size.QuadPart > 0 && !md_is_ours(head, got))
		rc = fail_with(EXIT_DATA, L"\"%ls\" exists and is not a MEMORYDATA file "
		    L"(--force replaces it)", shown);
	close_handle(f, shown);
	return rc;
}

/*
 * May FILE be replaced? A pipe or a device may not, nor a read-only file
 * (Windows refuses to rename over one; Wine, run as root, would not), nor a
 * non-empty file that is not a MEMORYDATA file, unless --force. FILE is only
 * read here: it stays byte for byte as it is until a complete new file takes
 * its place. What FILE was (its attributes, its creation time) is noted in
 * w, for its replacement.
 */
int may_replace(const struct args *a, const struct place *pl, struct new_file *w)
{
	WIN32_FILE_ATTRIBUTE_DATA was;

	if (!pl->exists)
		return 0;
	if (!pl->disk)
		return fail_with(EXIT_SYSTEM, L"\"%ls\" is not a file but a pipe or a device", a->file);
	if (!GetFileAttributesExW(pl->path, GetFileExInfoStandard, &was))
		return fail_call(L"GetFileAttributesExW", a->file, GetLastError());
	w->replaces = 1;
	w->attrs = was.dwFileAttributes & KEPT_ATTRIBUTES;
	w->created = was.ftCreationTime;
	if (was.dwFileAttributes & FILE_ATTRIBUTE_READONLY)
		return fail_with(EXIT_SYSTEM, L"\"%ls\" is read-only", a->file);
	return a->force ? 0 : still_ours(pl->path, a->file);
}

/*
 * The new file, made in FILE's folder so that one rename puts it in FILE's
 * place: "FILE.fmwrite-PID-N.tmp". A writer that is killed leaves it behind
 * under that name; the next one makes another, so it is never in the way.
 * It is made with FILE's attributes (may_replace kept them), encrypted if
 * FILE is (EFS), and given FILE's DACL and creation time (keep_what_file_was).
 */
static int keep_what_file_was(struct new_file *w, const struct place *pl, const wchar_t *shown);

int create_temp(struct new_file *w, const struct place *pl, const wchar_t *shown)
{
	DWORD err = ERROR_FILE_EXISTS;
	int n;

	for (n = 0; n < 100 && err == ERROR_FILE_EXISTS; n++) {
		if (swprintf(w->temp, FM_PATH, L"%.*ls%.*ls.fmwrite-%lu-%d.tmp", (int)pl->leaf,
		    pl->path, TEMP_LEAF_MAX, pl->path + pl->leaf, (unsigned long)GetCurrentProcessId(), n) < 0)
			return fail_call(L"CreateFileW", pl->path, ERROR_FILENAME_EXCED_RANGE);
		/* DELETE: it is renamed into place, or removed, through this handle;
		 * WRITE_DAC: it is given FILE's DACL */
		w->file = CreateFileW(w->temp, GENERIC_READ | GENERIC_WRITE | DELETE | WRITE_DAC,
		    FILE_SHARE_READ, NULL, CREATE_NEW, w->attrs != 0 ? w->attrs : FILE_ATTRIBUTE_NORMAL, NULL);
		if (w->file != INVALID_HANDLE_VALUE)
			return w->replaces ? keep_what_file_was(w, pl, shown) : 0;
		err = GetLastError();
	}
	return fail_call(L"CreateFileW", w->temp, err);
}

/*
 * What ReplaceFileW would keep of FILE, on the new file: its attributes
 * (given at creation), its encryption, its DACL (explicit entries as they
 * are, inherited ones from the folder again) and its creation time. Not
 * kept: its owner (the writer owns the new file, as with ReplaceFileW run
 * without the privilege to set another), compression, alternate data
 * streams. An encrypted FILE whose replacement could not be encrypted is
 * refused: its data is never written in the clear.
 */
#ifndef PROTECTED_DACL_SECURITY_INFORMATION    /* not in every SDK (Wine's) */
#define PROTECTED_DACL_SECURITY_INFORMATION 0x80000000u
#define UNPROTECTED_DACL_SECURITY_INFORMATION 0x20000000u
#endif

static int keep_what_file_was(struct new_file *w, const struct place *pl, const wchar_t *shown)
{
	BY_HANDLE_FILE_INFORMATION info;
	SECURITY_DESCRIPTOR_CONTROL control;
	PSECURITY_DESCRIPTOR sd;
	DWORD err, revision;
	PACL dacl;

	if ((w->attrs & FILE_ATTRIBUTE_ENCRYPTED) && (!GetFileInformationByHandle(w->file, &info) ||
	    !(info.dwFileAttributes & FILE_ATTRIBUTE_ENCRYPTED)))
		return fail_with(EXIT_SYSTEM, L"\"%ls\" is encrypted (EFS), and its replacement could not be "
		    L"encrypted: refused, rather than write the data in the clear", shown);
	/* the cast: some SDKs (Wine's) take a name that is not const */
	/* Wine keeps a file's DACL as its Unix mode bits, and widens them when
	 * one is set (measured: 0600 and 0644 came out 0775): there the new file
	 * keeps Wine's own mode for it */
	if (under_wine())
		return SetFileTime(w->file, &w->created, NULL, NULL) ? 0 :
		    fail_call(L"SetFileTime", shown, GetLastError());
	err = GetNamedSecurityInfoW((wchar_t *)pl->path, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl,
	    NULL, &sd);
	if (err != ERROR_SUCCESS)
		return fail_call(L"GetNamedSecurityInfoW", shown, err);
	if (!GetSecurityDescriptorControl(sd, &control, &revision))
		err = GetLastError();
	else
		err = SetSecurityInfo(w->file, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION |
		    ((control & SE_DACL_PROTECTED) != 0 ? PROTECTED_DACL_SECURITY_INFORMATION :
		    UNPROTECTED_DACL_SECURITY_INFORMATION), NULL, NULL, dacl, NULL);
	LocalFree(sd);
	if (err != ERROR_SUCCESS)
		return fail_call(L"SetSecurityInfo", shown, err);
	if (!SetFileTime(w->file, &w->created, NULL, NULL))
		return fail_call(L"SetFileTime", shown, GetLastError());
	return 0;
}

/* Sets the file's last-write time to now. */
int touch(HANDLE file, const wchar_t *subject)
{
	FILETIME now;

	GetSystemTimeAsFileTime(&now);
	return SetFileTime(file, NULL, NULL, &now) ? 0 : fail_call(L"SetFileTime", subject, GetLastError());
}

static FILE_RENAME_INFO *rename_to_nt_path(const wchar_t *path, DWORD *size);

/*
 * FileRenameInfoEx (Windows 10 1709 and later, on NTFS): a rename with POSIX
 * semantics replaces FILE even while other programs have it open with
 * FILE_SHARE_DELETE, as virus scanners, the search indexer, backup agents
 * and Explorer's preview do for a moment with a fresh file. Spelt out, as
 * not every SDK has them.
 */
#define RENAME_INFO_EX ((FILE_INFO_BY_HANDLE_CLASS)22)
#define RENAME_REPLACE_IF_EXISTS 0x1
#define RENAME_POSIX_SEMANTICS 0x2

/*
 * One rename: with POSIX semantics where the system has them, else the
 * classic one; over a file by FILE's name only if `replace`.
 */
static BOOL rename_once(HANDLE file, FILE_RENAME_INFO *ri, DWORD size, BOOL replace)
{
	static int classic;          /* the system has no FileRenameInfoEx */
	DWORD flags = (replace ? RENAME_REPLACE_IF_EXISTS : 0) | RENAME_POSIX_SEMANTICS, err;

	if (!classic) {
		memcpy(ri, &flags, sizeof flags);   /* Flags, where ReplaceIfExists is */
		if (SetFileInformationByHandle(file, RENAME_INFO_EX, ri, size))
			return TRUE;
		err = GetLastError();
		if (err != ERROR_INVALID_PARAMETER && err != ERROR_INVALID_FUNCTION &&
		    err != ERROR_NOT_SUPPORTED && err != ERROR_CALL_NOT_IMPLEMENTED)
			return FALSE;
		classic = 1;
		memset(ri, 0, sizeof flags);
		ri->ReplaceIfExists = (BOOLEAN)replace;
	}
	return SetFileInformationByHandle(file, FileRenameInfo, ri, size);
}

/*
 * The new file takes FILE's place in one rename, through the handle that
 * wrote it (SetFileInformationByHandle): no name is looked up in between,
 * and it works while the file is mapped. MoveFileExW would need the handle
 * closed first, and ReplaceFileW the same. FILE may have changed while the
 * data was written: a FILE that was not there is not replaced by one that
 * appeared meanwhile (the rename does not replace), and a FILE that was a
 * MEMORYDATA file is looked at again first (unless --force). A program
 * that has FILE open for a moment (a scanner; under the classic rename, any
 * handle at all) makes the rename fail with a sharing violation or access
 * denied: tried again (try_again). A reader that has FILE open keeps it so
 * (fmread opens it without FILE_SHARE_DELETE), and wins: a reader of the
 * old file keeps the old file, and the line says so.
 */
int take_place(struct new_file *w, const struct place *pl, const wchar_t *shown, int force)
{
	FILE_RENAME_INFO *ri;
	DWORD size, err, ms = 10, waited = 0;
	BOOL ok;
	int rc;

	if (w->replaces && !force && GetFileAttributesW(pl->path) != INVALID_FILE_ATTRIBUTES &&
	    (rc = still_ours(pl->path, shown)) != 0)
		return rc;
	if ((ri = rename_to_nt_path(pl->path, &size)) == NULL)
		return fail_call(L"SetFileInformationByHandle", shown, ERROR_NOT_ENOUGH_MEMORY);
	while (!(ok = rename_once(w->file, ri, size, w->replaces)) && try_again(GetLastError(), &ms, &waited))
		;
	err = GetLastError();
	free(ri);
	if (ok) {
		w->swapped = 1;
		set_fate(L"\"%ls\" holds the new data", shown);
		return 0;
	}
	if (interrupted)
		return interrupted_while(L"replacing", shown);
	if (!w->replaces && (err == ERROR_ALREADY_EXISTS || err == ERROR_FILE_EXISTS)) {
		set_fate(L"\"%ls\" left as it is", shown);
		return fail_with(EXIT_SYSTEM, L"\"%ls\" was made by another program while the data was "
		    L"written: not replaced, the data not saved (run again to replace it)", shown);
	}
	if (err == ERROR_ACCESS_DENIED || err == ERROR_SHARING_VIOLATION)
		return fail_with(EXIT_SYSTEM, L"cannot replace \"%ls\": another program (a reader, say) "
		    L"kept it open for over a second, or it is read-only (error %lu)", shown, (unsigned long)err);
	return fail_call(L"SetFileInformationByHandle", shown, err);
}

/*
 * FILE_RENAME_INFO for a rename to path ("\\?\C:\dir\FILE"), given in its NT
 * form, "\??\C:\dir\FILE": a name without a folder would be taken from the
 * current folder under Wine, and renamed in place on Windows, so the full
 * path it is. From the heap (free it); its size in bytes in *size.
 */
static FILE_RENAME_INFO *rename_to_nt_path(const wchar_t *path, DWORD *size)
{
	size_t n = wcslen(path + 4) + 4;  /* "\??\" and the path after "\\?\" */
	FILE_RENAME_INFO *ri;

	/* as the docs size it: the structure (with its first character) and the name */
	*size = (DWORD)(sizeof *ri + n * sizeof(wchar_t));
	if ((ri = calloc(1, *size)) == NULL)
		return NULL;
	swprintf(ri->FileName, n + 1, L"\\??\\%ls", path + 4);
	ri->ReplaceIfExists = TRUE;
	ri->FileNameLength = (DWORD)(n * sizeof(wchar_t));
	return ri;
}

/*
 * Closes the new file; unless it has taken FILE's place, removes it first,
 * through the handle (by name only if that fails). Its mapping and views
 * must be gone: a mapped file cannot be removed.
 */
void close_file(struct new_file *w)
{
	FILE_DISPOSITION_INFO gone = { TRUE };
	int removed;

	if (w->file == INVALID_HANDLE_VALUE)
		return;
	removed = w->swapped || SetFileInformationByHandle(w->file, FileDispositionInfo, &gone, sizeof gone);
	close_handle(w->file, w->temp);
	w->file = INVALID_HANDLE_VALUE;
	if (!removed && !DeleteFileW(w->temp))
		warn_call(L"DeleteFileW", w->temp, GetLastError());
}
