#!/usr/bin/env python3
"""ldindex's read-only site as a CGI script: point a web server's CGI handler at this file.

Set LDINDEX_DB (database URL), LDINDEX_FILES (artefact directory) and LDINDEX_BASE_URL in
the server's environment for the script; it answers the simple API, pages, files, SPARQL
(each request starts a query host that loads the whole graph into memory: fine for a small
catalogue, slow for a large one, where `ldindex serve` keeps it loaded), VoID and the dumps
that `ldindex dump` writes. Set LDINDEX_FOLDER to serve a plain folder of artefacts instead
(directory mode): the index is brought in step with it on each request (each request is a
first one under CGI) and on POST /_/cache/invalidate, unless an `ldindex watch` keeps it in
step already.
"""

import os
from pathlib import Path
from wsgiref.handlers import CGIHandler

from publisher.handler import wsgi_app

files = os.environ.get("LDINDEX_FILES")
folder = os.environ.get("LDINDEX_FOLDER")
CGIHandler().run(
    wsgi_app(
        os.environ.get("LDINDEX_DB", "sqlite:///./ldindex.db"),
        Path(files) if files else None,
        os.environ.get("LDINDEX_BASE_URL", "http://127.0.0.1:8000"),
        Path(folder) if folder else None,
    )
)
