/* The entry point of the Windows test addons scripts/windows builds without mingw-w64's runtime
 * startup (-nostartfiles): that startup links tlssup, which gives every DLL a TLS directory, and an
 * in-process host relays every call of an addon with one to its host thread (D37), so no call of
 * a test addon would run on Python's thread. This entry does the two things of that startup the
 * addons need: it runs their constructors (lifecycle_legacy registers itself from one) when the
 * DLL is loaded, and keeps atexit's functions (mingw-w64's own printf registers one) for its
 * unload. */
#include <windows.h>
#include <stdlib.h>

/* Bounds of the constructor list, which GNU ld's PE linker script lays out as a count (-1) or
 * nothing, the constructors, then a terminating 0. */
extern void (*__CTOR_LIST__[])(void);

static void (*at_exit[64])(void);
static int at_exits;

int atexit(void (*fn)(void)) {
  if (at_exits == (int)(sizeof at_exit / sizeof at_exit[0])) return -1;
  at_exit[at_exits++] = fn;
  return 0;
}

BOOL WINAPI DllEntry(HINSTANCE instance, DWORD reason, LPVOID reserved) {
  (void)instance;
  (void)reserved;
  if (reason == DLL_PROCESS_ATTACH) {
    unsigned long n = 0;
    while (__CTOR_LIST__[n + 1]) n++;
    /* Run last to first, as the runtime's __do_global_ctors does. */
    while (n) __CTOR_LIST__[n--]();
  } else if (reason == DLL_PROCESS_DETACH) {
    while (at_exits) at_exit[--at_exits]();
  }
  return TRUE;
}
