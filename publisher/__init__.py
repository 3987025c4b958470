"""ldindex: ingestion, storage and publishing of Python artefacts as linked data."""
