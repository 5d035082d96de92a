"""What the tests ask about processes, on Linux from /proc and on Windows (the suite under wine,
scripts/windows-python) from the system's process list and process handles (ctypes: Windows
has no /proc)."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import napi_python

if sys.platform == "win32":
    import ctypes
    from ctypes import wintypes

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    _TH32CS_SNAPPROCESS = 0x2
    _PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
    _STILL_ACTIVE = 259
    _INVALID_HANDLE_VALUE = ctypes.c_void_p(-1).value

    class _ProcessEntry(ctypes.Structure):
        _fields_ = [
            ("dwSize", wintypes.DWORD),
            ("cntUsage", wintypes.DWORD),
            ("th32ProcessID", wintypes.DWORD),
            ("th32DefaultHeapID", ctypes.c_size_t),
            ("th32ModuleID", wintypes.DWORD),
            ("cntThreads", wintypes.DWORD),
            ("th32ParentProcessID", wintypes.DWORD),
            ("pcPriClassBase", wintypes.LONG),
            ("dwFlags", wintypes.DWORD),
            ("szExeFile", wintypes.WCHAR * 260),
        ]

    _kernel32.CreateToolhelp32Snapshot.restype = wintypes.HANDLE
    _kernel32.CreateToolhelp32Snapshot.argtypes = [wintypes.DWORD, wintypes.DWORD]
    _kernel32.Process32FirstW.argtypes = [wintypes.HANDLE, ctypes.POINTER(_ProcessEntry)]
    _kernel32.Process32NextW.argtypes = [wintypes.HANDLE, ctypes.POINTER(_ProcessEntry)]
    _kernel32.OpenProcess.restype = wintypes.HANDLE
    _kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    _kernel32.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
    _kernel32.CloseHandle.argtypes = [wintypes.HANDLE]

    def _walk_snapshot(kind: int, entry_type, first, following):
        """Each entry of a system snapshot of `kind` (processes, threads), one `entry_type`
        refilled in turn: read its fields before taking the next."""
        snapshot = _kernel32.CreateToolhelp32Snapshot(kind, 0)
        if snapshot == _INVALID_HANDLE_VALUE:
            raise ctypes.WinError(ctypes.get_last_error())
        try:
            entry = entry_type(dwSize=ctypes.sizeof(entry_type))
            more = first(snapshot, ctypes.byref(entry))
            while more:
                yield entry
                more = following(snapshot, ctypes.byref(entry))
        finally:
            _kernel32.CloseHandle(snapshot)

    def _processes() -> list[tuple[int, int, str]]:
        """(pid, parent's pid, program's file name) of each running process."""
        entries = _walk_snapshot(
            _TH32CS_SNAPPROCESS, _ProcessEntry, _kernel32.Process32FirstW, _kernel32.Process32NextW
        )
        return [(e.th32ProcessID, e.th32ParentProcessID, e.szExeFile) for e in entries]

    def host_children() -> list[int]:
        """Running child processes of this test process that are napi-hostd.exe."""
        me = os.getpid()
        return [pid for pid, parent, exe in _processes() if parent == me and exe.lower() == "napi-hostd.exe"]

    def gone(pid: int) -> bool:
        """True when `pid` no longer runs (no such process, or one that has exited)."""
        handle = _kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return True
        try:
            code = wintypes.DWORD()
            if not _kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                raise ctypes.WinError(ctypes.get_last_error())
            return code.value != _STILL_ACTIVE
        finally:
            _kernel32.CloseHandle(handle)

    class _MemoryCounters(ctypes.Structure):
        _fields_ = [
            ("cb", wintypes.DWORD),
            ("PageFaultCount", wintypes.DWORD),
            ("PeakWorkingSetSize", ctypes.c_size_t),
            ("WorkingSetSize", ctypes.c_size_t),
            ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPagedPoolUsage", ctypes.c_size_t),
            ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
            ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
            ("PagefileUsage", ctypes.c_size_t),
            ("PeakPagefileUsage", ctypes.c_size_t),
            ("PrivateUsage", ctypes.c_size_t),
        ]

    class _MemoryBasicInformation(ctypes.Structure):
        _fields_ = [
            ("BaseAddress", ctypes.c_void_p),
            ("AllocationBase", ctypes.c_void_p),
            ("AllocationProtect", wintypes.DWORD),
            ("PartitionId", wintypes.WORD),
            ("RegionSize", ctypes.c_size_t),
            ("State", wintypes.DWORD),
            ("Protect", wintypes.DWORD),
            ("Type", wintypes.DWORD),
        ]

    _MEM_MAPPED = 0x40000
    _kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    _kernel32.GetProcessHandleCount.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
    _kernel32.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.POINTER(_MemoryCounters), wintypes.DWORD]
    _kernel32.VirtualQuery.restype = ctypes.c_size_t
    _kernel32.VirtualQuery.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MemoryBasicInformation), ctypes.c_size_t]

    class _HandleEntry(ctypes.Structure):
        _fields_ = [
            ("UniqueProcessId", wintypes.USHORT),
            ("CreatorBackTraceIndex", wintypes.USHORT),
            ("ObjectTypeIndex", ctypes.c_ubyte),
            ("HandleAttributes", ctypes.c_ubyte),
            ("HandleValue", wintypes.USHORT),
            ("Object", ctypes.c_void_p),
            ("GrantedAccess", wintypes.ULONG),
        ]

    _ntdll = ctypes.WinDLL("ntdll")
    _ntdll.NtQuerySystemInformation.restype = wintypes.LONG
    _ntdll.NtQuerySystemInformation.argtypes = [
        wintypes.ULONG,
        ctypes.c_void_p,
        wintypes.ULONG,
        ctypes.POINTER(wintypes.ULONG),
    ]
    _SYSTEM_HANDLE_INFORMATION = 16
    _STATUS_INFO_LENGTH_MISMATCH = -1073741820

    _ntdll.NtQueryObject.restype = wintypes.LONG
    _ntdll.NtQueryObject.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.ULONG,
        ctypes.POINTER(wintypes.ULONG),
    ]
    _OBJECT_TYPE_INFORMATION = 2

    def _type_name(handle: int) -> str:
        """The kind of object `handle` of this process names (Event, File, Semaphore...)."""
        answer = ctypes.create_string_buffer(1024)
        if _ntdll.NtQueryObject(handle, _OBJECT_TYPE_INFORMATION, answer, len(answer), None) < 0:
            return ""
        # A UNICODE_STRING first: its length in bytes, then (aligned) a pointer to the name.
        length = ctypes.c_ushort.from_buffer(answer).value
        name = ctypes.c_void_p.from_buffer(answer, ctypes.sizeof(ctypes.c_void_p)).value
        return ctypes.wstring_at(name, length // 2) if name else ""

    def own_handles() -> int:
        """How many handles this process holds (Linux: descriptors), from the system's list of
        every process's handles (GetProcessHandleCount answers 0 under wine). Semaphores are
        left out: wine's critical sections each make one the first time two threads meet in it
        and keep it for good, and nothing of napi_python's makes one."""
        size = 1 << 20
        while True:
            buffer = ctypes.create_string_buffer(size)
            status = _ntdll.NtQuerySystemInformation(_SYSTEM_HANDLE_INFORMATION, buffer, size, None)
            if status != _STATUS_INFO_LENGTH_MISMATCH:
                break
            size *= 2
        if status < 0:
            raise OSError(f"NtQuerySystemInformation failed: {status & 0xFFFFFFFF:#x}")
        count = ctypes.c_ulong.from_buffer(buffer).value
        entries = (_HandleEntry * count).from_buffer(buffer, ctypes.sizeof(ctypes.c_void_p))
        me = os.getpid() & 0xFFFF  # the list's process ids are 16 bits wide
        return sum(1 for e in entries if e.UniqueProcessId == me and _type_name(e.HandleValue) != "Semaphore")

    def own_mappings() -> int:
        """How many views of file mappings this process has mapped (Linux: mappings of any kind)."""
        info = _MemoryBasicInformation()
        views, at = 0, 0
        while _kernel32.VirtualQuery(at, ctypes.byref(info), ctypes.sizeof(info)):
            if info.Type == _MEM_MAPPED and info.BaseAddress == info.AllocationBase:
                views += 1
            at = (info.BaseAddress or 0) + info.RegionSize
        return views

    def own_memory_mib() -> int:
        """This process's working set (as Linux's resident memory), in MiB."""
        counters = _MemoryCounters(cb=ctypes.sizeof(_MemoryCounters))
        if not _kernel32.K32GetProcessMemoryInfo(_kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb):
            raise ctypes.WinError(ctypes.get_last_error())
        return int(counters.WorkingSetSize) >> 20

    class _ThreadEntry(ctypes.Structure):
        _fields_ = [
            ("dwSize", wintypes.DWORD),
            ("cntUsage", wintypes.DWORD),
            ("th32ThreadID", wintypes.DWORD),
            ("th32OwnerProcessID", wintypes.DWORD),
            ("tpBasePri", wintypes.LONG),
            ("tpDeltaPri", wintypes.LONG),
            ("dwFlags", wintypes.DWORD),
        ]

    _TH32CS_SNAPTHREAD = 0x4
    _THREAD_QUERY_LIMITED_INFORMATION = 0x800
    _kernel32.Thread32First.argtypes = [wintypes.HANDLE, ctypes.POINTER(_ThreadEntry)]
    _kernel32.Thread32Next.argtypes = [wintypes.HANDLE, ctypes.POINTER(_ThreadEntry)]
    _kernel32.OpenThread.restype = wintypes.HANDLE
    _kernel32.OpenThread.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    _kernel32.GetThreadDescription.restype = ctypes.c_long
    _kernel32.GetThreadDescription.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.LPWSTR)]
    _kernel32.LocalFree.argtypes = [ctypes.c_void_p]

    def _thread_description(tid: int) -> str | None:
        handle = _kernel32.OpenThread(_THREAD_QUERY_LIMITED_INFORMATION, False, tid)
        if not handle:
            return None  # ended since the snapshot
        try:
            text = wintypes.LPWSTR()
            if _kernel32.GetThreadDescription(handle, ctypes.byref(text)) < 0:
                return None
            try:
                return text.value or ""
            finally:
                _kernel32.LocalFree(text)
        finally:
            _kernel32.CloseHandle(handle)

    def named_threads(pid: int) -> dict[int, str]:
        """Process `pid`'s threads, those still there to read: thread id -> name (Windows: its
        description, which Rust's named threads set)."""
        entries = _walk_snapshot(_TH32CS_SNAPTHREAD, _ThreadEntry, _kernel32.Thread32First, _kernel32.Thread32Next)
        tids = [e.th32ThreadID for e in entries if e.th32OwnerProcessID == pid]
        named = {tid: _thread_description(tid) for tid in tids}
        return {tid: name for tid, name in named.items() if name is not None}

    def child_processes() -> set[int]:
        """The running child processes of this process."""
        me = os.getpid()
        return {pid for pid, parent, _ in _processes() if parent == me}

    def usable_cpus() -> int:
        """How many CPUs this process may run on."""
        return os.cpu_count() or 1

    def thread_name() -> str:
        """The name of the thread that asks (its description, which Rust's named threads set)."""
        return _thread_description(threading.get_native_id()) or ""

else:

    def host_children() -> list[int]:
        """Child processes of this test process named napi-hostd (zombies included)."""
        me = os.getpid()
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...; comm may contain spaces, so split after the last ")"
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if ppid == me and comm == "napi-hostd":
                found.append(int(entry.name))
        return found

    def gone(pid: int) -> bool:
        """True when `pid` no longer runs (absent, or a zombie nobody has reaped yet)."""
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()[0] == "Z"
        # Reaped between the open and the read, the read fails with ESRCH.
        except (FileNotFoundError, ProcessLookupError):
            return True

    def own_handles() -> int:
        """How many descriptors this process holds."""
        return len(os.listdir("/proc/self/fd"))

    def own_mappings() -> int:
        """How many mappings this process has, of any kind."""
        with open("/proc/self/maps") as f:
            return sum(1 for _ in f)

    def own_memory_mib() -> int:
        """This process's resident memory, in MiB."""
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
        raise RuntimeError("no VmRSS in /proc/self/status")

    def named_threads(pid: int) -> dict[int, str]:
        """Process `pid`'s threads, those still there to read: thread id -> name (comm)."""
        named = {}
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                named[int(task.name)] = (task / "comm").read_text().rstrip("\n")
            except OSError:
                pass
        return named

    def child_processes() -> set[int]:
        """The child processes of this process (from every thread's child list)."""
        children = set()
        for task in Path("/proc/self/task").iterdir():
            try:
                children.update(int(pid) for pid in (task / "children").read_text().split())
            except OSError:
                pass
        return children

    def usable_cpus() -> int:
        """How many CPUs this process may run on (its affinity mask's)."""
        return len(os.sched_getaffinity(0))

    def thread_name() -> str:
        """The name (comm) of the thread that asks."""
        return Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text().rstrip("\n")


def thread_names(pid: int) -> list[str]:
    """The names of process `pid`'s threads, those still there to read."""
    return list(named_threads(pid).values())


def assert_no_host_left(before: list[int]) -> None:
    """Waits up to ten seconds for the napi-hostd children not in `before` to be gone; fails
    naming those left."""
    deadline = time.monotonic() + 10
    while True:
        left = sorted(set(host_children()) - set(before))
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert left == [], f"napi-hostd processes left behind: {left}"


def host_pid(addon: napi_python.Addon) -> int:
    """The process id of `addon`'s host: a function of a module, so that a process pool's worker
    can be handed it."""
    return napi_python.addon_info(addon).pid
