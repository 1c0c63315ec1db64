/*
 * inject.h - for the test build only (build/inject/, compiled with
 * -include tests/inject.h and tests/inject.c): the Nth Win32 call named
 * here fails with ERROR_NOT_ENOUGH_MEMORY (8), N from the environment
 * variable FM_FAIL, the way SQLite tests its I/O errors. e2e runs
 * N = 1, 2, ... until a run completes. The programs know nothing of it.
 * Also from the environment (inject.c): FM_BUSY=N (the first N view flushes
 * fail with ERROR_LOCK_VIOLATION), FM_RAISE=STATUS (the first view flush
 * faults as a failed page write does on Windows), FM_CRASH=ADDRESS (a write
 * to it before FlushFileBuffers), FM_TRACE=1 (each FlushFileBuffers says
 * what the header's state is then), FM_CRASH_AGAIN=1 (once FM_CRASH has
 * crashed, the next CloseHandle crashes too: a fault on the way out),
 * FM_CTRL_C=1 (the last FlushFileBuffers,
 * once the header says "complete", waits until Ctrl+C has come, so a test
 * can press it between the last flush and the rename; "fm-inject: waiting
 * for Ctrl+C" says when), FM_SLOW_FLUSH=MS (each FlushFileBuffers takes that
 * much longer), FM_SLOW=MS (mapping a view takes that
 * long), FM_SLOW_WAIT=MS (a wait starts that late), FM_AFTER=1 (at exit, how many calls followed the failing one),
 * FM_FAIL_ONLY=NAME (FM_FAIL counts only the calls of NAME), FM_FAIL_ERROR=N
 * (the failing call's error is N instead of 8),
 * FM_NO_FILE_ID=1 (GetFileInformationByHandleEx(FileIdInfo) fails with
 * error 87 at every call, as on FAT32, exFAT and some network shares),
 * FM_ENCRYPTED=1 (GetFileAttributesExW says FILE is encrypted: Wine has no
 * EFS, and creates the new file in the clear whatever it is asked),
 * FM_NO_HIRES=1 (CreateWaitableTimerExW fails: no high-resolution timer,
 * as before Windows 10 1803),
 * FM_FOLD=1 (FileCaseSensitiveInfo says every folder ignores case, as
 * Windows says of NTFS folders; Wine does not answer it),
 * FM_NO_RENAME_EX=1 (SetFileInformationByHandle(FileRenameInfoEx) is not
 * supported, as before Windows 10 1709 and on FAT), FM_RENAME_BUSY=K,ERR
 * (the first K renames fail with error ERR, as while a scanner has FILE
 * open),
 * FM_WINDOW_MIB=N (windows of N MiB, a multiple of 2, instead of 32: the
 * injection loops walk several windows and two threads in a tenth of the
 * data).
 *
 * Not wrapped: WriteFile (the error lines themselves go through it) and
 * ResetEvent (its failure cannot change an outcome: every wake re-checks).
 */
#ifndef INJECT_H
#define INJECT_H

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <aclapi.h>

int fm_fail_now(const char *call);     /* tests/inject.c: is this call the Nth? */
DWORD fm_fail_error(void);     /* FM_FAIL_ERROR: its error, 8 without it */
int fm_busy(void);       /* FM_BUSY: a flush of a view fails for a moment */
void fm_raise(const void *base);        /* FM_RAISE: a fault in the view at base */
/* FM_TRACE, FM_CRASH, FM_CTRL_C, FM_SLOW_FLUSH; `interrupt` is the program's Ctrl+C event */
void fm_before_flush(HANDLE file, HANDLE interrupt);
void fm_crash_again(void);               /* FM_CRASH_AGAIN: after FM_CRASH, at the next CloseHandle */
void fm_slow(void);      /* FM_SLOW: mapping a view takes that long */
void fm_slow_wait(void); /* FM_SLOW_WAIT: a wait starts that late */
size_t fm_window(void);  /* FM_WINDOW_MIB: the window's size in bytes */
int fm_no_file_id(int cls);
int fm_rename_fails(int cls);
int fm_fold(int cls, void *info);
int fm_no_hires(void);  /* FM_NO_HIRES: no high-resolution timer, as before Windows 10 1803 */
BOOL fm_encrypted(BOOL ok, void *data); /* FM_ENCRYPTED: FILE says it is encrypted (EFS) */       /* FM_FOLD: every folder ignores case, as NTFS's do */   /* FM_NO_RENAME_EX, FM_RENAME_BUSY: a rename fails */     /* FM_NO_FILE_ID: FileIdInfo fails, as on FAT (error 87) */

#define FM_WINDOW fm_window()

#define FM_FAILED(value) (SetLastError(fm_fail_error()), (value))
#define FM_INJECT(value, call) (fm_fail_now(#call) ? FM_FAILED(value) : (call))

#define AddAccessAllowedAce(...) FM_INJECT(FALSE, AddAccessAllowedAce(__VA_ARGS__))
#define CloseHandle(...) (fm_crash_again(), FM_INJECT(FALSE, CloseHandle(__VA_ARGS__)))
#define CreateEventExW(...) FM_INJECT((HANDLE)NULL, CreateEventExW(__VA_ARGS__))
#define CreateEventW(...) FM_INJECT((HANDLE)NULL, CreateEventW(__VA_ARGS__))
#define CreateSemaphoreExW(...) FM_INJECT((HANDLE)NULL, CreateSemaphoreExW(__VA_ARGS__))
#define CreateMutexExW(...) FM_INJECT((HANDLE)NULL, CreateMutexExW(__VA_ARGS__))
#define CreateFileMappingW(...) FM_INJECT((HANDLE)NULL, CreateFileMappingW(__VA_ARGS__))
#define CreateFileW(...) FM_INJECT(INVALID_HANDLE_VALUE, CreateFileW(__VA_ARGS__))
#define CreateThread(...) FM_INJECT((HANDLE)NULL, CreateThread(__VA_ARGS__))
#define CreateWaitableTimerExW(...) (fm_no_hires() ? (SetLastError(ERROR_INVALID_PARAMETER), (HANDLE)NULL) : \
	FM_INJECT((HANDLE)NULL, CreateWaitableTimerExW(__VA_ARGS__)))
#define DeleteFileW(...) FM_INJECT(FALSE, DeleteFileW(__VA_ARGS__))
/* interrupt_event() is the program's (console.h), where the call is made */
#define FlushFileBuffers(file) (fm_before_flush(file, interrupt_event()), \
	FM_INJECT(FALSE, FlushFileBuffers(file)))
#define FlushViewOfFile(base, n) (fm_raise(base), fm_busy() ? FALSE : \
	FM_INJECT(FALSE, FlushViewOfFile(base, n)))
#define GetFileInformationByHandleEx(h, cls, buf, size) (fm_no_file_id(cls) ? \
	(SetLastError(ERROR_INVALID_PARAMETER), FALSE) : fm_fold(cls, buf) ? TRUE : \
	FM_INJECT(FALSE, GetFileInformationByHandleEx(h, cls, buf, size)))
#define GetFileInformationByHandle(...) FM_INJECT(FALSE, GetFileInformationByHandle(__VA_ARGS__))
#define GetFileSizeEx(...) FM_INJECT(FALSE, GetFileSizeEx(__VA_ARGS__))
#define GetFileAttributesExW(path, level, data) fm_encrypted(FM_INJECT(FALSE, \
	GetFileAttributesExW(path, level, data)), data)
#define GetNamedSecurityInfoW(...) FM_INJECT(ERROR_NOT_ENOUGH_MEMORY, GetNamedSecurityInfoW(__VA_ARGS__))
#define GetFinalPathNameByHandleW(...) FM_INJECT(0, GetFinalPathNameByHandleW(__VA_ARGS__))
#define GetFullPathNameW(...) FM_INJECT(0, GetFullPathNameW(__VA_ARGS__))
#define GetSecurityInfo(...) FM_INJECT(ERROR_NOT_ENOUGH_MEMORY, GetSecurityInfo(__VA_ARGS__))
#define GetTokenInformation(...) FM_INJECT(FALSE, GetTokenInformation(__VA_ARGS__))
#define InitializeAcl(...) FM_INJECT(FALSE, InitializeAcl(__VA_ARGS__))
#define InitializeSecurityDescriptor(...) FM_INJECT(FALSE, InitializeSecurityDescriptor(__VA_ARGS__))
#define MapViewOfFile(...) (fm_slow(), FM_INJECT((LPVOID)NULL, MapViewOfFile(__VA_ARGS__)))
#define MapViewOfFileEx(...) (fm_slow(), FM_INJECT((LPVOID)NULL, MapViewOfFileEx(__VA_ARGS__)))
#define OpenEventW(...) FM_INJECT((HANDLE)NULL, OpenEventW(__VA_ARGS__))
#define OpenSemaphoreW(...) FM_INJECT((HANDLE)NULL, OpenSemaphoreW(__VA_ARGS__))
#define OpenMutexW(...) FM_INJECT((HANDLE)NULL, OpenMutexW(__VA_ARGS__))
#define OpenFileMappingW(...) FM_INJECT((HANDLE)NULL, OpenFileMappingW(__VA_ARGS__))
#define OpenProcessToken(...) FM_INJECT(FALSE, OpenProcessToken(__VA_ARGS__))
#define ReadFile(...) FM_INJECT(FALSE, ReadFile(__VA_ARGS__))
#define ReleaseSemaphore(...) FM_INJECT(FALSE, ReleaseSemaphore(__VA_ARGS__))
#define ReleaseMutex(...) FM_INJECT(FALSE, ReleaseMutex(__VA_ARGS__))
#define SetEvent(...) FM_INJECT(FALSE, SetEvent(__VA_ARGS__))
#define SetFileTime(...) FM_INJECT(FALSE, SetFileTime(__VA_ARGS__))
#define SetFileInformationByHandle(h, cls, ...) (fm_rename_fails(cls) ? FALSE : \
	FM_INJECT(FALSE, SetFileInformationByHandle(h, cls, __VA_ARGS__)))
#define SetSecurityInfo(...) FM_INJECT(ERROR_NOT_ENOUGH_MEMORY, SetSecurityInfo(__VA_ARGS__))
#define SetSecurityDescriptorDacl(...) FM_INJECT(FALSE, SetSecurityDescriptorDacl(__VA_ARGS__))
#define UnmapViewOfFile(...) FM_INJECT(FALSE, UnmapViewOfFile(__VA_ARGS__))
#define VirtualAlloc(...) FM_INJECT((LPVOID)NULL, VirtualAlloc(__VA_ARGS__))
#define VirtualQuery(...) FM_INJECT((SIZE_T)0, VirtualQuery(__VA_ARGS__))
#define WaitForMultipleObjects(...) (fm_slow_wait(), \
	FM_INJECT(WAIT_FAILED, WaitForMultipleObjects(__VA_ARGS__)))

#endif /* INJECT_H */
