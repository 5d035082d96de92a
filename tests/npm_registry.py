"""A real npm registry for the installer's tests: Verdaccio (installed into tests/registry by
scripts/npm-install, from scripts/build), started on 127.0.0.1 on a free port with the
configuration in tests/registry/config.yaml, and packages published to it as npm publishes them
(one PUT of the package document with the tarball attached), tarballs built here so that they
can hold what `npm pack` never makes: a `../` path, links out of the package, a wrong digest."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import io
import json
import os
import select
import shutil
import socket
import subprocess
import tarfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_DIR = ROOT / "tests" / "registry"
VERDACCIO = REGISTRY_DIR / "node_modules" / ".bin" / "verdaccio"
# Seconds Verdaccio may take to listen (it loads ~300 modules; seconds on a busy machine).
START_DEADLINE = 90.0
# The storage's signing secret (Verdaccio wants 32 characters): tokens for @private/ are signed with it.
SECRET = "napi-python-tests-0123456789abcd"
assert len(SECRET) == 32


@dataclass(frozen=True)
class Link:
    """A tar entry that is a link: symbolic, or hard (``hard=True``), to ``target``."""

    target: str
    hard: bool = False


Entry = bytes | Link


def tarball(entries: dict[str, Entry], prefix: str = "package/") -> bytes:
    """A gzipped tar of ``entries`` (paths below ``prefix`` unless they start with ``/``)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        for name, content in entries.items():
            info = tarfile.TarInfo(name if name.startswith("/") else prefix + name)
            info.mtime = 0
            if isinstance(content, Link):
                info.type = tarfile.LNKTYPE if content.hard else tarfile.SYMTYPE
                info.linkname = content.target
                tar.addfile(info)
            else:
                info.size = len(content)
                info.mode = 0o755 if name.endswith(".node") else 0o644
                tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def jwt(payload: dict, secret: str = SECRET) -> str:
    """An HS256 JSON Web Token, as Verdaccio signs its API tokens."""

    def part(obj: dict) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=")

    signed = part({"alg": "HS256", "typ": "JWT"}) + b"." + part(payload)
    signature = base64.urlsafe_b64encode(hmac.new(secret.encode(), signed, hashlib.sha256).digest()).rstrip(b"=")
    return (signed + b"." + signature).decode()


def user_token(name: str = "tester") -> str:
    """A token Verdaccio takes as logged-in user ``name``."""
    return jwt(
        {"name": name, "groups": ["$all", "$authenticated", name], "real_groups": [name], "iat": int(time.time())}
    )


@dataclass
class Registry:
    url: str
    process: subprocess.Popen
    drain: threading.Thread
    published: dict[str, list[str]] = field(default_factory=dict)

    def publish(
        self,
        name: str,
        version: str,
        manifest: dict | None = None,
        files: dict[str, Entry] | None = None,
        *,
        tag: str = "latest",
        integrity_of: bytes | None = None,
        raw_entries: bool = False,
    ) -> bytes:
        """Publishes ``name@version``: its package.json is ``manifest`` plus name and version,
        its tarball holds it and ``files`` (as given when ``raw_entries``, package.json
        included by the caller). The published integrity is the tarball's, or that of
        ``integrity_of`` (a tampered package). Answers the tarball."""
        meta = {"name": name, "version": version, **(manifest or {})}
        entries: dict[str, Entry] = (
            dict(files or {}) if raw_entries else {"package.json": json.dumps(meta).encode(), **(files or {})}
        )
        data = tarball(entries)
        filename = f"{name.rsplit('/', 1)[-1]}-{version}.tgz"
        document = {
            "_id": name,
            "name": name,
            "dist-tags": {tag: version},
            "versions": {
                version: {
                    **meta,
                    "_id": f"{name}@{version}",
                    "dist": {
                        "integrity": sri(data if integrity_of is None else integrity_of),
                        "tarball": f"{self.url}{name}/-/{filename}",
                    },
                }
            },
            "_attachments": {
                filename: {
                    "content_type": "application/octet-stream",
                    "data": base64.b64encode(data).decode(),
                    "length": len(data),
                }
            },
        }
        request = urllib.request.Request(
            self.url + name.replace("/", "%2f"),
            data=json.dumps(document).encode(),
            method="PUT",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {user_token('publisher')}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status in (200, 201), response.read()
        self.published.setdefault(name, []).append(version)
        return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(workdir: Path) -> Registry:
    """Starts Verdaccio with its storage in ``workdir``; returns once it answers on its port."""
    shutil.copy(REGISTRY_DIR / "config.yaml", workdir / "config.yaml")
    (workdir / "storage").mkdir()
    (workdir / "storage" / ".verdaccio-db.json").write_text(json.dumps({"list": [], "secret": SECRET}))
    # The free port may be taken between our probe and Verdaccio's bind: then another one.
    for attempt in range(3):
        try:
            return _start_on(workdir, free_port())
        except _PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class _PortTaken(RuntimeError):
    pass


def _start_on(workdir: Path, port: int) -> Registry:
    url = f"http://127.0.0.1:{port}/"
    process = subprocess.Popen(
        [str(VERDACCIO), "--config", str(workdir / "config.yaml"), "--listen", f"127.0.0.1:{port}"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=workdir,
        env={**os.environ, "NODE_ENV": "production"},
    )
    assert process.stdout is not None
    # Its output is drained once it listens (Node dies of a write error on a full or closed pipe).
    drain = threading.Thread(target=_drain, args=(process.stdout,), daemon=True)
    try:
        _await_listening(process, url)
    except BaseException:
        _end(process)
        process.stdout.close()
        raise
    drain.start()
    return Registry(url, process, drain)


def _await_listening(process: subprocess.Popen, url: str) -> None:
    """Polls Verdaccio's HTTP port until it answers its ping, within a deadline. Between two
    tries it waits on its output (not a sleep: it wakes as soon as Verdaccio says something,
    such as EADDRINUSE, or exits), keeping what it said for the error."""
    assert process.stdout is not None
    deadline = time.monotonic() + START_DEADLINE
    said = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(
                f"Verdaccio did not answer on {url} within {START_DEADLINE:g} s; it printed:\n{said.decode(errors='replace')}"
            )
        if _answers(url, min(5.0, left)) and process.poll() is None:
            return
        ready, _, _ = select.select([process.stdout], [], [], min(0.1, max(0.0, deadline - time.monotonic())))
        if ready:
            chunk = os.read(process.stdout.fileno(), 65536)
            said += chunk
            if not chunk:
                kind = _PortTaken if b"EADDRINUSE" in said else RuntimeError
                raise kind(
                    f"Verdaccio exited ({process.wait()}) before answering on {url}; it printed:\n{said.decode(errors='replace')}"
                )


def _answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url + "-/ping", timeout=timeout) as response:
            return response.status == 200
    except (OSError, http.client.HTTPException):
        return False


def _drain(pipe) -> None:
    with pipe:
        while os.read(pipe.fileno(), 65536):
            pass


def stop(registry: Registry) -> None:
    """Stops Verdaccio; its output pipe is closed by the drain once it has exited."""
    _end(registry.process)
    registry.drain.join(timeout=15)
    assert not registry.drain.is_alive(), "Verdaccio's output stayed open after it exited"


def _end(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
