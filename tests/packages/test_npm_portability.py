"""The installer's pieces that differ on Windows, tested by their functions here (another
helper runs them under wine): the package cache's folder, and the install lock, `flock` on
Linux and macOS, `msvcrt.locking` on Windows, whose module is imported only there. The lock itself is real on this OS; Windows' msvcrt is played by a fake that keeps its
documented rules (a byte range from the file's current position; EDEADLOCK when LK_NBLCK finds
it locked by another handle)."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import napi_python.npm.lock as lock_module
import napi_python.packages.cache as package_cache
from napi_python.errors import InstallError
from napi_python.npm.lock import InstallLock, lock_functions

# No test here loads an addon: each does the same in either mode.
pytestmark = pytest.mark.either_mode


def test_the_cache_is_in_localappdata_on_windows_and_in_xdg_or_dot_cache_elsewhere(tmp_path, monkeypatch):
    monkeypatch.delenv("NAPI_PYTHON_CACHE", raising=False)
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(package_cache, "this_os", lambda: "win32")
    assert package_cache.cache_dir() == tmp_path / "Local" / "napi-python"
    assert package_cache.node_modules() == tmp_path / "Local" / "napi-python" / "node_modules"
    monkeypatch.delenv("LOCALAPPDATA")
    assert package_cache.cache_dir() == Path.home() / "AppData" / "Local" / "napi-python"
    monkeypatch.setenv("NAPI_PYTHON_CACHE", str(tmp_path / "chosen"))
    assert package_cache.cache_dir() == tmp_path / "chosen"
    monkeypatch.delenv("NAPI_PYTHON_CACHE")
    for os_name in ("linux", "darwin"):
        monkeypatch.setattr(package_cache, "this_os", lambda os_name=os_name: os_name)
        monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "Local"))
        assert package_cache.cache_dir() == tmp_path / "xdg" / "napi-python"
        monkeypatch.delenv("XDG_CACHE_HOME")
        # Path.home() is $HOME here, %USERPROFILE% when this runs on Windows.
        assert package_cache.cache_dir() == Path.home() / ".cache" / "napi-python"
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


def test_the_package_imports_where_python_has_no_fcntl():
    """Windows' Python has no fcntl: `import napi_python` (which imports the installer) and the
    command line must not need it."""
    code = "import sys; sys.modules['fcntl'] = None; import napi_python, napi_python.__main__, napi_python.npm.install"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr


def test_the_lock_keeps_a_second_install_out_until_the_first_is_done(tmp_path):
    """This OS's own lock: flock, or msvcrt.locking on Windows (run under wine by
    scripts/windows-python, whose C runtime says a held byte with errno 0)."""
    path = tmp_path / ".napi-python-install.lock"
    with InstallLock(path, wait=10):
        # Either lock conflicts between two opens of the file, even in one process.
        with pytest.raises(InstallError, match=r"another install into .* has held \.napi-python-install\.lock"):
            with InstallLock(path, wait=0.2):
                pass
    with InstallLock(path, wait=0.2):
        pass


class FakeMsvcrt(types.ModuleType):
    """msvcrt.locking as Windows documents it, over the files of this process: LK_NBLCK locks
    ``n`` bytes from the descriptor's position, or raises EDEADLOCK (36) when another
    descriptor holds one of them; LK_UNLCK unlocks them."""

    LK_UNLCK, LK_NBLCK = 0, 2

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.held: dict[tuple[int, int], int] = {}  # (file id, byte) -> fd
        self.calls: list[tuple[int, int, int]] = []
        self.fail_with: int | None = None

    def locking(self, fd: int, mode: int, n: int) -> None:
        start = os.lseek(fd, 0, os.SEEK_CUR)
        self.calls.append((mode, start, n))
        if self.fail_with is not None:
            raise OSError(self.fail_with, os.strerror(self.fail_with))
        st = os.fstat(fd)
        keys = [((st.st_dev, st.st_ino), b) for b in range(start, start + n)]
        if mode == self.LK_NBLCK:
            if any(self.held.get(k, fd) != fd for k in keys):
                raise OSError(36, "Resource deadlock avoided")
            self.held.update(dict.fromkeys(keys, fd))
        elif mode == self.LK_UNLCK:
            for k in keys:
                self.held.pop(k, None)


@pytest.fixture
def windows(monkeypatch):
    fake = FakeMsvcrt()
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    monkeypatch.setattr(lock_module, "this_os", lambda: "win32")
    return fake


def test_on_windows_the_lock_is_msvcrt_locking_of_the_first_byte(tmp_path, windows):
    path = tmp_path / ".napi-python-install.lock"
    with InstallLock(path, wait=10) as held:
        os.lseek(held._fd, 5, os.SEEK_SET)  # wherever the file's position went meanwhile
        with pytest.raises(InstallError, match="has held"):
            with InstallLock(path, wait=0.2):
                pass
    assert windows.calls[0] == (FakeMsvcrt.LK_NBLCK, 0, 1)
    assert windows.calls[-1] == (FakeMsvcrt.LK_UNLCK, 0, 1)
    assert windows.held == {}
    with InstallLock(path, wait=0.2):
        pass


def test_on_windows_a_locking_failure_other_than_held_is_raised_not_waited_on(tmp_path, windows):
    windows.fail_with = 9  # EBADF
    with pytest.raises(OSError) as e:
        with InstallLock(tmp_path / "lock", wait=10):
            pass
    assert e.value.errno == 9 and not isinstance(e.value, BlockingIOError)


@pytest.mark.skipif(sys.platform == "win32", reason="fcntl is Linux's and macOS's")
def test_elsewhere_the_lock_is_flock():
    take, _ = lock_functions("linux")
    assert take.__qualname__.startswith("_flock")
