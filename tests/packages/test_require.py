"""`napi_python.require`: finding a package's Node-API binary in node_modules, in each layout
real packages use, and the error that lists every place it looked.

The package trees are made in tmp dirs with real test addons (build/addons) copied in under the
names packages give them, so each test loads what it found and calls it: `bench.node` answers
`add`, `strings.node` answers `createUtf8`, which tells which file was picked. The real npm
packages (tests/npm) are checked against the `.node` file node's own `require` loads.
"""

from __future__ import annotations

import json
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ADDONS, ROOT, oracle_node

import napi_python
from napi_python import AddonLoadError, AddonNotFoundError, current_platform, resolve

NPM = ROOT / "tests" / "npm"
HERE = current_platform()
OS, ARCH = HERE.split("-")[:2]
LIBC = "musl" if HERE.endswith("musl") else "glibc"
OTHER_LIBC = "glibc" if LIBC == "musl" else "musl"
OTHER_ARCH = "arm64" if ARCH != "arm64" else "x64"


def package(root: Path, name: str, meta: dict | None = None, files: dict[str, str] | None = None) -> Path:
    """Makes `root/<name>` with a package.json (`meta` plus the name) and `files`: a relative
    path -> the test addon to copy there."""
    pkg = root / name
    pkg.mkdir(parents=True)
    (pkg / "package.json").write_text(json.dumps({"name": name, "version": "1.0.0", **(meta or {})}))
    for rel, addon in (files or {}).items():
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ADDONS / f"{addon}.node", pkg / rel)
    return pkg


def which(addon) -> str:
    """Which test addon was loaded."""
    names = dir(addon)
    return "bench" if "add" in names else "strings" if "createUtf8" in names else f"? {names}"


@pytest.fixture
def require():
    """napi_python.require, closing what it loaded after the test."""
    opened = []

    def _require(*args, **kwargs):
        addon = napi_python.require(*args, **kwargs)
        opened.append(addon)
        return addon

    yield _require
    for addon in opened:
        napi_python.close(addon)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with node_modules, the current directory set two levels below it."""
    work = tmp_path / "project" / "src" / "deep"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    return tmp_path / "project"


def test_napi_rs_platform_package_found_from_the_current_directory_upwards(project, require):
    nm = project / "node_modules"
    package(
        nm,
        "@fake/calc",
        {
            "napi": {"binaryName": "calc", "targets": ["x86_64-unknown-linux-gnu"]},
            "optionalDependencies": {f"@fake/calc-{HERE}": "1.0.0", "@fake/calc-darwin-arm64": "1.0.0"},
        },
    )
    package(nm, f"@fake/calc-{HERE}", {"main": f"calc.{HERE}.node"}, {f"calc.{HERE}.node": "bench"})
    with require("@fake/calc") as addon:
        assert which(addon) == "bench"
        assert addon.add(2, 3) == 5
        assert napi_python.addon_info(addon).path == str(nm / f"@fake/calc-{HERE}" / f"calc.{HERE}.node")


def test_napi_rs_musl_and_gnu_builds_side_by_side_pick_this_systems_libc(project, require):
    nm = project / "node_modules"
    base = "linux-x64"
    package(
        nm,
        "calc",
        {
            "napi": {"binaryName": "calc"},
            "optionalDependencies": {f"calc-{base}-gnu": "1.0.0", f"calc-{base}-musl": "1.0.0"},
        },
    )
    package(nm, f"calc-{base}-gnu", {"main": f"calc.{base}-gnu.node"}, {f"calc.{base}-gnu.node": "bench"})
    package(nm, f"calc-{base}-musl", {"main": f"calc.{base}-musl.node"}, {f"calc.{base}-musl.node": "strings"})
    musl = require("calc", platform=f"{base}-musl")
    gnu = require("calc", platform=f"{base}-gnu")
    assert which(musl) == "strings" and napi_python.addon_info(musl).path.endswith(
        f"calc-{base}-musl/calc.{base}-musl.node"
    )
    assert which(gnu) == "bench"
    if HERE == f"{base}-gnu":
        assert resolve("calc") == napi_python.addon_info(gnu).path


def test_napi_rs_binary_beside_package_json_and_napi_rs_2_names(project, require):
    # napi-rs 2: `napi.name`, `napi.package.name`; the binary may sit in the package itself.
    nm = project / "node_modules"
    package(nm, "local-bin", {"napi": {"name": "lb"}}, {f"lb.{HERE}.node": "strings"})
    assert which(require("local-bin")) == "strings"
    package(nm, "renamed", {"napi": {"name": "rn", "package": {"name": "@other/rn"}}})
    package(nm, f"@other/rn-{HERE}", {}, {f"rn.{HERE}.node": "bench"})
    assert require("renamed").add(1, 1) == 2


def test_platform_package_nested_in_the_package_or_hoisted_above_it(project, require):
    # Node resolves the platform package from the package's own folder upwards.
    nm = project / "node_modules"
    outer = package(nm, "outer", {"napi": {"binaryName": "o"}})
    package(outer / "node_modules", f"outer-{HERE}", {"main": f"o.{HERE}.node"}, {f"o.{HERE}.node": "bench"})
    assert which(require("outer")) == "bench"
    # A package nested in another's node_modules, its platform package hoisted to the top.
    package(outer / "node_modules", "inner", {"napi": {"binaryName": "i"}})
    package(nm, f"inner-{HERE}", {"main": f"i.{HERE}.node"}, {f"i.{HERE}.node": "strings"})
    found = resolve("inner", paths=[outer])
    assert found == str(nm / f"inner-{HERE}" / f"i.{HERE}.node")


def test_optional_dependency_platform_packages_with_the_node_file_in_a_subfolder(project, require):
    # sharp's layout: `@img/sharp-linux-x64/lib/sharp-linux-x64.node`, no `napi` field.
    nm = project / "node_modules"
    os_arch = "-".join(HERE.split("-")[:2])
    package(nm, "imgpkg", {"optionalDependencies": {f"@img/imgpkg-{os_arch}": "1.0.0", "@img/imgpkg-wasm32": "1.0.0"}})
    package(nm, f"@img/imgpkg-{os_arch}", {"main": "lib/index.js"}, {f"lib/imgpkg-{os_arch}.node": "bench"})
    assert which(require("imgpkg")) == "bench"


def test_a_platform_package_with_a_build_per_libc_takes_the_folder_naming_this_platform(project, require):
    # koffi 3's layout: `@koromix/koffi-linux-x64/{linux_x64,musl_x64}/koffi.node`, no `napi` field.
    nm = project / "node_modules"
    os_arch = "-".join(HERE.split("-")[:2])
    folder = os_arch.replace("-", "_")
    package(nm, "ffipkg", {"optionalDependencies": {f"@ffi/ffipkg-{os_arch}": "1.0.0"}})
    # The project's Linux builds are glibc's: the musl folder is the one to pass over.
    files = {f"{folder}/ffipkg.node": "bench", f"musl_{folder.split('_', 1)[1]}/ffipkg.node": "strings"}
    package(nm, f"@ffi/ffipkg-{os_arch}", {"main": "index.js", **fields()}, files)
    assert which(require("ffipkg")) == "bench"


def fields(os_name: str = OS, cpu: str = ARCH, libc: str | None = LIBC) -> dict:
    """package.json's platform fields, as npm reads them."""
    return {"os": [os_name], "cpu": [cpu], **({"libc": [libc]} if libc else {})}


def test_a_platform_package_named_by_its_scope_is_chosen_by_its_os_cpu_and_libc(project, require):
    """node-llama-cpp's layout: `@node-llama-cpp/linux-x64`, the scope carrying the
    name and the package named by the platform alone; `-cuda` fits this machine too, and npm
    installs both: the one whose name is the platform is taken."""
    nm = project / "node_modules"
    optional = [f"@llama/{OS}-{ARCH}-cuda", f"@llama/{OS}-{ARCH}", f"@llama/{OS}-{OTHER_ARCH}", "@llama/mac-arm64"]
    package(nm, "llama", {"main": "dist/index.js", "optionalDependencies": dict.fromkeys(optional, "1.0.0")})
    package(nm, f"@llama/{OS}-{ARCH}-cuda", fields(), {f"bins/{OS}-{ARCH}-cuda/llama-addon.node": "strings"})
    pkg = package(nm, f"@llama/{OS}-{ARCH}", fields(), {f"bins/{OS}-{ARCH}/llama-addon.node": "bench"})
    with require("llama") as addon:
        assert napi_python.addon_info(addon).path == str(pkg / f"bins/{OS}-{ARCH}/llama-addon.node")
        assert addon.add(2, 3) == 5


def test_installed_platform_packages_that_do_not_fit_are_refused_with_npms_reasons(project, require):
    """The name says this platform, the package.json does not: refused, whatever the name; `!`
    negates as in npm (`cpu: ["!arm64"]`); a package without `libc` whose name says the other
    libc is refused (packages older than the field)."""
    nm = project / "node_modules"
    wrong = {
        f"picky-{HERE}": fields(cpu=OTHER_ARCH),
        f"picky-{OS}-{ARCH}": fields(libc=OTHER_LIBC),
        f"@picky/{OS}-{ARCH}": fields(os_name="darwin"),
        f"picky-{OS}-{ARCH}-{'musl' if LIBC == 'glibc' else 'gnu'}": fields(libc=None),
        f"@picky/not-{ARCH}": {"os": [OS], "cpu": [f"!{ARCH}"]},
    }
    package(nm, "picky", {"optionalDependencies": dict.fromkeys(wrong, "1.0.0")})
    for name, meta in wrong.items():
        package(nm, name, meta, {"lib/picky.node": "strings"})
    with pytest.raises(AddonNotFoundError) as e:
        resolve("picky")
    said = str(e.value)
    reasons = {
        f"picky-{HERE}": f'its cpu is ["{OTHER_ARCH}"], not {ARCH}',
        f"picky-{OS}-{ARCH}": f'its libc is ["{OTHER_LIBC}"], not {LIBC}',
        f"@picky/{OS}-{ARCH}": f'its os is ["darwin"], not {OS}',
        f"picky-{OS}-{ARCH}-{'musl' if LIBC == 'glibc' else 'gnu'}": f"its name says {OTHER_LIBC}, not {LIBC}",
        f"@picky/not-{ARCH}": f'its cpu is ["!{ARCH}"], not {ARCH}',
    }
    for name, reason in reasons.items():
        assert f"{nm / name}: {name} is not for {HERE}: {reason}" in said, said
    # One that fits by a negation: taken, though its name names no platform.
    package(nm, "loose", {"optionalDependencies": {"@loose/any-but-other": "1.0.0", "@loose/js-helper": "1.0.0"}})
    package(nm, "@loose/js-helper", {"main": "index.js"}, {"lib/helper.node": "strings"})
    package(nm, "@loose/any-but-other", {"cpu": [f"!{OTHER_ARCH}"]}, {"lib/loose.node": "bench"})
    assert which(require("loose")) == "bench"
    # A dependency that declares no platform and whose name names none is JavaScript.
    package(nm, "js-only", {"optionalDependencies": {"@loose/js-helper": "1.0.0"}})
    with pytest.raises(AddonNotFoundError) as e:
        resolve("js-only")
    assert "@loose/js-helper declares no os/cpu/libc and its name names no platform" in str(e.value)


def test_node_gyp_build_release_then_debug(project, require):
    nm = project / "node_modules"
    package(nm, "gyp-one", {}, {"build/Release/whatever.node": "bench"})
    assert which(require("gyp-one")) == "bench"
    package(nm, "gyp-debug", {}, {"build/Debug/x.node": "strings"})
    assert which(require("gyp-debug")) == "strings"
    # Several binaries: the one named after the package (dashes as underscores, as gyp targets).
    package(
        nm,
        "better-thing",
        {},
        {"build/Release/better_thing.node": "strings", "build/Release/test_extension.node": "bench"},
    )
    assert which(require("better-thing")) == "strings"


def test_node_gyp_several_binaries_none_named_after_the_package_is_an_error(project):
    package(
        project / "node_modules", "ambiguous", {}, {"build/Release/a.node": "bench", "build/Release/b.node": "bench"}
    )
    with pytest.raises(AddonNotFoundError) as e:
        resolve("ambiguous")
    assert "several .node files, none named after ambiguous: a.node, b.node" in str(e.value)


def test_prebuilds_chosen_by_their_tags_as_node_gyp_build_does(project, require):
    nm = project / "node_modules"
    os_arch = "-".join(HERE.split("-")[:2])
    pkg = package(
        nm,
        "prebuilt",
        {},
        {
            f"prebuilds/{os_arch}/node.napi.glibc.node": "bench",
            f"prebuilds/{os_arch}/node.napi.musl.node": "strings",
            f"prebuilds/{os_arch}/electron.napi.node": "strings",
            f"prebuilds/{os_arch}/node.abi115.node": "strings",
        },
    )
    folder = pkg / "prebuilds" / os_arch
    assert resolve("prebuilt", platform=f"{os_arch}-gnu") == str(folder / "node.napi.glibc.node")
    assert resolve("prebuilt", platform=f"{os_arch}-musl") == str(folder / "node.napi.musl.node")
    assert which(require("prebuilt", platform=f"{os_arch}-gnu")) == "bench"
    # An untagged napi build serves both libcs.
    package(nm, "plain-prebuild", {}, {f"prebuilds/{os_arch}/plain-prebuild.node": "bench"})
    assert require("plain-prebuild").add(20, 22) == 42


def test_platform_package_of_tagged_prebuilds_as_node_gyp_build_optional_packages(project, require):
    # lmdb's and msgpackr-extract's layout: the platform package holds the tagged files.
    nm = project / "node_modules"
    os_arch = "-".join(HERE.split("-")[:2])
    package(nm, "kv", {"optionalDependencies": {f"@kv/kv-{os_arch}": "1.0.0"}})
    package(
        nm,
        f"@kv/kv-{os_arch}",
        {},
        {
            "node.abi115.glibc.node": "strings",
            "node.napi.musl.node": "strings",
            "node.napi.glibc.node": "bench",
        },
    )
    assert resolve("kv", platform=f"{os_arch}-musl").endswith("node.napi.musl.node")
    assert which(require("kv", platform=f"{os_arch}-gnu")) == "bench"


def test_prebuilds_named_after_the_platform_as_better_sqlite3_ships_them(project, require):
    nm = project / "node_modules"
    arch = HERE.split("-")[1]
    package(
        nm,
        "flat",
        {},
        {
            f"prebuilds/linux-{arch}.node": "bench",
            f"prebuilds/linuxmusl-{arch}.node": "strings",
            "prebuilds/darwin-arm64.node": "strings",
        },
    )
    assert which(require("flat", platform=f"linux-{arch}-gnu")) == "bench"
    assert which(require("flat", platform=f"linux-{arch}-musl")) == "strings"


def test_prebuilds_for_one_node_releases_v8_abi_only_are_refused_with_the_reason(project, require):
    os_arch = "-".join(HERE.split("-")[:2])
    package(project / "node_modules", "nan-only", {}, {f"prebuilds/{os_arch}/node.abi115.node": "bench"})
    with pytest.raises(AddonNotFoundError) as e:
        require("nan-only")
    assert "built for one Node release's V8 ABI (abi115), not for Node-API" in str(e.value)


def test_main_naming_a_node_file_and_paths_outside_the_current_tree(project, tmp_path, require):
    elsewhere = tmp_path / "elsewhere"
    package(elsewhere / "node_modules", f"@fake/direct-{HERE}", {"main": "direct.node"}, {"direct.node": "bench"})
    with pytest.raises(AddonNotFoundError):
        resolve(f"@fake/direct-{HERE}")
    # `paths` holds starting folders (as Node's require.resolve), or node_modules folders.
    for start in (elsewhere, elsewhere / "node_modules", elsewhere / "node_modules" / "x"):
        assert which(require(f"@fake/direct-{HERE}", paths=[start])) == "bench"


def test_a_path_names_a_package_folder_or_a_binary(project, require):
    pkg = package(project / "node_modules", "by-path", {}, {"build/Release/by_path.node": "strings"})
    assert which(require(str(pkg))) == "strings"
    assert which(require("../../node_modules/by-path")) == "strings"
    assert resolve(str(pkg / "build/Release/by_path.node")) == str(pkg / "build/Release/by_path.node")


def test_nothing_found_lists_every_place_looked(project, require):
    nm = project / "node_modules"
    package(nm, "empty-pkg", {"napi": {"binaryName": "e"}, "optionalDependencies": {f"empty-pkg-{HERE}": "1"}})
    with pytest.raises(AddonNotFoundError) as e:
        require("empty-pkg", timeout=5)
    err = e.value
    assert isinstance(err, AddonLoadError)
    pkg = nm / "empty-pkg"
    expected = [
        f"{pkg}/e.{HERE}.node: no such file",
        f"{pkg}/build/Release: no such folder",
        f"{pkg}/build/Debug: no such folder",
        f"{pkg}/prebuilds/{'-'.join(HERE.split('-')[:2])}.node: no such file",
        f"{pkg}/prebuilds/{'-'.join(HERE.split('-')[:2])}: no such folder",
    ]
    for place in expected:
        assert place in err.searched
        assert place in str(err)
    assert str(err).startswith(f"cannot find a Node-API binary of 'empty-pkg' for {HERE}; looked at:")
    # A platform package that is not installed: one line, not one per node_modules folder.
    [missing] = [p for p in err.searched if p.startswith(f"empty-pkg-{HERE}:")]
    assert missing.startswith(f"empty-pkg-{HERE}: not installed (looked in ")
    assert f"empty-pkg-{HERE}: no such package" not in str(err)

    # A package that is nowhere: every node_modules folder from the current directory to /.
    with pytest.raises(AddonNotFoundError) as e:
        require("not-installed", paths=[project.parent])
    cwd = Path.cwd()
    folders = [cwd / "node_modules", cwd.parent / "node_modules", project / "node_modules", Path("/node_modules")]
    for folder in folders:
        assert f"{folder}/not-installed: no such package" in e.value.searched


def test_a_package_whose_binary_its_install_script_makes_says_so(project):
    """canvas's layout: sources and a script that downloads or builds the binary,
    which napi_python never runs; the error says which script and what it would have done."""
    package(
        project / "node_modules",
        "scripted",
        {"scripts": {"install": "prebuild-install -r napi || node-gyp rebuild"}, "repository": "github:o/scripted"},
    )
    (project / "node_modules/scripted/binding.gyp").write_text("{}")
    with pytest.raises(AddonNotFoundError) as e:
        resolve("scripted")
    assert str(e.value).endswith(
        "\nscripted gets its binary from a script npm runs at install, which napi_python does not run: its install "
        "script `prebuild-install -r napi || node-gyp rebuild` would download a prebuilt binary with "
        "prebuild-install from https://github.com/o/scripted/releases, else build the binary from its C/C++ "
        "sources with node-gyp (a compiler, Python and node's headers)"
    )


def test_options_pass_through_to_load_addon(project, require):
    package(project / "node_modules", "boxed", {}, {"build/Release/boxed.node": "bench"})
    with require("boxed", sandbox=True, timeout=10, restart=False) as addon:
        assert "seccomp" in napi_python.addon_info(addon).protections
        assert addon.add(1, 2) == 3
    with pytest.raises(TypeError):
        require("boxed", no_such_option=1)


@pytest.mark.needs_input((NPM / "node_modules").is_dir(), "tests/npm/node_modules is absent: run scripts/npm-install")
@pytest.mark.parametrize("name", ["@node-rs/crc32", "@node-rs/bcrypt", "koffi"])
def test_real_packages_resolve_to_the_binary_node_loads(name, require):
    # What node's own require loads for the package: the .node file in its module cache.
    script = (
        f"require({json.dumps(name)});"
        "console.log(JSON.stringify(Object.keys(require.cache).filter(k => k.endsWith('.node'))))"
    )
    proc = subprocess.run(
        [oracle_node(), "-e", script], cwd=NPM, capture_output=True, text=True, timeout=60, check=True
    )
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [resolve(name, paths=[NPM])]
    with require(name, paths=[NPM]) as addon:
        assert napi_python.addon_info(addon).path == resolve(name, paths=[NPM])


def test_packages_are_found_from_the_calling_scripts_directory(tmp_path, monkeypatch, require):
    """As node resolves from the requiring module, a script finds the packages beside
    it wherever it is run from (before, only the current directory was searched)."""
    app = tmp_path / "app"
    package(app / "node_modules", "beside-the-script", {}, {"build/Release/beside.node": "bench"})
    (app / "main.py").write_text(
        "import napi_python\nfound = napi_python.resolve('beside-the-script')\n"
        "addon = napi_python.require('beside-the-script')\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    script = runpy.run_path(str(app / "main.py"))
    try:
        assert script["found"] == str(app / "node_modules/beside-the-script/build/Release/beside.node")
        assert script["addon"].add(1, 2) == 3
    finally:
        napi_python.close(script["addon"])
    # From here (tests/), nothing beside this file has it; the error lists the script's folders.
    with pytest.raises(AddonNotFoundError) as e:
        require("beside-the-script")
    assert f"{Path(__file__).parent}/node_modules/beside-the-script: no such package" in e.value.searched


def test_the_calling_scripts_directory_comes_after_paths_and_before_the_current_directory(tmp_path, monkeypatch):
    from napi_python.packages.search import _search_roots

    monkeypatch.chdir(tmp_path)
    assert _search_roots(["/given"]) == [Path("/given"), Path(__file__).parent, tmp_path]


def test_the_calling_script_is_found_past_the_package_frames_of_every_folder(tmp_path, monkeypatch):
    """The stub generator (napi_python/stubgen/) searches from its caller's folder too, not its
    own: every folder of the package is the package's."""
    from napi_python.stubgen import declarations_file

    monkeypatch.chdir(tmp_path)
    with pytest.raises(AddonNotFoundError) as e:
        declarations_file("no-such-package-anywhere")
    assert e.value.searched[0] == f"{Path(__file__).parent}/node_modules/no-such-package-anywhere: no such package"


@pytest.mark.parametrize(
    "name, rel",
    [
        # farmhash: build/<name>-<os>-<arch>.node, no build/Release.
        ("farmhash", "build/farmhash-{os}-{arch}.node"),
        # koffi: one folder per platform under build/koffi.
        ("koffi", "build/koffi/{os}_{arch}/koffi.node"),
    ],
)
def test_a_package_binary_named_after_the_platform_is_found_when_no_layout_fits(project, require, name, rel):
    os_name, arch = HERE.split("-")[:2]
    other_arch = "arm64" if arch != "arm64" else "x64"
    files = {
        rel.format(os=os_name, arch=arch): "bench",
        rel.format(os=os_name, arch=other_arch): "strings",
        rel.format(os="darwin", arch=arch): "strings",
        rel.format(os="musl", arch=arch) if "koffi" in rel else f"build/{name}-{os_name}-{arch}-musl.node": "strings",
    }
    pkg = package(project / "node_modules", name, {"main": "index.js"}, files)
    with require(name) as addon:
        assert which(addon) == "bench"
        assert napi_python.addon_info(addon).path == str(pkg / rel.format(os=os_name, arch=arch))


def test_the_platform_fallback_names_what_it_looked_for(project, require):
    package(project / "node_modules", "only-mac", {}, {"build/only-mac-darwin-arm64.node": "bench"})
    with pytest.raises(AddonNotFoundError) as e:
        require("only-mac")
    os_name, arch = HERE.split("-")[:2]
    assert f"{project / 'node_modules/only-mac'}: no .node file whose path names {os_name}-{arch}" in e.value.searched


# node's loader, asked which file it would open for another platform: pkg-prebuilds reads
# os.platform()/os.arch(), node-hid's own JS process.platform; dlopen is recorded, not run.
_LOADER_PATH = """
const [name, os_name, arch, call] = JSON.parse(process.argv[1]);
const os = require('os');
os.platform = () => os_name; os.arch = () => arch;
Object.defineProperty(process, 'platform', {value: os_name});
process.dlopen = (module, file) => { console.log(JSON.stringify(file)); process.exit(0); };
const m = require(name);
if (call) m[call]();
"""


@pytest.mark.needs_input((NPM / "node_modules").is_dir(), "tests/npm/node_modules is absent: run scripts/npm-install")
@pytest.mark.parametrize(
    "name, call",
    [
        # node-hid's JS names the build (HID_hidraw on Linux, HID elsewhere), loaded lazily.
        ("node-hid", "devices"),
        ("@julusian/jpeg-turbo", None),
    ],
)
@pytest.mark.parametrize("platform", [HERE, "linux-arm64-gnu", "darwin-arm64", "win32-x64-msvc", "win32-ia32-msvc"])
def test_pkg_prebuilds_packages_resolve_to_the_file_their_loader_opens(name, call, platform):
    os_name, arch = platform.split("-")[:2]
    proc = subprocess.run(
        [oracle_node(), "-e", _LOADER_PATH, json.dumps([name, os_name, arch, call])],
        cwd=NPM,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(proc.stdout) == resolve(name, paths=[NPM], platform=platform)


@pytest.mark.needs_input((NPM / "node_modules").is_dir(), "tests/npm/node_modules is absent: run scripts/npm-install")
def test_a_pkg_prebuilds_binary_loads_and_answers_as_under_node(require):
    options = {"format": 0, "width": 8, "height": 8, "quality": 90, "subsampling": 0}
    pixels = bytes(range(192))
    script = (
        "const b = require(process.argv[1]); const o = JSON.parse(process.argv[2]);"
        "o.format = b.FORMAT_RGB; o.subsampling = b.SAMP_444;"
        "const r = b.compressSync(Buffer.from(JSON.parse(process.argv[3])), o);"
        "console.log(r.data.subarray(0, r.size).toString('hex'))"
    )
    path = resolve("@julusian/jpeg-turbo", paths=[NPM])
    node = subprocess.run(
        [oracle_node(), "-e", script, path, json.dumps(options), json.dumps(list(pixels))],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    jpeg = require("@julusian/jpeg-turbo", paths=[NPM])
    result = jpeg.compressSync(pixels, {**options, "format": jpeg.FORMAT_RGB, "subsampling": jpeg.SAMP_444})
    assert bytes(result["data"][: result["size"]]).hex() == node.stdout.strip()


def test_pkg_prebuilds_takes_the_first_napi_version_listed_and_a_build_of_the_name(project, require):
    os_arch = "-".join(HERE.split("-")[:2]) + ("-musl" if LIBC == "musl" else "")
    nm = project / "node_modules"
    files = {
        f"prebuilds/thing-{os_arch}/node-napi-v8.node": "bench",
        f"prebuilds/thing-{os_arch}/node-napi-v3.node": "strings",
        f"prebuilds/thing_other-{os_arch}/node-napi-v8.node": "strings",
    }
    pkg = package(nm, "thing-js", {"scripts": {"install": "pkg-prebuilds-verify ./opts.js || node-gyp rebuild"}}, files)
    (pkg / "opts.js").write_text("module.exports = {\n  name: 'thing',\n  napi_versions: [8, 3],\n}\n")
    assert which(require("thing-js")) == "bench"
    # The package's JS picks another name on this OS, as node-hid does.
    (pkg / "index.js").write_text(
        f"if (process.platform === '{OS}' && !driver) {{\n  options.name = 'thing_other';\n}}\nload(options)\n"
    )
    assert which(require("thing-js")) == "strings"
    # A build of the name takes precedence, build/Debug first, as pkg-prebuilds looks.
    for kind, addon in (("Release", "bench"), ("Debug", "strings")):
        (pkg / "build" / kind).mkdir(parents=True)
        shutil.copy(ADDONS / f"{addon}.node", pkg / "build" / kind / "thing_other.node")
    assert resolve("thing-js") == str(pkg / "build/Debug/thing_other.node")
    # Nothing of the name: the error names the candidates and the builds of other names.
    shutil.rmtree(pkg / "build")
    (pkg / "index.js").unlink()
    shutil.rmtree(pkg / "prebuilds" / f"thing-{os_arch}")
    with pytest.raises(AddonNotFoundError) as e:
        require("thing-js")
    assert (
        f"{pkg / 'prebuilds' / f'thing-{os_arch}' / 'node-napi-v3.node'}: no such file (pkg-prebuilds' candidate)"
        in (e.value.searched)
    )
    assert f"{pkg / 'prebuilds'}: it ships other builds for {os_arch}, not the one its loader takes: thing_other" in (
        e.value.searched
    )


def test_node_pre_gyp_module_path_filled_in_as_node_pre_gyp_does(project, require):
    nm = project / "node_modules"
    template = "./lib/binding/napi-v{napi_build_version}-{platform}-{libc}-{arch}"
    folder = f"lib/binding/napi-v{{}}-{OS}-{LIBC}-{ARCH}"
    binary = {"module_name": "pregyp", "module_path": template, "napi_versions": [3, 6, 99]}
    files = {f"{folder.format(3)}/pregyp.node": "strings", f"{folder.format(6)}/pregyp.node": "bench"}
    package(nm, "pregyp", {"binary": binary}, files)
    # The highest Node-API version this host implements (99 is beyond it).
    assert which(require("pregyp")) == "bench"
    v8 = {"module_name": "v8only", "module_path": "./lib/binding/{node_abi}-{platform}-{arch}"}
    package(nm, "v8only", {"binary": v8}, {f"lib/binding/node-v115-{OS}-{ARCH}/v8only.node": "bench"})
    with pytest.raises(AddonNotFoundError) as e:
        require("v8only")
    assert "node-pre-gyp's module_path names a build for one Node release's V8 ABI, not for Node-API" in str(e.value)


def test_pkg_prebuilds_options_written_in_js_take_the_one_name_at_the_highest_version_here(project, require):
    os_arch = "-".join(HERE.split("-")[:2]) + ("-musl" if LIBC == "musl" else "")
    files = {
        f"prebuilds/inline-{os_arch}/node-napi-v3.node": "strings",
        f"prebuilds/inline-{os_arch}/node-napi-v9.node": "bench",
        f"prebuilds/inline-{os_arch}/node-napi-v99.node": "strings",
    }
    pkg = package(project / "node_modules", "inline", {"dependencies": {"pkg-prebuilds": "^1.0.0"}}, files)
    assert which(require("inline")) == "bench"
    assert resolve("inline") == str(pkg / "prebuilds" / f"inline-{os_arch}" / "node-napi-v9.node")
    # Without pkg-prebuilds among its dependencies the folder's shape says nothing.
    package(project / "node_modules", "lookalike", {}, files)
    with pytest.raises(AddonNotFoundError):
        require("lookalike")
