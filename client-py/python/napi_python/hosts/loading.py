"""Loading an addon into a host's process, and running the program's setup of it."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .. import _native
from ..addon import Addon
from ..errors import AddonCrashedError, AddonInitError, AddonLoadError, AddonSetupError, JSError
from . import file_checks

__all__ = ["Setup", "load_into", "set_up"]

# What a program does to each fresh load of an addon before it serves (`load_addon(setup=...)`).
Setup = Callable[[Addon], object]


def set_up(addon: Addon, setup: Setup, when: str) -> None:
    """Runs ``setup(addon)``; ``AddonSetupError`` saying so if it raises."""
    try:
        setup(addon)
    except Exception as e:
        name = os.path.basename(addon._napi_path)
        raise AddonSetupError(f"the setup of {name} failed after {when}: {type(e).__name__}: {e}") from e


def load_into(conn: _native.Connection, path: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Loads ``path`` into the process of ``conn``; answers its exports, their members and how
    the module registered (``{"version": 8, "registration": "napi_register_module_v1"}``)."""
    was_alive = conn.alive
    try:
        exports, members, module = conn.load(path)
    except JSError as e:
        raise AddonInitError(f"{path}: the module's initialisation threw: {e}", e) from None
    except AddonCrashedError as e:
        if not was_alive:
            raise  # it had died before: not this addon's doing
        raise AddonLoadError(f"the host crashed while loading {path}: {e}") from e
    except AddonLoadError as e:
        unfound = file_checks.unfound_dlls(path) if "(os error 126)" in str(e) else []
        if not unfound:
            raise
        raise AddonLoadError(
            f"{e}; it imports from {', '.join(unfound)}, which Windows finds neither beside it nor on "
            "its search path (the program's folder, the system's, PATH): install what provides it, "
            "or put it beside the addon"
        ) from None
    return exports, members, module
