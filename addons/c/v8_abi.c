/* A V8-ABI addon, for tests/napi/test_v8_abi.py: what node's NODE_MODULE macro (node.h, which nan
 * and node-gyp addons use) makes of a C++ addon, written in C. A static `struct node_module`
 * naming NODE_MODULE_VERSION 115 (node 20) is handed to node_module_register by a library
 * constructor, which runs as the file is opened. Only node defines node_module_register: opened
 * anywhere else, the dynamic linker cannot bind that call and ends the process. Node itself
 * refuses the file for its NODE_MODULE_VERSION unless it is node 20. */
#include <stddef.h>

struct node_module {
  int nm_version;
  unsigned int nm_flags;
  void *nm_dso_handle;
  const char *nm_filename;
  void (*nm_register_func)(void *exports, void *module, void *priv);
  void *nm_context_register_func;
  const char *nm_modname;
  void *nm_priv;
  struct node_module *nm_link;
};

void node_module_register(void *module);

static void Init(void *exports, void *module, void *priv) {
  (void)exports;
  (void)module;
  (void)priv;
}

static struct node_module module = {115, 0, NULL, __FILE__, Init, NULL, "v8_abi", NULL, NULL};

__attribute__((constructor)) static void register_module(void) { node_module_register(&module); }
