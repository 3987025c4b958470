"""Artefact ingestion: read wheels, sdists and legacy formats safely and index them."""

from publisher.ingest.archives import Limits
from publisher.ingest.pipeline import IngestOptions, Outcome, find_artefacts, ingest

__all__ = ["IngestOptions", "Limits", "Outcome", "find_artefacts", "ingest"]
