"""The catalogue as one queryable graph: ``/_/sparql``, the dumps and their description.

- ``catalogue`` — a project's named graph, from the crosswalk (what its pages publish);
- ``location`` / ``maintenance`` — the Oxigraph store beside the database, one per base URL,
  synced incrementally from the store's write counter, rebuilt, published as snapshots;
- ``dumping`` — N-Triples and JSON-LD dumps and VoID statistics, from one snapshot;
- ``guard`` / ``protocol`` / ``results`` — what may run, how it is asked, how it is answered;
- ``worker`` / ``helpers`` / ``framing`` — the killable query processes and the maintainer;
- ``keeper`` / ``limits`` / ``service`` — the server side: freshness, per-client limits;
- ``endpoint`` / ``description`` / ``examples`` — HTTP answers, service description and VoID,
  the page's example queries (``queries/*.rq``).

Framework-free: ``publisher.web`` and ``publisher.handler`` both answer through ``endpoint``.
"""
