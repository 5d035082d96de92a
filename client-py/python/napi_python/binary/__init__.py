"""Reading an addon or program file without loading it, on any machine: what it imports and
exports, the libraries it names, the CPU it was built for and how it registers with Node.

``shared_object`` is what all three readers answer (``SharedObject``, ``Symbol``) and what is read
from it in any format; ``node_abi`` what it says of node's own ABI (a V8 addon's registration and
NODE_MODULE_VERSION). ``elf`` reads ELF (Linux, the BSDs) and finds libraries as the dynamic
linker does; ``macho`` reads Mach-O (macOS, thin or universal) and chooses between the two
(``macho.read_binary``); ``pe`` reads a Windows DLL. Their callers:
``inspection`` (``python -m napi_python inspect``), ``hosts.file_checks`` (refusing a V8-ABI addon
before any loader sees it) and ``hosts.hostd_program`` (the host program's CPU).
"""
