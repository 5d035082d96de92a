/* napi-hostd.exe's link, found from inside the host as an addon going through its process
 * would (hostile_host.c plays such an addon), the Windows twin of host_sockets.h.
 *
 * The client duplicates seven handles into the host and writes their values on its standard
 * input (server/hostd/src/start/windows.rs, client/src/link/job_object.rs's hand_over): per
 * stream (the main one, then the events'), its end of a named pipe and two auto-reset wake-up
 * events, the host's and the client's; then the rings' section, which the host maps (one view
 * of 4096 + 3 MiB bytes) and closes. From inside, then:
 * - the rings are the mapped view of that size (VirtualQuery, MEM_MAPPED);
 * - the pipes are the two named \\.\pipe\napi-python-PID-COUNT-..., the main one made first
 *   (the lower COUNT) (NtQueryObject's name);
 * - the wake-up events are the four auto-reset events another process (the client) holds too
 *   (NtQueryEvent's type, NtQueryObject's handle count).
 * Which event is whose cannot be told from inside: the handle values do not keep the order the
 * client duplicated them in (under wine the host's start frees entries meanwhile, which take
 * the next ones), and all four are alike. So the client's bell is rung by setting all four:
 * its reader wakes, and the others (the host's own, the other stream's) see a wake-up with
 * nothing new, as any reader must tolerate.
 * The finder checks that it found exactly this, or finds nothing. */
#ifndef NAPI_PYTHON_TEST_HOST_LINK_WINDOWS_H
#define NAPI_PYTHON_TEST_HOST_LINK_WINDOWS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>
#include <windows.h>

/* The rings' view: a 4096-byte control page and three rings of 1 MiB (link/src/shm/ring.rs). */
#define HOST_LINK_RINGS_LEN (4096 + 3 * (1u << 20))

typedef struct {
  uint8_t* rings;
  /* The pipe of each stream (0: main, 1: events). */
  HANDLE pipe[2];
  /* The link's four wake-up events (see above). */
  HANDLE wake[4];
  /* What was found, when it was not the link. */
  char found[96];
} HostLink;

/* NtQueryObject's and NtQueryEvent's answers used here (winternl.h's
 * PUBLIC_OBJECT_BASIC_INFORMATION, UNICODE_STRING; EVENT_BASIC_INFORMATION). */
typedef struct {
  ULONG attributes;
  ACCESS_MASK granted_access;
  ULONG handle_count;
  ULONG pointer_count;
  ULONG reserved[10];
} HostLinkBasicInfo;

typedef struct {
  USHORT length, maximum_length;
  PWSTR buffer;
} HostLinkUnicodeString;

typedef struct {
  int type; /* 1: SynchronizationEvent (auto-reset) */
  LONG state;
} HostLinkEventInfo;

typedef LONG(NTAPI* HostLinkQuery)(HANDLE, int, void*, ULONG, ULONG*);

/* The rings' view, or NULL when there is not exactly one of that size (`*count` of them). */
static inline uint8_t* host_link_rings(int* count) {
  uint8_t* found = NULL;
  *count = 0;
  MEMORY_BASIC_INFORMATION info;
  for (uint8_t* at = NULL; VirtualQuery(at, &info, sizeof info) == sizeof info; at = (uint8_t*)info.BaseAddress + info.RegionSize) {
    if (info.Type != MEM_MAPPED || info.AllocationBase != info.BaseAddress) continue;
    /* The whole view: its regions that share the allocation. */
    size_t len = 0;
    MEMORY_BASIC_INFORMATION part;
    for (uint8_t* p = info.BaseAddress; VirtualQuery(p, &part, sizeof part) == sizeof part && part.AllocationBase == info.AllocationBase;
         p += part.RegionSize)
      len += part.RegionSize;
    if (len == HOST_LINK_RINGS_LEN) {
      found = info.BaseAddress;
      ++*count;
    }
  }
  return *count == 1 ? found : NULL;
}

/* Whether NtQueryObject's string answer `what` for `h` is `expected` (0: the type name, or
 * else: a name that contains it). */
static inline int host_link_named(HostLinkQuery query, HANDLE h, int what, const wchar_t* expected, unsigned long long* count) {
  union {
    HostLinkUnicodeString name;
    char bytes[1024];
  } answer;
  ULONG got = 0;
  if (query(h, what, &answer, sizeof answer - 2, &got) < 0 || !answer.name.buffer) return 0;
  answer.name.buffer[answer.name.length / 2] = 0;
  if (what == 2) return wcscmp(answer.name.buffer, expected) == 0;
  const wchar_t* at = wcsstr(answer.name.buffer, expected);
  if (!at) return 0;
  /* napi-python-PID-COUNT-: the COUNT. */
  const wchar_t* dash = wcschr(at + wcslen(expected), L'-');
  *count = dash ? wcstoull(dash + 1, NULL, 10) : 0;
  return 1;
}

/* Finds the host's link into `link`; 0 when it is not as described above (then `link->found`
 * says what was). */
static inline int host_link_find(HostLink* link) {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  HostLinkQuery query_object = (HostLinkQuery)(void (*)(void))GetProcAddress(ntdll, "NtQueryObject");
  HostLinkQuery query_event = (HostLinkQuery)(void (*)(void))GetProcAddress(ntdll, "NtQueryEvent");
  int views, pipes = 0, wakes = 0;
  unsigned long long counts[2] = {0, 0};
  link->rings = host_link_rings(&views);
  for (uintptr_t value = 4; query_object && query_event && value < 0x10000; value += 4) {
    HANDLE h = (HANDLE)value;
    DWORD flags;
    ULONG got;
    unsigned long long count;
    if (!GetHandleInformation(h, &flags)) continue;
    if (host_link_named(query_object, h, 2 /* ObjectTypeInformation */, L"Event", NULL)) {
      HostLinkEventInfo event;
      HostLinkBasicInfo basic;
      if (query_event(h, 0, &event, sizeof event, &got) < 0 || event.type != 1) continue;
      if (query_object(h, 0 /* ObjectBasicInformation */, &basic, sizeof basic, &got) < 0 || basic.handle_count < 2) continue;
      if (wakes < 4) link->wake[wakes] = h;
      wakes++;
    } else if (host_link_named(query_object, h, 1 /* ObjectNameInformation */, L"\\napi-python-", &count)) {
      if (pipes < 2) {
        link->pipe[pipes] = h;
        counts[pipes] = count;
      }
      pipes++;
    }
  }
  snprintf(link->found, sizeof link->found, "%d views of the rings' size, %d pipes of napi-python's, %d shared wake-up events", views, pipes,
           wakes);
  if (!link->rings || pipes != 2 || wakes != 4) return 0;
  if (counts[1] < counts[0]) {
    HANDLE main = link->pipe[1];
    link->pipe[1] = link->pipe[0];
    link->pipe[0] = main;
  }
  return 1;
}

/* Wakes the client's reader of every stream: which of the four events is whose is not known from
 * inside, so all are set (a woken reader finding nothing for it sleeps again). */
static inline void host_link_wake_all(const HostLink* link) {
  for (int i = 0; i < 4; i++) SetEvent(link->wake[i]);
}

#endif
