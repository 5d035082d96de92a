"""Talking to an npm registry over HTTP(S): package documents and tarballs, with npm's
configuration for the registry, credentials, TLS and proxy (``config``).

Documents are asked for in npm's abbreviated form (``application/vnd.npm.install-v1+json``,
what npm itself asks for when installing); tarballs stream to a file while their digest is
computed, so nothing is unpacked before it is checked (``integrity``).
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

from .._native import __version__
from ..errors import InstallError, RegistryError
from .config import NpmConfig
from .integrity import Integrity

__all__ = ["Registry"]

_ACCEPT_DOCUMENT = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"
# A package document over this many bytes is refused (the largest abbreviated ones are ~30 MB).
MAX_DOCUMENT = 256 << 20
# And a tarball over this many.
MAX_TARBALL = 2 << 30
_CHUNK = 1 << 20


_USER_AGENT = f"napi-python/{__version__} (python; no node)"


class Registry:
    """The registries npm's configuration names, and their credentials."""

    def __init__(self, config: NpmConfig) -> None:
        self.config = config
        handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPSHandler(context=self._tls())]
        if config.proxy:
            handlers.append(urllib.request.ProxyHandler({"http": config.proxy, "https": config.proxy}))
        self._opener = urllib.request.build_opener(*handlers)

    def _tls(self) -> ssl.SSLContext:
        if not self.config.strict_ssl:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        try:
            return ssl.create_default_context(cafile=self.config.cafile)
        except (OSError, ssl.SSLError) as e:
            raise InstallError(f"cannot use npm's cafile {self.config.cafile}: {e}") from e

    def document_url(self, name: str) -> str:
        """Where the registry serves ``name``'s document (a scope's slash escaped, as npm does)."""
        return self.config.registry_for(name) + quote(name, safe="@")

    def _open(self, url: str, accept: str) -> Any:
        if urlsplit(url).scheme not in ("http", "https"):
            raise RegistryError(f"not an http(s) URL: {url}")
        request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": _USER_AGENT})
        auth = self.config.auth_header(url)
        if auth:
            request.add_unredirected_header("Authorization", auth)
        try:
            return self._opener.open(request, timeout=self.config.timeout)
        except urllib.error.HTTPError as e:
            e.close()
            raise RegistryError(_refusal(url, e.code, e.reason, auth is not None), e.code) from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise RegistryError(f"cannot reach {_origin(url)}: {reason}") from None

    def document(self, name: str) -> dict[str, Any]:
        """The registry's document for package ``name`` (its versions, dist-tags...)."""
        url = self.document_url(name)
        try:
            response = self._open(url, _ACCEPT_DOCUMENT)
        except RegistryError as e:
            if e.status == 404:
                raise RegistryError(
                    f"no package named {name} in the registry {self.config.registry_for(name)}", 404
                ) from None
            raise
        with response:
            body = _read_capped(response, MAX_DOCUMENT, url)
        try:
            document = json.loads(body)
        except ValueError as e:
            raise RegistryError(f"{url}: the registry's answer is not JSON: {e}") from None
        if not isinstance(document, dict):
            raise RegistryError(f"{url}: the registry's answer is not a package document")
        return document

    def download(self, url: str, integrity: Integrity, dest: Path, what: str) -> None:
        """Saves the tarball at ``url`` to ``dest`` and checks it against ``integrity``
        (``IntegrityError`` otherwise: the caller discards the file unopened)."""
        hasher = integrity.hasher()
        with self._open(url, "*/*") as response, open(dest, "wb") as out:
            try:
                _copy_capped(response, out, hasher, MAX_TARBALL, url)
            except OSError as e:
                raise RegistryError(f"{url}: the download broke off: {e}") from None
        integrity.check(hasher.digest(), what)


def _read_capped(response: BinaryIO, limit: int, url: str) -> bytes:
    try:
        body = response.read(limit + 1)
    except OSError as e:
        raise RegistryError(f"{url}: the answer broke off: {e}") from None
    if len(body) > limit:
        raise RegistryError(f"{url}: the answer is larger than {limit >> 20} MiB")
    return body


def _copy_capped(response: BinaryIO, out: BinaryIO, hasher: Any, limit: int, url: str) -> None:
    size = 0
    while True:
        chunk = response.read(_CHUNK)
        if not chunk:
            return
        size += len(chunk)
        if size > limit:
            raise RegistryError(f"{url}: the tarball is larger than {limit >> 20} MiB")
        hasher.update(chunk)
        out.write(chunk)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _refusal(url: str, status: int, reason: str, sent_auth: bool) -> str:
    if status == 404:
        return f"{url}: not found (404)"
    if status in (401, 403):
        key = f"//{urlsplit(url).netloc}/:_authToken"
        hint = (
            "the credentials npm's configuration gives for it were refused"
            if sent_auth
            else f"no credentials for it in npm's configuration ({key}=... in .npmrc, or npm login)"
        )
        return f"{url}: {status} {reason}: {hint}"
    return f"{url}: {status} {reason}"
