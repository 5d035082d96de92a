/* napi_python_beside.dll: what addons/beside/beside_dependency.node (missing_dependency.c linked
 * to import from this DLL) imports, built by scripts/windows addons beside it, where node's loader
 * finds it (LOAD_WITH_ALTERED_SEARCH_PATH looks in the addon's own folder first) and Windows'
 * default search does not. */
__declspec(dllexport) int napi_python_absent_function(void) { return 42; }
