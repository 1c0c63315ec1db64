/*
 * console.h - Ctrl+C, Ctrl+Break and the console closing (console.c).
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "common.h"

int watch_interrupts(void);
HANDLE interrupt_event(void);
extern volatile LONG interrupted;
int interrupted_while(const wchar_t *doing, const wchar_t *subject);

#endif /* CONSOLE_H */
