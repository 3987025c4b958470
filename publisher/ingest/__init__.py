"""Artefact ingestion: read wheels, sdists and legacy formats safely and index them."""

from publisher.ingest.archives import Limits
from publisher.ingest.pipeline import (
    IngestError,
    IngestOptions,
    Outcome,
    describe_file,
    find_artefacts,
    ingest,
)

__all__ = [
    "IngestError",
    "IngestOptions",
    "Limits",
    "Outcome",
    "describe_file",
    "find_artefacts",
    "ingest",
]
