/*
 * security.h - ownership and DACLs of the named objects (security.c).
 */
#ifndef SECURITY_H
#define SECURITY_H

#include "common.h"

int check_owner(HANDLE h, const wchar_t *subject, int *mine, wchar_t owner[96]);
const wchar_t *whose(const wchar_t *owner);
int owner_only(SECURITY_ATTRIBUTES *sa, const wchar_t *subject);
int read_only_mapping(SECURITY_ATTRIBUTES *sa, const wchar_t *subject);
int open_event(SECURITY_ATTRIBUTES *sa, const wchar_t *name, const wchar_t *suffix, int counting,
    HANDLE *ev);
int own_writer_mutex(SECURITY_ATTRIBUTES *sa, const wchar_t *name, HANDLE *m);

#endif /* SECURITY_H */
