/*
 * security.c - who may touch the named objects: each is made with a DACL
 * that grants this user alone, and one found already made is used only
 * when this user owns it (check_owner): another user's is refused, by name.
 */
#include "security.h"
#include "console.h"
#include "msg.h"

#include <aclapi.h>
#include <sddl.h>
#include <stdio.h>
#include <wchar.h>

/* The current user's SID, the owner the token gives what it creates, and its integrity level. */
static union { TOKEN_USER tu; unsigned char b[256]; } me;
static union { TOKEN_OWNER to; unsigned char b[256]; } my_owner;
static union { TOKEN_MANDATORY_LABEL ml; unsigned char b[256]; } my_label;

static int read_token(const wchar_t *subject)
{
	static int done;
	HANDLE token;
	DWORD n, err;
	BOOL ok;

	if (done)
		return 0;
	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
		return fail_call(L"OpenProcessToken", subject, GetLastError());
	ok = GetTokenInformation(token, TokenUser, &me, sizeof me.b, &n) &&
	    GetTokenInformation(token, TokenOwner, &my_owner, sizeof my_owner.b, &n) &&
	    GetTokenInformation(token, TokenIntegrityLevel, &my_label, sizeof my_label.b, &n);
	err = GetLastError();
	close_handle(token, L"<token>");
	if (!ok)
		return fail_call(L"GetTokenInformation", subject, err);
	done = 1;
	return 0;
}

/* An integrity level's RID (0x1000 low, 0x2000 medium, 0x3000 high...), from its SID. */
static DWORD level_of(PSID sid)
{
	return *GetSidSubAuthority(sid, *GetSidSubAuthorityCount(sid) - 1);
}

/* The integrity level an object's label gives it: medium when it has none, as Windows reads it. */
static DWORD object_level(PACL sacl)
{
	ACE_HEADER *ace;
	DWORD i;

	for (i = 0; sacl != NULL && i < sacl->AceCount; i++)
		if (GetAce(sacl, i, (void **)&ace) && ace->AceType == SYSTEM_MANDATORY_LABEL_ACE_TYPE)
			return level_of(&((SYSTEM_MANDATORY_LABEL_ACE *)ace)->SidStart);
	return SECURITY_MANDATORY_MEDIUM_RID;
}

/*
 * Is object h this user's? Its owner must be the user, or the owner this
 * user's token gives new objects (the user on Windows, Administrators when
 * elevated, a group under Wine): nobody else can make an object with either.
 * And its integrity level must be at least this program's: a process of
 * the same user at a lower level (a sandboxed browser's, say) makes objects
 * with the user's SID, and is not trusted. `owner` gets the owner's SID as
 * text, for a message, and says when the level is what is lower.
 */
int check_owner(HANDLE h, const wchar_t *subject, int *mine, wchar_t owner[96])
{
	PSECURITY_DESCRIPTOR sd = NULL;
	PSID sid = NULL;
	PACL sacl = NULL;
	wchar_t *text;
	DWORD err, level;
	int rc;

	*mine = 0;
	if ((rc = read_token(subject)) != 0)
		return rc;
	err = GetSecurityInfo(h, SE_KERNEL_OBJECT, OWNER_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION,
	    &sid, NULL, NULL, &sacl, &sd);
	if (err != ERROR_SUCCESS)
		return fail_call(L"GetSecurityInfo", subject, err);
	level = object_level(sacl);
	/* no owner at all (Wine gives objects made without a descriptor none) is nobody's */
	*mine = sid != NULL && (EqualSid(sid, me.tu.User.Sid) || EqualSid(sid, my_owner.to.Owner));
	wcscpy(owner, sid == NULL ? L"no owner" : L"unknown");
	if (sid != NULL && ConvertSidToStringSidW(sid, &text)) {
		swprintf(owner, 96, L"%ls", text);
		LocalFree(text);
	}
	if (*mine && level < level_of(my_label.ml.Label.Sid)) {
		*mine = 0;
		swprintf(owner + wcslen(owner), 96 - wcslen(owner), L", at a lower integrity level");
	}
	LocalFree(sd);
	return 0;
}

/* Who has an object check_owner refused, for a message: "... owns it", "... made it". */
const wchar_t *whose(const wchar_t *owner)
{
	return wcsstr(owner, L"lower integrity") != NULL ? L"a process of this user's at a lower integrity "
	    L"level made" : L"another user owns";
}

/* A security descriptor whose DACL lets the current user, and nobody else, at an object. */
struct user_sd {
	union { ACL acl; unsigned char b[256]; } acl;
	union { ACL acl; unsigned char b[128]; } label;
	SECURITY_DESCRIPTOR sd;
};

/*
 * Fills `u` to grant the current user `rights`, and points `sa` to it. Built
 * from the token's user SID: under Wine the OWNER RIGHTS SID denies even the
 * owner, and no descriptor at all means no DACL, open to all.
 */
static int user_only(struct user_sd *u, DWORD rights, SECURITY_ATTRIBUTES *sa, const wchar_t *subject)
{
	int rc;

	if ((rc = read_token(subject)) != 0)
		return rc;
	if (!InitializeAcl(&u->acl.acl, sizeof u->acl.b, ACL_REVISION))
		return fail_call(L"InitializeAcl", subject, GetLastError());
	if (!AddAccessAllowedAce(&u->acl.acl, ACL_REVISION, rights, me.tu.User.Sid))
		return fail_call(L"AddAccessAllowedAce", subject, GetLastError());
	if (!InitializeSecurityDescriptor(&u->sd, SECURITY_DESCRIPTOR_REVISION))
		return fail_call(L"InitializeSecurityDescriptor", subject, GetLastError());
	if (!SetSecurityDescriptorDacl(&u->sd, TRUE, &u->acl.acl, FALSE))
		return fail_call(L"SetSecurityDescriptorDacl", subject, GetLastError());
	/* labelled with this program's own integrity level, which check_owner asks
	 * of what it finds (an unlabelled object is medium: too low for an elevated
	 * reader); no privilege is needed up to one's own level */
	if (!InitializeAcl(&u->label.acl, sizeof u->label.b, ACL_REVISION) ||
	    !AddMandatoryAce(&u->label.acl, ACL_REVISION, 0, SYSTEM_MANDATORY_LABEL_NO_WRITE_UP,
	    my_label.ml.Label.Sid))
		return fail_call(L"AddMandatoryAce", subject, GetLastError());
	if (!SetSecurityDescriptorSacl(&u->sd, TRUE, &u->label.acl, FALSE))
		return fail_call(L"SetSecurityDescriptorSacl", subject, GetLastError());
	sa->nLength = sizeof *sa;
	sa->lpSecurityDescriptor = &u->sd;
	sa->bInheritHandle = FALSE;
	return 0;
}

/* Security attributes that let the current user, and nobody else, at an object. */
int owner_only(SECURITY_ATTRIBUTES *sa, const wchar_t *subject)
{
	static struct user_sd u;     /* static: sa points to it */

	return user_only(&u, STANDARD_RIGHTS_ALL | SPECIFIC_RIGHTS_ALL, sa, subject);
}

/*
 * For the mapping: the current user may open it to map views for reading
 * and to read its owner, nobody may open it to write. The writer's own
 * handle has every right from the creation (a DACL governs opening, not
 * the creator's handle), so it alone can change the data.
 */
int read_only_mapping(SECURITY_ATTRIBUTES *sa, const wchar_t *subject)
{
	static struct user_sd u;

	return user_only(&u, FILE_MAP_READ | SECTION_QUERY | READ_CONTROL, sa, subject);
}

/*
 * After a Create*ExW of the named object `full` (h and its GetLastError):
 * one that exists already is fine when this user owns it, since the other
 * side may have made it; one another user owns could fake a signal, end a
 * hold or fake a writer's death, and is refused, as is a name held by
 * another kind of object. Returns 0, or the exit code with *h closed.
 */
static int claim(HANDLE *h, DWORD err, const wchar_t *call, const wchar_t *full, const wchar_t *kind)
{
	wchar_t owner[96];
	int rc, mine;

	if (*h == NULL && err == ERROR_INVALID_HANDLE)
		return fail_with(EXIT_SYSTEM, L"%ls(\"%ls\"): the name belongs to an object "
		    L"of another kind (error 6)", call, full);
	if (*h == NULL)
		return fail_call(call, full, err);
	if (err != ERROR_ALREADY_EXISTS)
		return 0;
	if ((rc = check_owner(*h, full, &mine, owner)) == 0 && !mine)
		rc = fail_with(EXIT_SYSTEM, L"%ls(\"%ls\"): the %ls exists and %ls it (%ls)", call, full, kind,
		    whose(owner), owner);
	if (rc != 0) {
		close_handle(*h, full);
		*h = NULL;
	}
	return rc;
}

/*
 * Opens or creates NAME+SUFFIX: the manual-reset event ".ready", or with
 * `counting` the semaphore ".done" (each reader that has finished adds one,
 * so none is lost when two finish at once), asking only for what waiting and
 * signalling need; claim() says which existing ones will do.
 */
int open_event(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const wchar_t *suffix, int counting,
    HANDLE *ev)
{
	wchar_t full[NAME_MAX + 8];

	swprintf(full, NAME_MAX + 8, L"%ls%ls", name, suffix);
	*ev = counting ? CreateSemaphoreExW(sa, 0, MAXLONG, full, 0,
	    SYNCHRONIZE | SEMAPHORE_MODIFY_STATE | READ_CONTROL) :
	    CreateEventExW(sa, full, CREATE_EVENT_MANUAL_RESET,
	    SYNCHRONIZE | EVENT_MODIFY_STATE | READ_CONTROL);
	return claim(ev, GetLastError(), counting ? L"CreateSemaphoreExW" : L"CreateEventExW", full,
	    counting ? L"semaphore" : L"event");
}

/*
 * NAME.writer: a mutex the writer owns for as long as it works on NAME,
 * from before it makes anything else of that name. It releases it when it
 * ends well; if it ends any other way (killed, crashed, failed) the system
 * marks the mutex abandoned, and a waiting reader learns at once that no
 * data is coming. One that exists already (a waiting reader makes it, wait.c;
 * claim() says whose) is waited for: a reader owns it for a moment when it
 * looks, or, having found it abandoned, until it exits; 1.5 s at most.
 */
int own_writer_mutex(SECURITY_ATTRIBUTES *sa, const wchar_t *name, HANDLE *m)
{
	HANDLE h[2] = { NULL, interrupt_event() };
	wchar_t full[NAME_MAX + 8];
	DWORD err, r;
	int rc;

	swprintf(full, NAME_MAX + 8, L"%ls.writer", name);
	*m = CreateMutexExW(sa, full, CREATE_MUTEX_INITIAL_OWNER,
	    SYNCHRONIZE | MUTEX_MODIFY_STATE | READ_CONTROL);
	err = GetLastError();
	if ((rc = claim(m, err, L"CreateMutexExW", full, L"mutex")) != 0 || err != ERROR_ALREADY_EXISTS)
		return rc;
	h[0] = *m;
	if ((r = WaitForMultipleObjects(2, h, FALSE, 1500)) == WAIT_OBJECT_0 + 1) {
		close_handle(*m, full);
		*m = NULL;
		return interrupted_while(L"waiting for", full);
	}
	if (r != WAIT_OBJECT_0 && r != WAIT_ABANDONED_0) {
		close_handle(*m, full);
		*m = NULL;
		return fail_with(EXIT_SYSTEM, L"\"%ls\": another writer of this name is at work", full);
	}
	return 0;
}
