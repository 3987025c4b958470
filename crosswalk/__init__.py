"""The Codemeta crosswalk: artefact records to an RDF graph and JSON-LD. Pure: no I/O."""
