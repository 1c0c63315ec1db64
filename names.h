/*
 * names.h - which file FILE is, and the name of its mapping (names.c).
 */
#ifndef NAMES_H
#define NAMES_H

#include "args.h"
#include "common.h"

/*
 * A file's volume serial and 128-bit ID: FILE_ID_INFO, which
 * GetFileInformationByHandleEx(FileIdInfo) fills. Spelt out here because not
 * every SDK has it (Wine's headers, which the MSVC-ABI build uses, do not).
 */
struct file_id {
	ULONGLONG volume;        /* VolumeSerialNumber */
	BYTE id[16];             /* FileId */
};

/* the new file beside FILE keeps at most this much of FILE's own name (replace.c) */
#define TEMP_LEAF_MAX 200

/* a share mode that stands in nobody's way: for opens that only look */
#define SHARE_ALL (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE)

/*
 * Where FILE is (locate): "\\?\" and its folder's final path, through links,
 * then its own long name when it exists (else as given); and its folder's
 * identity, which names it.
 */
struct place {
	wchar_t path[FM_PATH];
	size_t leaf;             /* where in path the file's own name starts */
	int exists;
	int disk;                /* it exists and is a file (not a pipe or a device) */
	int fold;                /* the folder ignores case: the name does too */
	struct file_id dir;      /* the folder's volume and file ID */
};

int locate(const wchar_t *file, struct place *pl);
int object_name(const struct args *a, const struct place *pl, wchar_t name[NAME_MAX]);
enum { MAPS_OTHER, MAPS_FILE, MAPS_NEW_FILE, MAPS_GONE, MAPS_UNKNOWN };
int mapped_file(HANDLE map, const wchar_t *file, const struct place *pl, int *what);
int is_file(const wchar_t *path, const struct file_id *id);
BOOL file_id_of(HANDLE h, struct file_id *id);

#endif /* NAMES_H */
