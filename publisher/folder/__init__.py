"""Directory mode: an index that mirrors a plain folder of artefacts, kept in step as files
come and go.

The folder is the truth. A reconciliation (``reconcile.Reconciler``) compares what the
folder holds (``scan``) with what the index recorded of it (``Store.folder_entries``): new
artefacts are ingested where they lie, once complete (``settle``); files that disappeared
are withdrawn; a file whose bytes changed under a published name is withdrawn and refused,
as PyPI refuses filename reuse. ``watcher`` runs a reconciliation on start and after every
burst of file-system events (inotify through ``watchfiles``, or polling), in one process
per index (``lock``); ``service`` runs it beside a server, alone, or on demand (WSGI/CGI).
Nothing is imported here, so that a host reading one module pays for that one alone.
"""
