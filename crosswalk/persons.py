"""People in core metadata: an Author/Maintainer name field plus its ``-email`` field.

``Author-email`` is an RFC 5322 address list (``"A, B" <b@x>, C <c@y>``), read with the
standard library's address parser. The plain ``Author`` field is free text and stays one
name: splitting "Fredrik Ahlberg (themadinventor) & Angus Gratton" is guesswork.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import getaddresses

from crosswalk.values import PLACEHOLDERS

__all__ = ["Person", "parse_people"]


@dataclass(frozen=True, slots=True)
class Person:
    name: str | None
    email: str | None


def _addresses(field: str) -> list[tuple[str, str]]:
    found = []
    for name, address in getaddresses([field]):
        name, address = name.strip(), address.strip()
        if address and "@" not in address:
            # getaddresses reads a bare name as an address; keep it as a name.
            name, address = (name or address), ""
        if name or address:
            found.append((name, address))
    return found


def parse_people(names: str | None, emails: str | None) -> list[Person]:
    """The people a name field and an email field describe, in order, without repeats.

    A single unnamed address is paired with the name field ("Kenneth Reitz" +
    "me@kennethreitz.org" is one person); otherwise the name field is a person of its own.
    """
    name = (names or "").strip()
    if name in PLACEHOLDERS:
        name = ""
    addresses = _addresses(emails) if emails and emails.strip() not in PLACEHOLDERS else []
    people: list[Person] = []
    if name and len(addresses) == 1 and not addresses[0][0]:
        people.append(Person(name, addresses[0][1] or None))
        addresses = []
    elif name and not any(n == name for n, _ in addresses):
        people.append(Person(name, None))
    people.extend(Person(n or None, a or None) for n, a in addresses)
    return list(dict.fromkeys(people))
