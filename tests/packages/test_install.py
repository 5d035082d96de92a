"""`python -m napi_python install` and `napi_python.npm.install` against a real npm registry
(Verdaccio on 127.0.0.1, tests/npm_registry.py), and once against the public one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ADDONS, IN_PROCESS, missing_input, napi_python_cli, oracle_node
from npm_registry import REGISTRY_DIR, VERDACCIO, Link, user_token
from npm_registry import start as start_registry
from npm_registry import stop as stop_registry

import napi_python
from napi_python import (
    AddonNotFoundError,
    IntegrityError,
    RegistryError,
    UnsafeArchiveError,
    current_platform,
    require,
    resolve,
)
from napi_python.errors import InstallError
from napi_python.npm import install
from napi_python.npm.config import NpmConfig
from napi_python.npm.unpack import unpack
from napi_python.npm.versions import Spec, pick_version
from napi_python.packages.install_scripts import skipped_scripts

HERE = current_platform()
OS, ARCH = HERE.split("-")[:2]
LIBC = "musl" if HERE.endswith("musl") else "glibc"
OTHER_LIBC_PLATFORM = f"{OS}-{ARCH}-{'gnu' if LIBC == 'musl' else 'musl'}"
# The installer and its errors do not depend on NAPI_PYTHON_TEST_MODE: only the tests that load
ADDER_VERSIONS = ["1.0.0", "1.1.0", "1.2.0-beta.1", "2.0.0"]


def platform_manifest(platform: str) -> dict:
    os_name, cpu, *abi = platform.split("-")
    manifest = {"os": [os_name], "cpu": [cpu], "main": f"adder.{platform}.node"}
    # Only Linux has a libc field: npm refuses a package with one elsewhere (win32's -msvc is no libc).
    if abi and os_name == "linux":
        manifest["libc"] = ["musl" if abi[0].startswith("musl") else "glibc"]
    return manifest


def publish_llama(server, addon: bytes) -> None:
    """node-llama-cpp's layout: the scope carries the name, each platform package is
    named by its platform alone and says where it runs in os/cpu/libc; -cuda fits this machine
    too, and npm installs it as well."""
    other_arch = "arm64" if ARCH != "arm64" else "x64"
    libc = {"libc": [LIBC]} if OS == "linux" else {}
    fits = {f"@llama/{OS}-{ARCH}": "llama-addon", f"@llama/{OS}-{ARCH}-cuda": "llama-addon-cuda"}
    for name, binary in fits.items():
        server.publish(name, "1.0.0", {"os": [OS], "cpu": [ARCH], **libc}, {f"bins/{name[7:]}/{binary}.node": addon})
    server.publish(f"@llama/{OS}-{other_arch}", "1.0.0", {"os": [OS], "cpu": [other_arch]}, {"bins/x.node": addon})
    server.publish("@llama/mac-arm64", "1.0.0", {"os": ["darwin"], "cpu": ["arm64"]}, {"bins/x.node": addon})
    optional = [f"@llama/{OS}-{other_arch}", "@llama/mac-arm64", *fits]
    server.publish(
        "llama", "1.0.0", {"main": "dist/index.js", "optionalDependencies": dict.fromkeys(optional, "1.0.0")}
    )


GITHUB = {"repository": {"type": "git", "url": "git+https://github.com/fixture/native.git"}}
SOURCES = {"binding.gyp": b"{'targets': []}", "src/binding.cc": b"// C++"}
# Packages whose binary comes only from an install script, as re2, canvas and cpu-features ship.
SCRIPTED = {
    "like-cpu-features": (
        {"scripts": {"install": "node buildcheck.js > buildcheck.gypi && node-gyp rebuild"}, **GITHUB},
        SOURCES,
    ),
    "like-canvas": ({"scripts": {"install": "prebuild-install -r napi || node-gyp rebuild"}, **GITHUB}, SOURCES),
    "like-re2": (
        {
            "scripts": {
                "install": "install-from-cache --artifact build/Release/re2.node --host-var RE2_DOWNLOAD_MIRROR "
                "|| node-gyp -j max rebuild"
            },
            **GITHUB,
        },
        SOURCES,
    ),
    # No script: npm runs `node-gyp rebuild` for a package with a binding.gyp.
    "gyp-by-default": ({}, SOURCES),
}


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """Verdaccio with the test packages published; stopped after the module's tests."""
    if not VERDACCIO.exists():
        missing_input(f"{VERDACCIO} is absent: run scripts/npm-install tests/registry (scripts/build does)")
    server = start_registry(tmp_path_factory.mktemp("verdaccio"))
    try:
        addon = (ADDONS / "bench.node").read_bytes()
        for version in ADDER_VERSIONS:
            # A napi-rs package: its binary lives in the platform packages of its optionalDependencies.
            platforms = [HERE, OTHER_LIBC_PLATFORM, "darwin-arm64", "win32-x64-msvc"]
            optional = {f"@fixture/adder-{p}": version for p in platforms}
            # Left out as npm leaves them out: a platform package never published, and one
            # published at another version only (as @node-rs/bcrypt 2.0.0's darwin-x64).
            optional["@fixture/adder-never-published"] = version
            optional["@fixture/adder-freebsd-x64"] = version
            for p in platforms:
                server.publish(
                    f"@fixture/adder-{p}",
                    version,
                    platform_manifest(p),
                    {f"adder.{p}.node": addon},
                    tag="beta" if "-" in version else "latest",
                )
            server.publish(
                "@fixture/adder",
                version,
                {
                    "main": "index.js",
                    "napi": {"binaryName": "adder", "packageName": "@fixture/adder"},
                    "optionalDependencies": optional,
                },
                {"index.js": b"module.exports = require('./binding')"},
                tag="beta" if "-" in version else "latest",
            )
        server.publish(
            "@fixture/adder-freebsd-x64", "0.1.0", {"os": ["freebsd"], "cpu": ["x64"]}, {"adder.node": addon}
        )
        # sharp's layout: @img/sharp-linux-x64 holds the binary and brings libvips as its own
        # optional platform package.
        libc = {"libc": [LIBC]} if OS == "linux" else {}
        server.publish(
            f"@fixture/img-libvips-{OS}-{ARCH}",
            "1.0.0",
            {"os": [OS], "cpu": [ARCH], **libc},
            {"lib/libvips.so": b"vips"},
        )
        server.publish(
            f"@fixture/img-{OS}-{ARCH}",
            "1.0.0",
            {"os": [OS], "cpu": [ARCH], **libc, "optionalDependencies": {f"@fixture/img-libvips-{OS}-{ARCH}": "1.0.0"}},
            {f"lib/img-{OS}-{ARCH}.node": addon},
        )
        server.publish(
            "@fixture/img",
            "1.0.0",
            {"optionalDependencies": {f"@fixture/img-{OS}-{ARCH}": "1.0.0", "@fixture/img-wasm32": "1.0.0"}},
        )
        server.publish("tampered", "1.0.0", files={"index.js": b"ok"}, integrity_of=b"what the publisher signed")
        server.publish("climbs-out", "1.0.0", files={"../escaped.txt": b"pwned"})
        server.publish("links-out", "1.0.0", files={"lib": Link("../../.."), "etc-passwd": Link("/etc/passwd")})
        server.publish("hard-links-out", "1.0.0", files={"passwd": Link("../../../etc/passwd", hard=True)})
        server.publish("links-in", "1.0.0", files={"real.txt": b"real", "alias.txt": Link("real.txt")})
        server.publish(
            "@private/secret", "1.0.0", files={"secret.txt": b"for members", "build/Release/secret.node": addon}
        )
        publish_llama(server, addon)
        # @datadog/native-appsec's layout: prebuildify's libc-tagged folder, and an install
        # script of the package's own, which keeps the shipped binary.
        server.publish(
            "libc-tagged",
            "1.0.0",
            {"scripts": {"install": "node ./scripts/install.js"}},
            {f"prebuilds/{OS}{LIBC}-{ARCH}/node-napi.node": addon, "scripts/install.js": b"// keeps the binary"},
        )
        # @sentry/node-cpu-profiler's: Node-API registration, V8 imports, one build per ABI.
        half = (ADDONS / "inspect_node_only.node").read_bytes()
        server.publish(
            "v8-half",
            "1.0.0",
            files={f"lib/v8_half-{OS}-{ARCH}-{LIBC}-{abi}.node": half for abi in (115, 137, 147)},
        )
        # @nomicfoundation/solidity-analyzer's: platform packages that say nothing of where they
        # run but in their names.
        for p in (HERE, OTHER_LIBC_PLATFORM, "darwin-arm64"):
            server.publish(
                f"named-only-{p}", "1.0.0", {"main": f"named-only.{p}.node"}, {f"named-only.{p}.node": addon}
            )
        server.publish(
            "named-only",
            "1.0.0",
            {
                "napi": {"name": "named-only"},
                "optionalDependencies": {
                    f"named-only-{p}": "1.0.0" for p in (HERE, OTHER_LIBC_PLATFORM, "darwin-arm64")
                },
            },
        )
        for name, (manifest, files) in SCRIPTED.items():
            server.publish(name, "1.0.0", manifest, {**files, "index.js": b"module.exports = require('bindings')"})
        server.publish(
            "with-prebuilds",
            "1.0.0",
            {"scripts": {"install": "node-gyp-build"}, "repository": "https://github.com/fixture/with-prebuilds"},
            {"binding.gyp": b"{}", f"prebuilds/{OS}-{ARCH}/node.napi.node": addon},
        )
        # @datadog/pprof's layout: prebuilds for Node releases' V8 ABI only, no install script.
        v8 = (ADDONS / "v8_abi.node").read_bytes()
        server.publish(
            "v8-only",
            "1.0.0",
            files={f"prebuilds/{OS}-{ARCH}/v8_only.node.abi{abi}.node": v8 for abi in (127, 115, 137)},
        )
        yield server
    finally:
        stop_registry(server)


@pytest.fixture
def npm_env(tmp_path, registry):
    """A process environment in which npm's configuration is only what a test writes: the
    registry the test server, no user or global .npmrc of the machine; the cache in tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("npm_config_")}
    env.update(
        HOME=str(home),
        NPM_CONFIG_REGISTRY=registry.url,
        npm_config_globalconfig=str(tmp_path / "no-global-npmrc"),
        NAPI_PYTHON_CACHE=str(tmp_path / "cache"),
    )
    return env


def config_for(env: dict, project: Path | None = None) -> NpmConfig:
    return NpmConfig.load(project, env)


def cli(args: list[str], env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return napi_python_cli(*args, env=env, cwd=cwd)


def installed_names(root: Path) -> set[str]:
    """The packages in a node_modules folder (``@scope/name`` for scoped ones)."""
    return {str(p.parent.relative_to(root)) for p in root.glob("**/package.json")}


def test_installs_the_package_and_its_platform_package_which_require_loads(tmp_path, npm_env, monkeypatch):
    proc = cli(["install", "@fixture/adder"], npm_env)
    assert proc.returncode == 0, proc.stderr
    cache = tmp_path / "cache" / "node_modules"
    assert f"installed @fixture/adder@2.0.0 in {cache / '@fixture/adder'}" in proc.stdout
    assert f"installed @fixture/adder-{HERE}@2.0.0 (platform package of @fixture/adder)" in proc.stdout
    # Only this machine's platform package: not the other libc's, not another OS's.
    assert installed_names(cache) == {"@fixture/adder", f"@fixture/adder-{HERE}"}
    binary = cache / f"@fixture/adder-{HERE}" / f"adder.{HERE}.node"
    assert binary.read_bytes() == (ADDONS / "bench.node").read_bytes()
    assert os.access(binary, os.X_OK)
    # require() searches the cache by default.
    monkeypatch.setenv("NAPI_PYTHON_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    with require("@fixture/adder", isolated=not IN_PROCESS) as addon:
        assert napi_python.addon_info(addon).path == str(binary)
        assert addon.add(2, 3) == 5


@pytest.mark.either_mode
def test_a_second_install_of_the_same_version_is_a_no_op(tmp_path, npm_env):
    first = cli(["install", "@fixture/adder@1.1.0", "--dir", str(tmp_path / "proj")], npm_env)
    assert first.returncode == 0, first.stderr
    pkg = tmp_path / "proj" / "node_modules" / "@fixture" / "adder"
    before = pkg.stat()
    for spec in ("@fixture/adder@1.1.0", "@fixture/adder@~1.1"):
        again = cli(["install", spec, "--dir", str(tmp_path / "proj")], npm_env)
        assert again.returncode == 0, again.stderr
        assert f"@fixture/adder@1.1.0 is already installed in {pkg}: nothing to do" in again.stdout
        assert f"@fixture/adder-{HERE}@1.1.0 (platform package of @fixture/adder) is already installed" in again.stdout
        assert "installed " not in again.stdout.replace("already installed", "")
    # The folder was not replaced.
    assert pkg.stat().st_ino == before.st_ino and pkg.stat().st_mtime_ns == before.st_mtime_ns
    # A different version is installed over it.
    newer = cli(["install", "@fixture/adder@2", "--dir", str(tmp_path / "proj")], npm_env)
    assert "installed @fixture/adder@2.0.0" in newer.stdout
    assert json.loads((pkg / "package.json").read_text())["version"] == "2.0.0"


@pytest.mark.either_mode
def test_installs_into_one_folder_at_once_take_turns(tmp_path, npm_env):
    """Two installs started together: one downloads, the other waits for its lock, then finds
    the package in place."""
    args = [sys.executable, "-m", "napi_python", "install", "@fixture/adder@1.0.0", "--dir", str(tmp_path)]
    procs = [
        subprocess.Popen(args, env=npm_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    stdout = "".join(out for out, _ in outputs)
    assert stdout.count("installed @fixture/adder@1.0.0 in") == 1
    assert stdout.count("@fixture/adder@1.0.0 is already installed in") == 1


@pytest.mark.parametrize(
    "wanted",
    [
        "",
        "*",
        "^1.0.0",
        "~1.0",
        "1",
        ">=1.0.0 <1.1.0",
        ">=1.2.0-beta.0 <2",
        "1.x || >=2.0.0",
        "^1.1.0-beta.0",
        "latest",
        "beta",
        "<=1.1.0",
    ],
)
@pytest.mark.either_mode
def test_versions_are_picked_as_npm_picks_them(registry, wanted):
    """The same choice as npm's own semver (from Verdaccio's node_modules) with npm-pick-manifest's
    rule: a dist-tag names its version, `latest` wins when it satisfies the range."""
    document = {"versions": {v: {} for v in ADDER_VERSIONS}, "dist-tags": {"latest": "2.0.0", "beta": "1.2.0-beta.1"}}
    script = (
        f"const semver = require({json.dumps(str(REGISTRY_DIR / 'node_modules' / 'semver'))});"
        f"const tags = {json.dumps(document['dist-tags'])}; const w = {json.dumps(wanted or 'latest')};"
        f"const vs = {json.dumps(ADDER_VERSIONS)};"
        "console.log(tags[w] ?? (semver.satisfies(tags.latest, w) ? tags.latest : semver.maxSatisfying(vs, w)))"
    )
    node = subprocess.run(
        [oracle_node(), "-e", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    assert pick_version(Spec("@fixture/adder", wanted), document) == node


@pytest.mark.either_mode
def test_a_range_is_resolved_against_the_registry(tmp_path, registry, npm_env):
    done = install("@fixture/adder@^1.0.0", dir=tmp_path, config=config_for(npm_env))
    assert [(i.name, i.version) for i in done] == [("@fixture/adder", "1.1.0"), (f"@fixture/adder-{HERE}", "1.1.0")]
    done = install("@fixture/adder@>=1.2.0-beta.0 <2", dir=tmp_path, config=config_for(npm_env))
    assert done[0].version == "1.2.0-beta.1" and done[0].downloaded


@pytest.mark.either_mode
def test_a_platform_package_brings_its_own_platform_packages(tmp_path, registry, npm_env):
    done = install("@fixture/img", dir=tmp_path, config=config_for(npm_env))
    assert [(i.name, i.platform_of) for i in done] == [
        ("@fixture/img", None),
        (f"@fixture/img-{OS}-{ARCH}", "@fixture/img"),
        (f"@fixture/img-libvips-{OS}-{ARCH}", f"@fixture/img-{OS}-{ARCH}"),
    ]
    assert resolve("@fixture/img", paths=[tmp_path]) == str(
        tmp_path / f"node_modules/@fixture/img-{OS}-{ARCH}/lib/img-{OS}-{ARCH}.node"
    )


@pytest.mark.either_mode
def test_the_other_libc_gets_its_own_platform_package(tmp_path, registry, npm_env):
    done = install("@fixture/adder", dir=tmp_path, config=config_for(npm_env), platform=OTHER_LIBC_PLATFORM)
    assert [i.name for i in done] == ["@fixture/adder", f"@fixture/adder-{OTHER_LIBC_PLATFORM}"]


@pytest.mark.either_mode
def test_a_tampered_tarball_is_refused_before_unpacking(tmp_path, registry, npm_env):
    with pytest.raises(IntegrityError, match=r"tampered@1\.0\.0: the tarball downloaded has sha512-.*not unpacked"):
        install("tampered", dir=tmp_path, config=config_for(npm_env))
    assert not (tmp_path / "node_modules" / "tampered").exists()
    assert [
        p.name for p in (tmp_path / "node_modules").iterdir() if not p.name.startswith(".napi-python-install")
    ] == []
    proc = cli(["install", "tampered", "--dir", str(tmp_path)], npm_env)
    assert proc.returncode == 1
    assert proc.stderr.startswith("napi_python install: tampered@1.0.0: the tarball downloaded has sha512-")
    assert "Traceback" not in proc.stderr


@pytest.mark.either_mode
def test_a_latest_tag_naming_no_version_is_passed_over():
    # satisfies() raised ValueError for it: the fuzz target's find (scripts/fuzz, npm_metadata).
    document = {"versions": {"^1": {}, "1.0.0": {}}, "dist-tags": {"latest": "^1"}}
    assert pick_version(Spec.parse("a@^1"), document) == "1.0.0"
    with pytest.raises(InstallError, match="no version of a satisfies"):
        pick_version(Spec.parse("a@^1"), {"versions": {"^1": {}}, "dist-tags": {"latest": "^1"}})


@pytest.mark.either_mode
def test_a_gzip_header_cut_short_is_refused_as_no_archive(tmp_path):
    # The streaming reader raised TypeError for it (ord() of an empty read): the fuzz target's find
    # (scripts/fuzz, npm_unpack).
    tarball = tmp_path / "cut.tgz"
    tarball.write_bytes(b"\x1f\x8b\x08")
    with pytest.raises(UnsafeArchiveError, match="cut: not a gzipped tar archive"):
        unpack(tarball, tmp_path / "dest", "cut")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("climbs-out", r"the entry 'package/\.\./escaped\.txt' climbs out of the package with '\.\.'"),
        ("links-out", r"the entry 'package/lib' is a symbolic link to '\.\./\.\./\.\.', outside the package"),
        (
            "hard-links-out",
            r"the entry 'package/passwd' is a hard link to '\.\./\.\./\.\./etc/passwd', outside the package",
        ),
    ],
)
@pytest.mark.either_mode
def test_archives_that_escape_are_refused_whole(tmp_path, registry, npm_env, name, why):
    target = tmp_path / "proj"
    with pytest.raises(UnsafeArchiveError, match=why):
        install(name, dir=target, config=config_for(npm_env))
    # Nothing of it anywhere: not in node_modules, not beside it.
    assert not (target / "node_modules" / name).exists()
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "home" not in p.parts)
    assert written == ["proj", "proj/node_modules", "proj/node_modules/.napi-python-install.lock"]
    proc = cli(["install", name, "--dir", str(target)], npm_env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"napi_python install: {name}@1.0.0: the entry")


@pytest.mark.either_mode
def test_links_inside_the_package_are_left_out_as_npm_does(tmp_path, registry, npm_env):
    install("links-in", dir=tmp_path, config=config_for(npm_env))
    pkg = tmp_path / "node_modules" / "links-in"
    assert (pkg / "real.txt").read_bytes() == b"real"
    assert not (pkg / "alias.txt").exists() and not (pkg / "alias.txt").is_symlink()


@pytest.mark.either_mode
def test_the_auth_token_comes_from_the_project_npmrc(tmp_path, registry, npm_env):
    project = tmp_path / "proj"
    project.mkdir()
    with pytest.raises(
        RegistryError,
        match=r"401 Unauthorized: no credentials for it in npm's configuration \(//127\.0\.0\.1:\d+/:_authToken=",
    ):
        install("@private/secret", dir=project, config=config_for(npm_env, project))
    host = registry.url.removeprefix("http:")
    (project / ".npmrc").write_text(f"{host}:_authToken=${{SECRET_TOKEN}}\n")
    env = {**npm_env, "SECRET_TOKEN": user_token()}
    proc = cli(["install", "@private/secret", "--dir", str(project)], env)
    assert proc.returncode == 0, proc.stderr
    assert (project / "node_modules" / "@private" / "secret" / "secret.txt").read_bytes() == b"for members"
    # A token for another registry is not sent to this one.
    (project / ".npmrc").write_text(f"//127.0.0.1:1/:_authToken={user_token()}\n")
    proc = cli(
        ["install", "@private/secret@1.0.0", "--dir", str(tmp_path / "other")],
        {**npm_env, "npm_config_userconfig": str(project / ".npmrc")},
    )
    assert proc.returncode == 1 and "401 Unauthorized" in proc.stderr


@pytest.mark.either_mode
def test_a_scope_has_its_own_registry(tmp_path, registry, npm_env):
    env = {**npm_env, "NPM_CONFIG_REGISTRY": "http://127.0.0.1:1/"}
    (tmp_path / "home" / ".npmrc").write_text(f"@fixture:registry={registry.url}\n")
    proc = cli(["install", "@fixture/adder@1.0.0", "--dir", str(tmp_path / "proj")], env)
    assert proc.returncode == 0, proc.stderr
    proc = cli(["install", "links-in", "--dir", str(tmp_path / "proj")], env)
    assert proc.returncode == 1
    assert proc.stderr == "napi_python install: cannot reach http://127.0.0.1:1: [Errno 111] Connection refused\n"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no-such-package", "napi_python install: no package named no-such-package in the registry {url}\n"),
        ("@fixture/adder@^3", "napi_python install: no version of @fixture/adder satisfies '^3' (latest: 2.0.0)\n"),
        ("@fixture/adder@9.9.9", "napi_python install: @fixture/adder has no version 9.9.9 (latest: 2.0.0)\n"),
        ("Not A Name", "napi_python install: not a valid npm package name: 'Not A Name'\n"),
    ],
)
@pytest.mark.either_mode
def test_bad_input_is_a_clean_exit_with_a_message(tmp_path, registry, npm_env, spec, message):
    proc = cli(["install", spec, "--dir", str(tmp_path)], npm_env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", message.format(url=registry.url))


@pytest.mark.either_mode
def test_require_says_what_to_install(tmp_path, registry, npm_env, monkeypatch):
    monkeypatch.setenv("NAPI_PYTHON_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AddonNotFoundError) as e:
        require("@fixture/adder")
    assert str(e.value).endswith(
        "@fixture/adder is not installed; to install it (no node needed), run:\n  python -m napi_python install @fixture/adder"
    )
    project = tmp_path / "proj"
    install("@fixture/adder@1.0.0", dir=project, config=config_for(npm_env))
    (project / "node_modules" / f"@fixture/adder-{HERE}" / f"adder.{HERE}.node").unlink()
    (project / "node_modules" / f"@fixture/adder-{HERE}" / "package.json").unlink()
    (project / "node_modules" / f"@fixture/adder-{HERE}").rmdir()
    with pytest.raises(AddonNotFoundError) as e:
        require("@fixture/adder", paths=[project])
    assert str(e.value).endswith(
        f"its binary for {HERE} is in the platform package @fixture/adder-{HERE}@1.0.0 (in its optionalDependencies), "
        f"which is not installed; to install it, run:\n  python -m napi_python install @fixture/adder-{HERE}@1.0.0 --dir {project}"
    )
    # Which does what it says.
    proc = cli(["install", f"@fixture/adder-{HERE}@1.0.0", "--dir", str(project)], npm_env)
    assert proc.returncode == 0, proc.stderr
    assert resolve("@fixture/adder", paths=[project]).endswith(f"adder.{HERE}.node")


def test_a_platform_package_named_by_its_scope_is_installed_and_required(tmp_path, npm_env):
    """npm installs `@llama/linux-x64` for its os/cpu/libc, and so does `install`;
    `require` chooses it by the same fields, not by the shape of its name."""
    proc = cli(["install", "llama", "--dir", str(tmp_path)], npm_env)
    assert proc.returncode == 0, proc.stderr
    nm = tmp_path / "node_modules"
    assert installed_names(nm) == {"llama", f"@llama/{OS}-{ARCH}", f"@llama/{OS}-{ARCH}-cuda"}
    with require("llama", paths=[tmp_path], isolated=not IN_PROCESS) as addon:
        assert napi_python.addon_info(addon).path == str(nm / f"@llama/{OS}-{ARCH}/bins/{OS}-{ARCH}/llama-addon.node")
        assert addon.add(20, 22) == 42


@pytest.mark.parametrize(
    ("name", "effect"),
    [
        (
            "like-cpu-features",
            "`node buildcheck.js > buildcheck.gypi && node-gyp rebuild` would run `node buildcheck.js > "
            "buildcheck.gypi`, then build the binary from its C/C++ sources with node-gyp (a compiler, Python and "
            "node's headers)",
        ),
        (
            "like-canvas",
            "`prebuild-install -r napi || node-gyp rebuild` would download a prebuilt binary with prebuild-install "
            "from https://github.com/fixture/native/releases, else build the binary from its C/C++ sources with "
            "node-gyp (a compiler, Python and node's headers)",
        ),
        (
            "like-re2",
            "`install-from-cache --artifact build/Release/re2.node --host-var RE2_DOWNLOAD_MIRROR || node-gyp -j max "
            "rebuild` would download a prebuilt binary with install-from-cache from "
            "https://github.com/fixture/native/releases, else build the binary from its C/C++ sources with node-gyp "
            "(a compiler, Python and node's headers)",
        ),
        (
            "gyp-by-default",
            "`node-gyp rebuild` would build the binary from its C/C++ sources with node-gyp (a compiler, Python and "
            "node's headers)",
        ),
    ],
)
@pytest.mark.either_mode
def test_a_package_whose_binary_only_its_install_script_makes_is_reported_and_fails(tmp_path, npm_env, name, effect):
    """re2, canvas and cpu-features get their binary from an install script, which
    napi_python does not run: `install` says so, what the script would have done, and exits 1."""
    proc = cli(["install", name, "--dir", str(tmp_path)], npm_env)
    pkg = tmp_path / "node_modules" / name
    assert proc.stdout == f"installed {name}@1.0.0 in {pkg}\n"
    which = "install script (npm's default for a binding.gyp)" if name == "gyp-by-default" else "install script"
    assert proc.stderr == (
        f"napi_python install: {name}@1.0.0: its {which} was not run (napi_python runs no package "
        f"scripts): {effect}\n"
        f"napi_python install: {name}@1.0.0 has no Node-API binary for {HERE}: its binary would come from the "
        f"install script above; require({name!r}) will fail (its files are in {pkg})\n"
    )
    assert proc.returncode == 1
    # Installed again, it says the same: the files are there, the binary still is not.
    again = cli(["install", name, "--dir", str(tmp_path)], npm_env)
    assert again.returncode == 1 and again.stderr == proc.stderr


@pytest.mark.either_mode
def test_a_script_is_shown_with_its_control_characters_escaped(tmp_path):
    """A package's script goes to the user's terminal: an escape sequence in it is shown, not
    obeyed (the registry is trusted no more than a host)."""
    scripts = skipped_scripts(tmp_path, {"scripts": {"postinstall": "node x.js \x1b[2J\x1b]0;pwned\x07 ;"}})
    assert [(s.stage, s.command, s.effect) for s in scripts] == [
        (
            "postinstall",
            "node x.js \\x1b[2J\\x1b]0;pwned\\x07 ;",
            "run `node x.js \\x1b[2J\\x1b]0`, then run `pwned\\x07`",
        )
    ]


@pytest.mark.either_mode
def test_a_script_that_finds_a_prebuild_is_named_and_the_install_succeeds(tmp_path, npm_env):
    proc = cli(["install", "with-prebuilds", "--dir", str(tmp_path)], npm_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (
        "napi_python install: with-prebuilds@1.0.0: its install script was not run (napi_python runs no package "
        "scripts): `node-gyp-build` would take a prebuild for this platform from its prebuilds/ folder, else build "
        "the binary with node-gyp\n"
    )
    assert resolve("with-prebuilds", paths=[tmp_path]).endswith(f"prebuilds/{OS}-{ARCH}/node.napi.node")


@pytest.mark.either_mode
def test_a_libc_tagged_prebuild_is_found_and_a_script_of_the_packages_own_goes_unsaid(tmp_path, npm_env):
    """prebuildify's `prebuilds/linuxglibc-x64/`, which node-gyp-build takes first; the
    package's `node ./scripts/install.js` would not make what is there already: nothing to say."""
    proc = cli(["install", "libc-tagged", "--dir", str(tmp_path)], npm_env)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert resolve("libc-tagged", paths=[tmp_path]).endswith(f"prebuilds/{OS}{LIBC}-{ARCH}/node-napi.node")
    with napi_python.require("libc-tagged", paths=[tmp_path], isolated=not IN_PROCESS) as addon:
        assert addon.add(20, 22) == 42


@pytest.mark.either_mode
def test_a_binary_that_imports_v8_is_said_to_be_for_node_at_install(tmp_path, npm_env):
    """Installed without a word, such a package failed only at its first require()."""
    proc = cli(["install", "v8-half", "--dir", str(tmp_path)], npm_env)
    pkg = tmp_path / "node_modules" / "v8-half"
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        f"napi_python install: v8-half@1.0.0: {pkg}/lib/v8_half-{OS}-{ARCH}-{LIBC}-147.node registers through "
        "Node-API but also imports V8's or node's C++ API ("
    )
    assert proc.stderr.endswith("its name says it was built for node 26 (NODE_MODULE_VERSION 147)\n")


@pytest.mark.either_mode
def test_a_platform_package_named_for_the_platform_without_os_cpu_libc_is_installed(tmp_path, npm_env):
    proc = cli(["install", "named-only", "--dir", str(tmp_path)], npm_env)
    assert proc.returncode == 0, proc.stderr
    assert installed_names(tmp_path / "node_modules") == {"named-only", f"named-only-{HERE}"}
    assert resolve("named-only", paths=[tmp_path]).endswith(f"named-only-{HERE}/named-only.{HERE}.node")


@pytest.mark.either_mode
def test_a_package_without_any_binary_installs_but_fails(tmp_path, npm_env):
    proc = cli(["install", "links-in", "--dir", str(tmp_path)], npm_env)
    pkg = tmp_path / "node_modules" / "links-in"
    assert (pkg / "real.txt").is_file()
    assert (proc.returncode, proc.stderr) == (
        1,
        f"napi_python install: links-in@1.0.0 has no Node-API binary for {HERE}: it ships no .node file for this "
        f"platform, nor a platform package that does; require('links-in') will fail (its files are in {pkg})\n",
    )


@pytest.mark.either_mode
def test_a_package_of_v8_abi_builds_only_is_said_to_be_for_node_releases(tmp_path, npm_env):
    proc = cli(["install", "v8-only", "--dir", str(tmp_path)], npm_env)
    pkg = tmp_path / "node_modules" / "v8-only"
    assert (proc.returncode, proc.stderr) == (
        1,
        f"napi_python install: v8-only@1.0.0 has no Node-API binary for {HERE}: its builds for this platform are "
        "for specific Node releases (abi115, abi127, abi137), made against V8 and node's C++ ABI, not Node-API, "
        f"which is all napi-hostd implements; require('v8-only') will fail (its files are in {pkg})\n",
    )
    with pytest.raises(AddonNotFoundError, match=r"built for one Node release's V8 ABI \(abi115\), not for Node-API"):
        resolve("v8-only", paths=[tmp_path])


@pytest.mark.either_mode
def test_inspect_takes_a_package_name(tmp_path, registry, npm_env):
    install("@fixture/adder@1.0.0", dir=tmp_path, config=config_for(npm_env))
    proc = cli(["inspect", "@fixture/adder", "--json"], npm_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["load"]["loaded"] is True
    assert "add" in json.dumps(report["load"])
    proc = cli(["inspect", "@fixture/not-here"], npm_env, cwd=tmp_path)
    assert proc.returncode == 2 and "python -m napi_python install @fixture/not-here" in proc.stderr


def test_the_public_registry_serves_node_rs_xxhash(tmp_path):
    """@node-rs/xxhash from registry.npmjs.org (or the registry npm's configuration names),
    compared with node running the same installed package and with the xxHash test vectors."""
    try:
        done = install("@node-rs/xxhash@^1", dir=tmp_path)
    except RegistryError as e:
        if e.status is None:
            print(f"skipped: the npm registry cannot be reached: {e}")
            pytest.skip(f"the npm registry cannot be reached: {e}")
        raise
    assert [i.name for i in done] == ["@node-rs/xxhash", f"@node-rs/xxhash-{HERE}"]
    inputs = ["", "a", "abc", "napi-python"]
    script = (
        "const x = require('@node-rs/xxhash'); const ins = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(ins.map(s => [x.xxh32(s, 0), x.xxh64(s).toString(), x.xxh32(s, 42)])))"
    )
    node = subprocess.run(
        [oracle_node(), "-e", script, json.dumps(inputs)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    expected = json.loads(node.stdout)
    with require("@node-rs/xxhash", paths=[tmp_path], isolated=not IN_PROCESS) as xxhash:
        got = [
            [xxhash.xxh32(s.encode(), 0), str(xxhash.xxh64(s.encode())), xxhash.xxh32(s.encode(), 42)] for s in inputs
        ]
        # The published test vectors of xxHash.
        assert xxhash.xxh32(b"", 0) == 0x02CC5D05
        assert int(xxhash.xxh64(b"")) == 0xEF46DB3751D8E999
        assert xxhash.xxh32(b"abc", 0) == 0x32D153FF
    assert got == expected


@pytest.mark.either_mode
def test_npm_configuration_is_read_as_npm_reads_it(tmp_path):
    """Registries from the environment, the project's .npmrc (found upwards from a package.json)
    and the user's, compared with what npm itself says; credentials keyed by registry."""
    project, home = tmp_path / "project", tmp_path / "home"
    (project / "sub").mkdir(parents=True)
    home.mkdir()
    (project / "package.json").write_text("{}")
    (project / ".npmrc").write_text(
        "registry = http://project.test/npm/ ; a comment\n@a:registry=http://scoped.test/\n//project.test/npm/:_authToken=${TOK}\n"
    )
    (home / ".npmrc").write_text(
        "registry=http://user.test/\n@b:registry=http://user-scoped.test/\n//user-scoped.test/:_authToken=u\n"
    )
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "TOK": "t1",
        "npm_config_globalconfig": str(tmp_path / "none"),
    }
    for env in (base, {**base, "NPM_CONFIG_REGISTRY": "http://env.test/"}):
        config = NpmConfig.load(project / "sub", env)
        for key, name in (("registry", "x"), ("@a:registry", "@a/x"), ("@b:registry", "@b/x")):
            npm = subprocess.run(
                ["npm", "config", "get", key], cwd=project / "sub", env=env, capture_output=True, text=True, timeout=60
            )
            assert config.registry_for(name) == npm.stdout.strip(), (key, env)
    config = NpmConfig.load(project / "sub", base)
    assert config.auth_header("http://project.test/npm/x/-/x-1.0.0.tgz") == "Bearer t1"
    assert config.auth_header("http://project.test/other/x") is None
    assert config.auth_header("http://user-scoped.test/@b%2fx") == "Bearer u"
    with pytest.raises(InstallError, match=r"\.npmrc: \$\{TOK\} is not set in the environment"):
        NpmConfig.load(project, {k: v for k, v in base.items() if k != "TOK"})


@pytest.mark.either_mode
@pytest.mark.parametrize(
    "platform, folder",
    [
        (None, f"jpeg-turbo-{OS}-{ARCH}"),
        ("win32-x64-msvc", "jpeg-turbo-win32-x64"),
        ("win32-x64", "jpeg-turbo-win32-x64"),
    ],
)
def test_a_pkg_prebuilds_package_from_the_public_registry_installs_with_its_binary(tmp_path, platform, folder):
    """@julusian/jpeg-turbo ships prebuilds/<NAME>-<platform>-<arch>/node-napi-v<N>.node, which its
    install script (pkg-prebuilds-verify) only checks for: install succeeds, require finds it."""
    args = ["install", "@julusian/jpeg-turbo@3.0.1", "--dir", str(tmp_path)]
    proc = cli([*args, "--platform", platform] if platform else args, dict(os.environ))
    if proc.returncode and "cannot reach" in proc.stderr:
        pytest.skip(f"the npm registry cannot be reached: {proc.stderr}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.endswith(
        "`pkg-prebuilds-verify ./binding-options.js || cmake-js compile --target jpeg-turbo` would check that its "
        "prebuilds/ folder holds a build for this platform (pkg-prebuilds), else build the binary from its sources "
        "with cmake-js (CMake and a compiler)\n"
    )
    assert "has no Node-API binary" not in proc.stderr
    found = resolve("@julusian/jpeg-turbo", paths=[tmp_path], platform=platform)
    pkg = tmp_path / "node_modules" / "@julusian" / "jpeg-turbo"
    assert found == str(pkg / "prebuilds" / folder / "node-napi-v10.node")


@pytest.mark.either_mode
@pytest.mark.parametrize("platform", ["win32-x64", "win32-x64-msvc"])
def test_installing_for_windows_takes_the_msvc_platform_package(tmp_path, npm_env, platform):
    """``--platform win32-x64`` (node's name) and napi-rs's ``win32-x64-msvc`` choose alike: by
    the platform package's os and cpu."""
    proc = cli(["install", "@fixture/adder@1.0.0", "--dir", str(tmp_path), "--platform", platform], npm_env)
    assert proc.returncode == 0, proc.stderr
    assert installed_names(tmp_path / "node_modules") == {"@fixture/adder", "@fixture/adder-win32-x64-msvc"}
    found = resolve("@fixture/adder", paths=[tmp_path], platform=platform)
    assert found == str(tmp_path / "node_modules/@fixture/adder-win32-x64-msvc/adder.win32-x64-msvc.node")
