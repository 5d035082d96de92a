"""Hosts: the ``napi-hostd`` processes (or in-process hosts) addons run in.

``host`` is ``Host`` and ``load_addon``; ``options`` checks a host's options, ``sandbox`` says
what its process may do (``Sandbox``, ``RestartPolicy``) and ``supervision`` restarts it and
tracks which process replaced which. ``hostd_program`` finds the ``napi-hostd`` program,
``file_checks`` refuses an addon's file before any loader sees it, ``loading`` loads an addon
into a running host, and ``output_forwarding`` forwards the processes' stdout and stderr.
"""
