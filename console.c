/*
 * console.c - Ctrl+C, Ctrl+Break and the console closing: each sets one
 * event (interrupt_event) and the flag `interrupted`, which the long loops
 * look at; the work stopped says so in one line (interrupted_while).
 */
#include "console.h"
#include "msg.h"

#include <wchar.h>

volatile LONG interrupted;
static HANDLE stop;

static BOOL WINAPI on_ctrl(DWORD type)
{
	InterlockedExchange(&interrupted, 1);
	SetEvent(stop);
	/* the process ends when this returns: let the main thread clean up */
	if (type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT)
		Sleep(5000);
	return TRUE;
}

/*
 * Makes the event that Ctrl+C, Ctrl+Break or closing the console sets (and
 * raises `interrupted`); each program does so first. interrupt_event() is it.
 */
int watch_interrupts(void)
{
	if ((stop = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		return fail_call(L"CreateEventW", L"<Ctrl+C>", GetLastError());
	if (!SetConsoleCtrlHandler(on_ctrl, TRUE))
		return fail_call(L"SetConsoleCtrlHandler", L"<Ctrl+C>", GetLastError());
	return 0;
}

HANDLE interrupt_event(void)
{
	return stop;
}

/* The line for work that Ctrl+C stopped, said once however many threads see it. */
int interrupted_while(const wchar_t *doing, const wchar_t *subject)
{
	static volatile LONG said;

	if (InterlockedExchange(&said, 1) == 0)
		say_error(L"interrupted while %ls \"%ls\"", doing, subject);
	return EXIT_INTERRUPTED;
}
