/* napi_python_absent.dll, which missing_dependency.node imports from: built by scripts/windows
 * addons only into addons/beside/, beside a copy of that addon, where node's loader finds it
 * (LOAD_WITH_ALTERED_SEARCH_PATH looks in the addon's own folder first) and Windows' default
 * search does not. */
__declspec(dllexport) int napi_python_absent_function(void) { return 42; }
