"""Project search: reading what people type, and ranking what the store finds.

The store finds candidates (``publisher.store``: SQLite FTS5 today, other backends by the same
contract); this package decides what a query means (``query``) and in which order the
candidates come back (``ranking``), so every backend, and ``ldindex search`` over a
downloaded listing, ranks alike.
"""

from publisher.search.query import MAX_QUERY, QueryError, SearchQuery
from publisher.search.ranking import Candidate, rank, typo_keys

__all__ = ["MAX_QUERY", "Candidate", "QueryError", "SearchQuery", "rank", "typo_keys"]
