/* A V8-ABI addon as NODE_MODULE_INIT makes one, for tests/napi/test_v8_abi.py: no constructor and
 * no struct, only an exported node_register_module_v127 (node 22's NODE_MODULE_VERSION in its
 * name), which node looks up by the name of its own version. It loads anywhere, but a host
 * without V8 has nothing to call it with. */
void node_register_module_v127(void *exports, void *module, void *context) {
  (void)exports;
  (void)module;
  (void)context;
}
