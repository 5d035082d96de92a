"""npm's configuration, read as npm reads it, for the registry, its credentials and TLS.

Sources, the first that sets a key winning (npm's order, without a command line):

1. the environment: ``npm_config_<key>`` in any case (``NPM_CONFIG_REGISTRY``), ``_`` standing
   for ``-``;
2. the project's ``.npmrc``, in the nearest folder upwards (from ``--dir`` or the current
   folder) that holds a ``package.json`` or a ``node_modules``, else in that folder itself;
3. the user's, ``$npm_config_userconfig`` or ``~/.npmrc``;
4. the global one, ``$npm_config_globalconfig`` or ``<prefix>/etc/npmrc`` (the prefix is
   ``$npm_config_prefix``, else the one of the ``node`` on ``PATH``, as npm derives it).

Files are ini: ``key = value`` lines, ``;``/``#`` comments, ``${VAR}`` replaced from the
environment (``${VAR?}`` by nothing when unset). Credentials are keyed by registry, as npm 9 and
later require: ``//host[:port]/path/:_authToken``, ``:_auth``, ``:username`` + ``:_password``;
a request sends the ones whose key is the longest prefix of its URL, and no others.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import InstallError

__all__ = ["NpmConfig", "DEFAULT_REGISTRY"]

# npm's own default.
DEFAULT_REGISTRY = "https://registry.npmjs.org/"

_ENV_REFERENCE = re.compile(r"(?<!\\)(\\*)\$\{([^${}?]+)(\?)?\}")


def _replace_env(text: str, env: Mapping[str, str], where: str) -> str:
    """npm's ``${VAR}`` substitution; an escaped ``\\${VAR}`` stays as written."""

    def substitute(match: re.Match[str]) -> str:
        slashes, name, optional = match.group(1), match.group(2), match.group(3)
        if len(slashes) % 2:
            return match.group(0)[1:]
        if name in env:
            return slashes[: len(slashes) // 2] + env[name]
        if optional:
            return slashes[: len(slashes) // 2]
        raise InstallError(f"{where}: ${{{name}}} is not set in the environment")

    return _ENV_REFERENCE.sub(substitute, text)


def _unquote(value: str) -> str | bool | None:
    """A value as npm's ini reader gives it: quoted strings unquoted, ``true``/``false``/``null``
    as such, an unquoted value cut at a ``;`` or ``#`` comment."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        if value[0] == '"':
            try:
                parsed = json.loads(value)
            except ValueError:
                return value[1:-1]
            return parsed if isinstance(parsed, str) else value[1:-1]
        return value[1:-1]
    out, escaped = [], False
    for ch in value:
        if escaped:
            out.append(ch if ch in "\\;#" else "\\" + ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in ";#":
            break
        else:
            out.append(ch)
    text = "".join(out).strip()
    return {"true": True, "false": False, "null": None}.get(text, text)


def parse_npmrc(text: str, env: Mapping[str, str], where: str) -> dict[str, str | bool | None]:
    """The settings of one ``.npmrc``; entries under ``[section]`` headers are not npm's and are
    left out."""
    settings: dict[str, str | bool | None] = {}
    in_section = False
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            in_section = True
            continue
        if in_section:
            continue
        key, sep, value = line.partition("=")
        key = _replace_env(key.strip(), env, where)
        if not key or key.endswith("[]"):
            continue
        raw = _unquote(value.strip()) if sep else True
        settings[key] = _replace_env(raw, env, where) if isinstance(raw, str) else raw
    return settings


def _host(url: str) -> str:
    """``host[:port]``, the port left out when it is the scheme's default (as a WHATWG URL)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _project_dir(start: Path) -> Path:
    """npm's local prefix: the nearest folder upwards holding package.json or node_modules."""
    for d in (start, *start.parents):
        if (d / "package.json").exists() or (d / "node_modules").is_dir():
            return d
    return start


def _global_config(settings: Mapping[str, str | bool | None]) -> Path | None:
    explicit = settings.get("globalconfig")
    if isinstance(explicit, str):
        return Path(explicit)
    prefix = settings.get("prefix")
    if not isinstance(prefix, str):
        node = shutil.which("node")
        if node is None:
            return None
        prefix = str(Path(node).resolve().parent.parent)
    return Path(prefix) / "etc" / "npmrc"


@dataclass
class NpmConfig:
    """npm's settings, merged; ``files`` lists the ``.npmrc`` files read, in precedence order."""

    settings: dict[str, str | bool | None] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, project: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> NpmConfig:
        """Reads the configuration as npm would in folder ``project`` (default: the current one)."""
        env = os.environ if env is None else env
        from_env: dict[str, str | bool | None] = {}
        for name, value in env.items():
            if not name.lower().startswith("npm_config_") or not value:
                continue
            key = name[len("npm_config_") :]
            if not key.startswith("//"):
                # As @npmcli/config: `_` is `-` except as the first character, then lower case.
                key = (key[:1] + key[1:].replace("_", "-")).lower()
            from_env[key] = _unquote(value) if value in ("true", "false", "null") else value
        config = cls()
        config._add(from_env)
        start = Path(project).resolve() if project is not None else Path.cwd()
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        user_file = Path(str(from_env.get("userconfig") or home / ".npmrc")).expanduser()
        project_file = _project_dir(start) / ".npmrc"
        if project_file != user_file:
            config._read(project_file, env)
        config._read(user_file, env)
        global_file = _global_config(config.settings)
        if global_file is not None:
            config._read(global_file, env)
        return config

    def _add(self, settings: Mapping[str, str | bool | None]) -> None:
        for key, value in settings.items():
            self.settings.setdefault(key, value)

    def _read(self, path: Path, env: Mapping[str, str]) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except OSError as e:
            raise InstallError(f"cannot read npm's configuration {path}: {e}") from e
        self.files.append(path)
        self._add(parse_npmrc(text, env, str(path)))

    def get(self, key: str) -> str | bool | None:
        return self.settings.get(key)

    def _text(self, key: str) -> str | None:
        value = self.settings.get(key)
        return value if isinstance(value, str) and value else None

    def registry_for(self, name: str) -> str:
        """The registry serving package ``name``: its scope's (``@scope:registry``), else
        ``registry``, else npm's default; always ending in ``/``."""
        url = None
        if name.startswith("@"):
            url = self._text(f"{name.split('/', 1)[0]}:registry")
        url = url or self._text("registry") or DEFAULT_REGISTRY
        return url if url.endswith("/") else url + "/"

    def auth_header(self, url: str) -> str | None:
        """The ``Authorization`` header npm would send with a request for ``url``: the
        credentials of the longest ``//host/path/`` key that is a prefix of it, if any."""
        parts = urlsplit(url)
        key = f"//{_host(url)}{parts.path}"
        while len(key) > 2:
            token = self._text(f"{key}:_authToken")
            if token:
                return f"Bearer {token}"
            basic = self._text(f"{key}:_auth")
            if basic:
                return f"Basic {basic}"
            user, password = self._text(f"{key}:username"), self._text(f"{key}:_password")
            if user and password:
                try:
                    clear = base64.b64decode(password, validate=True).decode()
                except ValueError as e:
                    raise InstallError(f"{key}:_password is not base64, as npm stores it: {e}") from e
                return "Basic " + base64.b64encode(f"{user}:{clear}".encode()).decode()
            # npm's walk: drop the last path segment, or the trailing slash.
            key = re.sub(r"([^/]+|/)$", "", key)
        return None

    @property
    def strict_ssl(self) -> bool:
        return self.settings.get("strict-ssl") is not False

    @property
    def cafile(self) -> str | None:
        return self._text("cafile")

    @property
    def proxy(self) -> str | None:
        """``https-proxy``, else ``proxy`` (npm's settings; the ``*_proxy`` environment variables
        are honoured by the HTTP client anyway)."""
        return self._text("https-proxy") or self._text("proxy")

    @property
    def timeout(self) -> float:
        """Seconds a request may take (``fetch-timeout``, milliseconds; npm's default 5 min)."""
        value = self.settings.get("fetch-timeout")
        try:
            ms = float(value) if isinstance(value, str) else 300_000.0
        except ValueError:
            ms = 300_000.0
        return ms / 1000 if ms > 0 else 300.0
