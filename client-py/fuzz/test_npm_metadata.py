"""What ``install`` reads from a registry's package document, and from a package's package.json:
the version picked for a spec, its manifest, the integrity it publishes, whether it is this
platform's, its tarball's address, its optional dependencies and its install scripts. Whatever
the JSON holds (wrong types where objects, lists and strings belong, odd versions, ranges and
tags), the answer is a result or an ``InstallError`` (``RegistryError`` among them), never another
exception. Documents are drawn as JSON around the fields npm's have."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from fuzz_support import corpus_params, failure_kept, fuzzed
from hypothesis import given
from hypothesis import strategies as st

from napi_python.errors import InstallError
from napi_python.npm.config import NpmConfig
from napi_python.npm.install import _integrity, _manifest, _Planned, _tarball_url
from napi_python.npm.versions import Spec, check_name, pick_version
from napi_python.packages.install_scripts import skipped_scripts
from napi_python.packages.platform_fit import Target

CONFIG = NpmConfig.load(env={"npm_config_registry": "http://127.0.0.1:9/"})
PLATFORMS = ["linux-x64-gnu", "linux-arm64-musl", "darwin-arm64", "win32-x64-msvc"]
FIELDS = ["versions", "dist-tags", "latest", "dist", "integrity", "shasum", "tarball", "os", "cpu", "libc"]
FIELDS += ["optionalDependencies", "deprecated", "scripts", "install", "postinstall", "repository", "url", "binary"]
VERSIONS = ["1.0.0", "1.2.3-beta.1", "v2.0.0", "=1.0.0", "^1", "~1.2", ">=1 <2", "1.x", "*", "latest", "", "x" * 300]

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.sampled_from(VERSIONS), st.text(max_size=20)
)
_keys = st.one_of(st.sampled_from(FIELDS + VERSIONS + PLATFORMS), st.text(max_size=10))
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=6)),
    max_leaves=40,
)


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    """A document shaped like a registry's: versions with manifests, tags, dists, platforms."""
    manifest = st.dictionaries(st.sampled_from(FIELDS), _json, max_size=8)
    versions = draw(st.one_of(st.dictionaries(st.sampled_from(VERSIONS), manifest, max_size=4), _json))
    tags = draw(
        st.one_of(st.dictionaries(st.sampled_from(["latest", "next", "beta"]), st.sampled_from(VERSIONS)), _json)
    )
    return {"versions": versions, "dist-tags": tags, **draw(st.dictionaries(_keys, _json, max_size=3))}


def check(document: Any, wanted: str, platform: str) -> None:
    """What install does with ``document`` when asked for ``wanted`` on ``platform``."""
    case = json.dumps({"document": document, "wanted": wanted, "platform": platform}).encode()
    with failure_kept("npm_metadata", case), tempfile.TemporaryDirectory() as folder:
        if not isinstance(document, dict):
            return  # Registry.document refuses anything but an object.
        try:
            version = pick_version(Spec("fuzzed", wanted), document)
            manifest = _manifest(document, version, "fuzzed")
            item = _Planned("fuzzed", version, manifest, None)
            _integrity(item)
            target = Target.parse(platform)
            if target.declares_platform(manifest):
                target.refusal("fuzzed", manifest)
            _tarball_url(item, CONFIG)
            optional = manifest.get("optionalDependencies")
            for dep, dep_wanted in optional.items() if isinstance(optional, dict) else ():
                Spec(check_name(dep, "optional dependency"), str(dep_wanted)).exact  # noqa: B018
            skipped_scripts(Path(folder), manifest)
        except InstallError:
            pass


@corpus_params("npm_metadata")
def test_corpus(kept: Path) -> None:
    case = json.loads(kept.read_bytes())
    check(case["document"], case["wanted"], case["platform"])


@fuzzed
@given(_documents(), st.one_of(st.sampled_from(VERSIONS), st.text(max_size=12)), st.sampled_from(PLATFORMS))
def test_documents(document: dict[str, Any], wanted: str, platform: str) -> None:
    check(document, wanted, platform)
