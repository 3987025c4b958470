"""The catalogue as one queryable graph: ``/_/sparql``, the dumps and their description.

- ``catalogue`` — a project's named graph, built as its pages build theirs;
- ``location`` / ``maintenance`` — the Oxigraph store beside the database, one per base URL,
  synced incrementally from the store's write counter, rebuilt, published as snapshots;
- ``image`` — the N-Quads image of a snapshot, for fast loads into memory;
- ``dumping`` — N-Triples and JSON-LD dumps and VoID statistics, from one snapshot;
- ``guard`` / ``protocol`` / ``results`` — what may run, how it is asked, how it is answered;
- ``memory`` / ``host`` / ``runner`` — the query host: the graph in memory, the query
  processes it forks ahead of need (each answers one query at a time, query after query;
  killed at the time limit and replaced at once);
- ``pool`` — the query host seen from the server: loads, hand-over, deadlines, answers
  awaited by a thread or on the event loop;
- ``worker`` / ``helpers`` / ``framing`` — the helper processes' entry point, the maintainer;
- ``keeper`` / ``limits`` / ``service`` — the server side: freshness, per-client limits;
- ``endpoint`` / ``description`` / ``examples`` — HTTP answers, service description and VoID,
  the page's example queries (``queries/*.rq``).

Framework-free: ``publisher.web`` and ``publisher.handler`` both answer through ``endpoint``.
"""
