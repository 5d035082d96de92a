"""Installing an npm package and the platform packages that carry its binary, straight from the
registry, without node or npm.

A package is installed with the platform packages among its ``optionalDependencies`` (those that
say where they run: ``os``/``cpu``/``libc``, or whose name names this platform) that fit this
machine, and theirs in turn (sharp's
``@img/sharp-linux-x64`` brings ``@img/sharp-libvips-linux-x64``): napi-rs's
``@node-rs/xxhash-linux-x64-gnu``, ``-musl`` on a musl system, as npm would choose. Its other
dependencies are JavaScript, which napi_python does not run, and are not installed.

Each tarball is downloaded beside the target folder, checked against its published integrity,
unpacked into a fresh folder (``unpack``) and renamed into place, so a package is either there
whole or as it was. An install lock serialises installs into one folder. What was installed is
recorded in ``node_modules/.napi-python-installed.json``: a package whose recorded version is
there already is not downloaded again, and an exact version installed already needs no registry
at all.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import InstallError, RegistryError
from ..machine import current_platform
from ..packages import cache
from ..packages.install_scripts import SkippedScript, skipped_scripts
from ..packages.platform_fit import Target
from .config import DEFAULT_REGISTRY, NpmConfig
from .integrity import Integrity
from .lock import InstallLock

if TYPE_CHECKING:
    from .registry import Registry
    from .versions import Spec

# The registry client (urllib, ssl), the version ranges (nodesemver) and the unpacker (tarfile)
# are imported by the functions that use them: `import napi_python` and require() need none.

__all__ = ["install", "Installed"]

_log = logging.getLogger("napi_python.npm")

_STATE_FILE = ".napi-python-installed.json"
_LOCK_FILE = ".napi-python-install.lock"
# Seconds an install waits for another one into the same folder to finish.
LOCK_WAIT = 600.0
# Package documents fetched at once (a napi-rs package has a dozen platform packages).
_PARALLEL_DOCUMENTS = 8


@dataclass(frozen=True)
class Installed:
    """One package in place: ``downloaded`` is False when it was there already; ``platform_of``
    names the package whose optionalDependencies brought it (None for the one asked for);
    ``scripts`` are the install scripts npm would have run and napi_python did not."""

    name: str
    version: str
    path: Path
    downloaded: bool
    platform_of: str | None = None
    scripts: tuple[SkippedScript, ...] = ()


@dataclass(frozen=True)
class _Planned:
    name: str
    version: str
    manifest: dict[str, Any]
    platform_of: str | None


def install(
    spec: str | Spec,
    *,
    dir: str | os.PathLike[str] | None = None,
    config: NpmConfig | None = None,
    platform: str | None = None,
) -> list[Installed]:
    """Installs ``spec`` (``NAME[@RANGE|@VERSION|@TAG]``) and its platform packages for this
    machine (or for ``platform``, napi-rs's name of another) into ``dir/node_modules``, or into
    the cache ``require()`` searches by default (``cache.node_modules()``). npm's configuration is
    read as npm reads it in ``dir`` (or the current folder) unless ``config`` is given. Answers
    what is in place, the package asked for first; raises ``InstallError`` (with subclasses for
    the registry, a digest that does not match, and unsafe archives)."""
    from .registry import Registry
    from .versions import Spec, pick_version

    if not isinstance(spec, Spec):
        spec = Spec.parse(spec)
    root = Path(dir).resolve() / "node_modules" if dir is not None else cache.node_modules()
    if config is None:
        config = NpmConfig.load(dir)
    target = Target.parse(platform or current_platform())
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InstallError(f"cannot create {root}: {e}") from e
    with InstallLock(root / _LOCK_FILE, LOCK_WAIT):
        state = _State.load(root)
        exact = spec.exact
        if exact is not None and state.complete(spec.name, exact):
            return _with_scripts(state.as_installed(spec.name))
        registry = Registry(config)
        document = registry.document(spec.name)
        version = pick_version(spec, document)
        if state.complete(spec.name, version):
            return _with_scripts(state.as_installed(spec.name))
        manifest = _manifest(document, version, spec.name)
        plan = [
            _Planned(spec.name, version, manifest, None),
            *_platform_packages(registry, manifest, spec.name, target),
        ]
        done = []
        for item in plan:
            downloaded = not state.has(item.name, item.version)
            if downloaded:
                integrity = _fetch(registry, root, item)
                state.record(item.name, item.version, integrity.text)
                # Saved at once: a later package's failure must not forget this one.
                state.save()
            done.append(Installed(item.name, item.version, root / item.name, downloaded, item.platform_of))
        state.record_platform_packages(spec.name, [item.name for item in plan[1:]])
        state.save()
        return _with_scripts(done)


def _with_scripts(done: list[Installed]) -> list[Installed]:
    """``done`` with the install scripts each package declares (from its package.json as
    installed), which napi_python does not run."""
    return [replace(item, scripts=tuple(skipped_scripts(item.path, _package_json(item.path)))) for item in done]


def _manifest(document: dict[str, Any], version: str, name: str) -> dict[str, Any]:
    manifest = document.get("versions", {}).get(version)
    if not isinstance(manifest, dict):
        raise RegistryError(f"{name}@{version}: the registry's document has no manifest for it")
    return manifest


def _integrity(item: _Planned) -> Integrity:
    return Integrity.of(item.manifest.get("dist"), f"{item.name}@{item.version}")


def _platform_packages(registry: Registry, manifest: dict[str, Any], name: str, target: Target) -> list[_Planned]:
    """The platform packages among ``manifest``'s optionalDependencies (and theirs) that npm
    would install on ``target``, at the versions npm would pick."""
    from .versions import Spec, check_name, pick_version

    found: list[_Planned] = []
    seen = {name}
    pending = [(manifest, name)]
    with ThreadPoolExecutor(_PARALLEL_DOCUMENTS, thread_name_prefix="napi-python-npm") as pool:
        while pending:
            parent_manifest, parent = pending.pop(0)
            optional = parent_manifest.get("optionalDependencies")
            specs = [
                Spec(check_name(dep, f"optional dependency of {parent}"), str(wanted))
                for dep, wanted in (optional.items() if isinstance(optional, dict) else ())
                if dep not in seen
            ]
            seen.update(s.name for s in specs)
            for dep, document in zip(
                specs, pool.map(lambda s: _document_or_none(registry, s.name), specs), strict=False
            ):
                if document is None:
                    continue
                try:
                    version = pick_version(dep, document)
                    dep_manifest = _manifest(document, version, dep.name)
                except InstallError as e:
                    # As npm: an optional dependency that cannot be had is left out (napi-rs
                    # packages name platform builds that were never published at that version).
                    # When it was this machine's, require() names it as missing.
                    _log.info("optional dependency %s of %s left out: %s", dep, parent, e)
                    continue
                if not _is_platform_package(target, dep.name, dep_manifest):
                    continue
                found.append(_Planned(dep.name, version, dep_manifest, parent))
                pending.append((dep_manifest, dep.name))
    return found


def _is_platform_package(target: Target, name: str, manifest: dict[str, Any]) -> bool:
    """Whether npm would install ``name`` here as a platform package: one that says where it
    runs and fits; or, declaring no ``os``/``cpu``/``libc`` (older napi-rs packages such as
    ``@nomicfoundation/solidity-analyzer-linux-x64-gnu``), one whose name names this platform,
    which npm installs as it installs every optional dependency. Other optional dependencies
    are JavaScript."""
    if target.declares_platform(manifest):
        return target.accepts(name, manifest)
    return target.named_here(name) and target.accepts(name, manifest)


def _document_or_none(registry: Registry, name: str) -> dict[str, Any] | None:
    """A platform package's document; None when the registry has no such package (npm skips
    optional dependencies it cannot get; e.g. builds for platforms never published)."""
    try:
        return registry.document(name)
    except RegistryError as e:
        if e.status == 404:
            _log.debug("optional dependency %s: %s", name, e)
            return None
        raise


def _tarball_url(item: _Planned, config: NpmConfig) -> str:
    """``dist.tarball``, moved to the configured registry when it names npm's default one and
    another is configured (npm's ``replace-registry-host``, default ``npmjs``)."""
    dist = item.manifest.get("dist")
    url = dist.get("tarball") if isinstance(dist, dict) else None
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise RegistryError(f"{item.name}@{item.version}: the registry gives no http(s) tarball address")
    replace = config.get("replace-registry-host") or "npmjs"
    configured = config.registry_for(item.name)
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(url))
    if (replace == "always" or (replace == "npmjs" and origin == DEFAULT_REGISTRY)) and configured != DEFAULT_REGISTRY:
        return configured + url[len(origin) :]
    return url


def _fetch(registry: Registry, root: Path, item: _Planned) -> Integrity:
    """Downloads, checks and unpacks one package, then renames it into ``root/name``; answers
    the integrity it was checked against."""
    from .unpack import unpack

    what = f"{item.name}@{item.version}"
    integrity = _integrity(item)
    url = _tarball_url(item, registry.config)
    staging = Path(tempfile.mkdtemp(prefix=".napi-python-staging-", dir=root))
    try:
        tarball = staging / "package.tgz"
        registry.download(url, integrity, tarball, what)
        unpacked = staging / "package"
        skipped = unpack(tarball, unpacked, what)
        if skipped:
            _log.info(
                "%s: left out %d links and special files, as npm does: %s", what, len(skipped), ", ".join(skipped)
            )
        final = root / item.name
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.is_symlink() or final.exists():
            os.rename(final, staging / "replaced")
        os.rename(unpacked, final)
    except OSError as e:
        raise InstallError(f"{what}: cannot put it in {root}: {e}") from e
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return integrity


class _State:
    """``node_modules/.napi-python-installed.json``: what this installer put there."""

    def __init__(self, root: Path, packages: dict[str, dict[str, Any]]) -> None:
        self.root = root
        self.packages = packages

    @classmethod
    def load(cls, root: Path) -> _State:
        try:
            data = json.loads((root / _STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        packages = data.get("packages") if isinstance(data, dict) else None
        return cls(root, packages if isinstance(packages, dict) else {})

    def has(self, name: str, version: str) -> bool:
        entry = self.packages.get(name)
        return (
            isinstance(entry, dict)
            and entry.get("version") == version
            and _version_on_disk(self.root / name) == version
        )

    def complete(self, name: str, version: str) -> bool:
        """``name@version`` is in place, and so is every platform package installed with it."""
        if not self.has(name, version):
            return False
        platform = self.packages[name].get("platform_packages", [])
        return all(self.has(p, self.packages.get(p, {}).get("version", "")) for p in platform)

    def as_installed(self, name: str) -> list[Installed]:
        entry = self.packages[name]
        out = [Installed(name, entry["version"], self.root / name, False)]
        for p in entry.get("platform_packages", []):
            out.append(Installed(p, self.packages[p]["version"], self.root / p, False, name))
        return out

    def record(self, name: str, version: str, integrity: str) -> None:
        previous = self.packages.get(name, {})
        self.packages[name] = {
            "version": version,
            "integrity": integrity,
            "platform_packages": previous.get("platform_packages", []),
        }

    def record_platform_packages(self, name: str, platform_packages: list[str]) -> None:
        self.packages[name]["platform_packages"] = platform_packages

    def save(self) -> None:
        path = self.root / _STATE_FILE
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps({"packages": self.packages}, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)


def _package_json(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _version_on_disk(folder: Path) -> str | None:
    version = _package_json(folder).get("version")
    return version if isinstance(version, str) else None
