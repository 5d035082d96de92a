/* Linked into every test addon built for Windows (scripts/windows addons), as node-gyp links its
 * win_delay_load_hook into a node addon: Node-API is imported from node.exe, delay-loaded, and
 * this hook answers node.exe with the program's main module, which holds Node-API there
 * (napi-hostd.exe exports it; an in-process host gives the program's main module those exports,
 * D94). The delay-load helper then looks each function up there as it is first called. */
#include <windows.h>
#include <delayimp.h>
#include <string.h>

static FARPROC WINAPI node_is_the_main_module(unsigned int event, DelayLoadInfo *info) {
  if (event != dliNotePreLoadLibrary || _stricmp(info->szDll, "node.exe") != 0) return NULL;
  return (FARPROC)GetModuleHandleW(NULL);
}

PfnDliHook __pfnDliNotifyHook2 = node_is_the_main_module;
