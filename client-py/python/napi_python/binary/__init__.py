"""Reading an addon or program file without loading it, on any machine: what it imports and
exports, the libraries it names, the CPU it was built for and how it registers with Node.

``elf`` reads ELF (Linux, the BSDs) and holds what all three readers answer (``SharedObject``)
and the helpers that work on it; ``macho`` reads Mach-O (macOS, thin or universal) and chooses
between the two (``macho.read_binary``); ``pe`` reads a Windows DLL. Their callers:
``inspection`` (``python -m napi_python inspect``), ``hosts.file_checks`` (refusing a V8-ABI addon
before any loader sees it) and ``hosts.hostd_program`` (the host program's CPU).
"""
