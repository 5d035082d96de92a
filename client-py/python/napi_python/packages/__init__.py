"""npm packages as they lie on disk, found as Node's ``require`` finds them: the package's folder
(``search``, then the cache, ``cache``), the Node-API binary in it (``layouts``, with the loaders'
own layouts in ``prebuild_loaders``), what names and package metadata say about platforms
(``platform_names``, ``platform_fit``), the install scripts npm would run and napi_python never
does (``install_scripts``), and what to install when nothing fits (``install_hints``).
``require`` puts them together. Installing packages is ``napi_python.npm``.
"""
