"""The Mach-O reader (napi_python.binary.macho) on real macOS addons from npm, fetched for darwin-arm64
and darwin-x64 by `python -m napi_python install --platform` during the run: napi-rs
(@node-rs/crc32's platform packages), node-addon-api (@serialport/bindings-cpp's universal
prebuild, sodium-native 5's prebuilds) and V8's ABI (sodium-native 2.4.9's node.abi72.node).

What it reads is compared with LIEF reading the same files (its exports from the export trie,
where the reader reads the symbol table); `inspect` and `require` use it; npm's own choice of
platform packages (`npm install --os --cpu`) settles which darwin packages `install` picks; and
damaged copies of the real files must raise MachOError, nothing else.
"""

from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import missing_input, napi_python_cli

from napi_python import load_addon, resolve
from napi_python.binary import macho, node_abi, shared_object
from napi_python.errors import AddonLoadError, RegistryError
from napi_python.npm import install

pytestmark = pytest.mark.either_mode

DARWIN = ("darwin-arm64", "darwin-x64")
# Node-API packages with macOS builds, each in a folder per platform.
PACKAGES = ["@node-rs/crc32@1.10.8", "@serialport/bindings-cpp@13.0.1", "sodium-native@5.1.0"]
# A V8-ABI package (nan): its macOS prebuilds are for one node release each.
V8_PACKAGE = "sodium-native@2.4.9"
QUIET = ["--no-package-lock", "--loglevel=error"]
# What require picks for each package on each Mac (the platform package, the universal prebuild).
PICKED = {
    "@node-rs/crc32": "@node-rs/crc32-{platform}/crc32.{platform}.node",
    "@serialport/bindings-cpp": "@serialport/bindings-cpp/prebuilds/darwin-x64+arm64/@serialport+bindings-cpp.node",
    "sodium-native": "sodium-native/prebuilds/{platform}/sodium-native.node",
}


def _installed(spec: str, folder: Path, platform: str) -> None:
    try:
        install(spec, dir=folder, platform=platform)
    except RegistryError as e:
        if e.status is None:
            missing_input(f"the npm registry cannot be reached: {e}")
        raise


@pytest.fixture(scope="module")
def darwin_npm(tmp_path_factory) -> dict[str, Path]:
    """A folder per Mac platform holding PACKAGES as `install --platform` puts them, and one
    holding the V8-ABI package for darwin-x64."""
    root = tmp_path_factory.mktemp("darwin-npm")
    folders = {platform: root / platform for platform in DARWIN}
    for platform, folder in folders.items():
        for spec in PACKAGES:
            _installed(spec, folder, platform)
    folders["v8"] = root / "v8"
    _installed(V8_PACKAGE, folders["v8"], "darwin-x64")
    return folders


def v8_addon(darwin_npm: dict[str, Path]) -> Path:
    return darwin_npm["v8"] / "node_modules" / "sodium-native" / "prebuilds" / "darwin-x64" / "node.abi72.node"


def darwin_files(darwin_npm: dict[str, Path]) -> list[Path]:
    files = [Path(resolve(spec.rsplit("@", 1)[0], [darwin_npm[p]], platform=p)) for p in DARWIN for spec in PACKAGES]
    return [*files, v8_addon(darwin_npm), v8_addon(darwin_npm).with_name("libsodium.dylib")]


@pytest.mark.parametrize("platform", DARWIN)
def test_require_picks_what_node_would_on_a_mac(darwin_npm, platform):
    """The platform package, node-gyp-build's universal folder (darwin-x64+arm64) and the
    per-architecture prebuild: what node finds on a Mac of that kind."""
    for name, where in PICKED.items():
        found = resolve(name, [darwin_npm[platform]], platform=platform)
        assert found == str(darwin_npm[platform] / "node_modules" / where.format(platform=platform))


_LIEF = r"""
import json, sys, lief
LINKING = {"LOAD_DYLIB", "LOAD_WEAK_DYLIB", "REEXPORT_DYLIB", "LAZY_LOAD_DYLIB", "LOAD_UPWARD_DYLIB"}
CPUS = {"ARM64": "arm64", "X86_64": "x86-64"}
def c(name):
    return name[1:] if name.startswith("_") else name
fat = lief.MachO.parse(sys.argv[1])
out = []
for i in range(fat.size):
    b = fat.at(i)
    needed = [cmd.name for cmd in b.commands if cmd.command.name in LINKING]
    out.append({
        "cpu": CPUS.get(b.header.cpu_type.name, b.header.cpu_type.name),
        "needed": needed,
        "exported": sorted(c(s.name) for s in b.exported_symbols),
        "imported": {c(s.name): needed[s.library_ordinal - 1] if 0 < s.library_ordinal <= len(needed) else None
                     for s in b.imported_symbols},
        "cstrings": [t.decode() for sec in b.sections if sec.segment_name == "__TEXT" and sec.name == "__cstring"
                     for t in bytes(sec.content).split(b"\0") if t and all(0x20 <= ch < 0x7f for ch in t)],
    })
print(json.dumps(out))
"""


def lief_reads(path: Path) -> list[dict]:
    """What LIEF reads from each architecture of a file, in a process of its own (LIEF is C++)."""
    proc = subprocess.run([sys.executable, "-c", _LIEF, str(path)], capture_output=True, text=True, timeout=120)
    if "No module named 'lief'" in proc.stderr:
        missing_input("LIEF is not installed: scripts/build installs requirements-dev.txt")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_reader_finds_what_lief_finds(darwin_npm):
    """Each architecture of each file: its CPU, the dylibs it links in order, the symbols it
    exports (LIEF: the export trie), the ones it imports and the dylib each is bound to."""
    seen = set()
    for path in darwin_files(darwin_npm):
        expected = lief_reads(path)
        for arch in expected:
            so = macho.read(path, arch["cpu"])
            assert so.machine == arch["cpu"] and so.bits == 64
            assert so.needed == arch["needed"], path
            assert sorted(so.defined) == arch["exported"], path
            assert {s.name: s.library for s in so.undefined} == arch["imported"], path
            seen.add((arch["cpu"], len(expected) > 1))
    # Both CPUs, thin and universal files, were compared.
    assert seen == {("arm64", False), ("x86-64", False), ("arm64", True), ("x86-64", True)}


def test_universal_files_name_every_architecture(darwin_npm):
    fat = Path(resolve("@serialport/bindings-cpp", [darwin_npm["darwin-arm64"]], platform="darwin-arm64"))
    assert [s.cpu for s in macho.slices(fat)] == ["x86-64", "arm64"]
    so = macho.read(fat, "arm64")
    assert so.file_format == "Mach-O universal bundle (x86-64, arm64)"
    with pytest.raises(macho.MachOError, match="holds no ppc64 image, only x86-64, arm64"):
        macho.read(fat, "ppc64")


def test_c_strings_are_read_from_the_string_sections(darwin_npm):
    """`inspect` finds the Node-API names an addon looks up with dlsym among its C strings
    (`shared_object.c_strings`, over the sections the reader lists): each printable string of
    `__TEXT,__cstring` as LIEF reads it is found, in each architecture's own slice."""
    path = Path(resolve("@serialport/bindings-cpp", [darwin_npm["darwin-arm64"]], platform="darwin-arm64"))
    for arch in lief_reads(path):
        found = shared_object.c_strings(macho.read(path, arch["cpu"]), rb"[\x20-\x7e]+")
        assert len(arch["cstrings"]) > 20 and set(arch["cstrings"]) <= found


def inspect_json(path: Path) -> dict:
    """`inspect --json`'s report on a file this machine cannot load (so it exits 1)."""
    proc = napi_python_cli("inspect", path, "--json", timeout=120)
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("platform", DARWIN)
def test_inspect_reads_a_darwin_addon(darwin_npm, platform):
    """Its format and CPU, its registration, the Node-API functions it imports (those LIEF
    finds), and why it is not loaded here."""
    path = Path(resolve("@node-rs/crc32", [darwin_npm[platform]], platform=platform))
    report = inspect_json(path)
    (arch,) = lief_reads(path)
    assert (report["format"], report["machine"], report["bits"]) == ("Mach-O dylib", arch["cpu"], 64)
    assert report["registration"] == "napi_register_module_v1"
    imported = sorted(n for n in arch["imported"] if n.startswith("napi_"))
    assert [f["name"] for f in report["napi_functions"] if f["how"] == "imported"] == imported
    assert report["libraries"] == arch["needed"] and report["unresolved"] == {}
    assert report["load"] == {"loaded": False, "error": f"it is built for macOS (Mach-O dylib), this is {sys.platform}"}
    text = napi_python_cli("inspect", path, timeout=120).stdout
    assert f"  Mach-O dylib, 64-bit {arch['cpu']}\n  registration: napi_register_module_v1\n" in text


def test_inspect_and_load_tell_a_v8_abi_darwin_addon(darwin_npm):
    """sodium-native 2's nan build: registered through node_module_register, needing V8."""
    path = v8_addon(darwin_npm)
    report = inspect_json(path)
    assert report["format"] == "Mach-O bundle" and report["machine"] == "x86-64"
    assert (
        report["registration"] == "node (V8 ABI: NODE_MODULE, not Node-API; built for node 12 (NODE_MODULE_VERSION 72))"
    )
    assert report["napi_functions"] == [] and len(report["unresolved"]["V8"]) > 10
    with pytest.raises(
        AddonLoadError, match=r"is a V8-ABI addon built for node 12 .* registers with node's node_module_register"
    ):
        load_addon(path)


def test_the_node_release_of_each_v8_abi_prebuild_is_read(darwin_npm):
    """prebuildify names each file after the NODE_MODULE_VERSION it was built for
    (`node.abi72.node`); the reader finds the same number in its `struct node_module`."""
    files = sorted(v8_addon(darwin_npm).parent.glob("*.abi*.node"))
    assert len(files) > 20
    for file in files:
        assert node_abi.node_module_version(macho.read(file)) == int(file.name.split(".abi")[1].split(".")[0]), (
            file.name
        )


@pytest.mark.parametrize("platform", DARWIN)
def test_install_picks_the_platform_packages_npm_picks(tmp_path, platform):
    """`npm install --os --cpu` for a Mac against `install --platform` for the same Mac."""
    npm = shutil.which("npm")
    if npm is None:
        missing_input("npm is not on PATH")
    specs = ["@node-rs/crc32@1.10.8", "@node-rs/bcrypt@2.0.0", "lightningcss@1.33.0"]
    os_name, cpu = platform.split("-")
    (tmp_path / "npm").mkdir()
    (tmp_path / "npm" / "package.json").write_text("{}")
    proc = subprocess.run(
        [
            npm,
            "install",
            f"--os={os_name}",
            f"--cpu={cpu}",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            *QUIET,
            *specs,
        ],
        cwd=tmp_path / "npm",
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 and "ENOTFOUND" in proc.stderr + proc.stdout:
        missing_input(f"the npm registry cannot be reached: {proc.stderr}")
    assert proc.returncode == 0, proc.stderr
    by_npm = set()
    for manifest in (tmp_path / "npm" / "node_modules").glob("**/package.json"):
        meta = json.loads(manifest.read_text())
        if meta.get("os") or meta.get("cpu"):
            by_npm.add(meta["name"])
    ours = set()
    for spec in specs:
        ours |= {i.name for i in install(spec, dir=tmp_path / "ours", platform=platform) if i.platform_of}
    assert ours == by_npm
    assert f"@node-rs/crc32-{platform}" in ours and f"lightningcss-{platform}" in ours


# --- hostile input ---------------------------------------------------------------------------


def _damaged(data: bytes, rng: random.Random, ranges: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        start, end = rng.choice(ranges)
        at = rng.randrange(start, min(end, len(out)))
        if rng.random() < 0.5:
            out[at] = rng.randrange(256)
        else:  # a whole field: counts, offsets and sizes are 32 bits
            at -= at % 4
            out[at : at + 4] = struct.pack(
                "<I", rng.choice([0, 1, 7, 0xFF, 0x7FFFFFFF, 0xFFFFFFFF, rng.getrandbits(32)])
            )
    if rng.random() < 0.2:
        del out[rng.randrange(len(out)) :]
    return bytes(out)


def _parsed_ranges(data: bytes, path: Path) -> list[tuple[int, int]]:
    """Where the reader's structures are in a real file: the universal header, each slice's
    header and load commands, and its symbol table."""
    ranges = [(0, 64)]
    for piece in macho.slices(path):
        (sizeofcmds,) = struct.unpack_from("<I", data, piece.offset + 20)
        ranges.append((piece.offset, piece.offset + 32 + sizeofcmds))
        so_symtab = _symtab(data, piece.offset, sizeofcmds)
        if so_symtab is not None:
            symoff, nsyms = so_symtab
            ranges.append((piece.offset + symoff, piece.offset + symoff + 16 * nsyms))
    return ranges


def _symtab(data: bytes, base: int, sizeofcmds: int) -> tuple[int, int] | None:
    at = base + 32
    while at < base + 32 + sizeofcmds:
        cmd, size = struct.unpack_from("<II", data, at)
        if cmd == 0x2:
            symoff, nsyms = struct.unpack_from("<II", data, at + 8)
            return symoff, nsyms
        at += size
    return None


def test_damaged_files_raise_macho_error_and_nothing_else(darwin_npm, tmp_path):
    """Seeded random damage to the headers, load commands and symbol tables of real thin and
    universal files, and truncations: each read gives a result or MachOError, promptly."""
    rng = random.Random(67)
    sources = [
        Path(resolve("@node-rs/crc32", [darwin_npm["darwin-arm64"]], platform="darwin-arm64")),
        Path(resolve("@serialport/bindings-cpp", [darwin_npm["darwin-x64"]], platform="darwin-x64")),
        v8_addon(darwin_npm),
    ]
    refused = 0
    for source in sources:
        data = source.read_bytes()
        ranges = _parsed_ranges(data, source)
        for i in range(150):
            damaged = tmp_path / f"{source.stem}-{i}.node"
            damaged.write_bytes(_damaged(data, rng, ranges))
            try:
                for piece in macho.slices(damaged):
                    macho.read(damaged, piece.cpu)
            except macho.MachOError as e:
                assert str(damaged) in str(e)
                refused += 1
            damaged.unlink()
    # The damage reached the checks: most copies contradict themselves somewhere.
    assert refused > 150


def test_a_file_cut_short_is_refused_saying_so(darwin_npm, tmp_path):
    source = Path(resolve("@node-rs/crc32", [darwin_npm["darwin-x64"]], platform="darwin-x64"))
    data = source.read_bytes()
    (sizeofcmds,) = struct.unpack_from("<I", data, 20)
    symtab = _symtab(data, 0, sizeofcmds)
    assert symtab is not None
    end_of_symbols = symtab[0] + 16 * symtab[1]
    for cut in [0, 3, 4, 31, 32 + sizeofcmds - 1, end_of_symbols - 1]:
        short = tmp_path / "short.node"
        short.write_bytes(data[:cut])
        with pytest.raises(macho.MachOError, match=r"not a Mach-O file|truncated|cut short|outside"):
            macho.read(short)


def _thin_header(ncmds: int, sizeofcmds: int, commands: bytes) -> bytes:
    return struct.pack("<IiiIIIII", 0xFEEDFACF, 0x0100000C, 0, 8, ncmds, sizeofcmds, 0x80, 0) + commands


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_thin_header(1, 8, struct.pack("<II", 0x19, 0)), "load command 0 .* claims 0 bytes"),
        (_thin_header(1, 16, struct.pack("<II", 0xC, 4096) + bytes(8)), "claims 4096 bytes, which do not fit"),
        (_thin_header(100_000_000, 8, bytes(8)), "100000000 load commands cannot fit in 8 bytes"),
        (
            _thin_header(1, 24, struct.pack("<IIIIII", 0x2, 24, 64, 0xFFFFFFFF, 0, 0)),
            "the symbol table .* lies outside",
        ),
        (_thin_header(1, 24, struct.pack("<IIIIII", 0xC, 24, 200, 0, 0, 0)), "a linked dylib's name lies outside"),
        (
            _thin_header(1, 72, struct.pack("<II16sQQQQIIII", 0x19, 72, b"__TEXT", 0, 0, 0, 0, 7, 5, 1000, 0)),
            "a segment names 1000 sections its command cannot hold",
        ),
        (struct.pack(">II", 0xCAFEBABE, 0x10000), "naming 65536 architectures"),
        (struct.pack(">IIiiIII", 0xCAFEBABE, 1, 0x0100000C, 0, 4096, 4096, 14), "claims 4096 bytes at offset 4096"),
        (struct.pack("<IiiIIIII", 0xFEEDFACE, 7, 3, 8, 0, 0, 0, 0), "a 32-bit Mach-O file"),
        (b"\x7fELF" + bytes(60), "is not a Mach-O file"),
    ],
)
def test_lying_headers_are_refused(tmp_path, data, message):
    path = tmp_path / "lying.node"
    path.write_bytes(data)
    with pytest.raises(macho.MachOError, match=message):
        macho.read(path)


def test_inspect_says_what_is_wrong_with_a_damaged_file(darwin_npm, tmp_path):
    source = Path(resolve("@node-rs/crc32", [darwin_npm["darwin-arm64"]], platform="darwin-arm64"))
    short = tmp_path / "short.node"
    short.write_bytes(source.read_bytes()[:3000])
    proc = napi_python_cli("inspect", short)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"napi_python inspect: {short}: the symbol table") and "Traceback" not in proc.stderr
