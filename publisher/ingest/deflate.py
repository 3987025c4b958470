"""The deflate implementation ingest inflates with: ISA-L's where its wheel is installed
(two to three times zlib's speed on inflate and CRC-32, with the same API), else zlib's.

Content verification inflates every member of every archive, so this is most of its cost.
"""

from __future__ import annotations

import zlib

try:
    from isal import igzip as gzip
    from isal import isal_zlib as zlib_impl
except ImportError:  # a platform without an isal wheel: the standard library does the same
    import gzip

    zlib_impl = zlib

__all__ = ["ERRORS", "GzipFile", "crc32", "decompressobj"]

decompressobj = zlib_impl.decompressobj
crc32 = zlib_impl.crc32
GzipFile = gzip.GzipFile
# What a damaged deflate stream raises, from either implementation.
ERRORS: tuple[type[Exception], ...] = (zlib.error, zlib_impl.error)
