"""``python -m publisher.compress LEVEL FILE``: FILE compressed with zstd to standard output.

Run as a child process by ``publisher.published`` so that zstd's large match tables live and
die outside the server's workers.
"""

from __future__ import annotations

import sys
from pathlib import Path

CHUNK = 1 << 20


def main(argv: list[str]) -> int:
    import zstandard

    level, source = int(argv[0]), Path(argv[1])
    size = source.stat().st_size
    compressor = zstandard.ZstdCompressor(level=level)
    with source.open("rb") as raw:
        compressor.copy_stream(raw, sys.stdout.buffer, size=size, read_size=CHUNK, write_size=CHUNK)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
