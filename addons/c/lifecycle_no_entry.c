/* A shared library that is not a Node-API module: no napi_register_module_v1 and no
 * napi_module_register call. Loading it must fail cleanly. */
int lifecycle_no_entry_answer(void);

int lifecycle_no_entry_answer(void) { return 42; }
