"""What a search query means: its words, the names it could spell, and safe FTS expressions.

People type anything: ``c++``, unbalanced quotes, ``*``, ``-``, ``:``, FTS keywords such as
``AND``/``NEAR``. None of it reaches an FTS ``MATCH`` as syntax: the query is cut into words
(letters and digits) and every expression is built here from those words, each one quoted,
so a query can fail to find anything but never raise.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MAX_QUERY", "MAX_WORDS", "QueryError", "SearchQuery", "squash"]

MAX_QUERY = 256  # characters; longer queries are refused with a message
MAX_WORDS = 12  # words beyond this add nothing a person meant
_WORD = re.compile(r"[^\W_]+")
_SEPARATORS = re.compile(r"[-_.]+")


class QueryError(ValueError):
    """A query that cannot be searched; the message says why."""


def squash(name: str) -> str:
    """A name without case or separators: the key under which spellings of a name meet
    (``Flask_SQLAlchemy``, ``flask-sqlalchemy`` and ``flask sqlalchemy`` all give
    ``flasksqlalchemy``)."""
    return _SEPARATORS.sub("", name.lower())


def _fold(text: str) -> str:
    """Lower case without diacritics, as the FTS tokenizer folds indexed text."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed query: its words folded to lower case (what it means: two queries with the
    same words find the same projects), and those words run together, ``squashed``."""

    words: tuple[str, ...]
    squashed: str

    @classmethod
    def parse(cls, text: str) -> SearchQuery:
        """Read a query as typed; raises ``QueryError`` when it is over ``MAX_QUERY``."""
        if len(text) > MAX_QUERY:
            raise QueryError(f"at most {MAX_QUERY} characters, got {len(text)}")
        words = tuple(dict.fromkeys(_WORD.findall(_fold(text))))[:MAX_WORDS]
        return cls(words, "".join(w for w in words if w.isascii()))

    @property
    def empty(self) -> bool:
        return not self.words

    @property
    def terms(self) -> str:
        """The query as the words it means, for display and as a cache key."""
        return " ".join(self.words)

    # -- FTS5 expressions (every word quoted: user text is never syntax) ---------------------

    def prefix_range(self) -> tuple[str, str] | None:
        """Squashed names starting with the query lie in ``[low, high)``."""
        return (self.squashed, self.squashed + "\x7f") if self.squashed else None

    def name_words(self) -> str | None:
        """Names holding every query word as a word (``django rest`` in
        ``django-rest-auth``); an unfinished last word is the prefix match's job."""
        if not self.words:
            return None
        return " AND ".join(f"words : {_quoted(w)}" for w in self.words)

    def commands(self) -> str | None:
        """Projects providing a command of that name (``normalizer``)."""
        return f"commands : {_quoted(self.squashed)}" if self.squashed else None

    def all_words(self) -> str | None:
        """Projects whose name, summary, keywords or commands hold every word."""
        if not self.words:
            return None
        return " AND ".join(_quoted(w) for w in self.words)

    def any_word(self) -> str | None:
        """Projects holding at least one of several words (a looser second pass)."""
        if len(self.words) < 2:
            return None
        return " OR ".join(_quoted(w) for w in self.words)
