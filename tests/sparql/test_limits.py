"""Per-client limits: queries at once, seconds of query time per minute, Retry-After."""

from __future__ import annotations

from publisher.sparql.limits import ClientLimits, Refusal, Ticket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_concurrency_is_per_client() -> None:
    limits = ClientLimits(concurrency=2, seconds=30, clock=Clock())
    a1, a2 = limits.admit("a"), limits.admit("a")
    assert isinstance(a1, Ticket) and isinstance(a2, Ticket)
    refused = limits.admit("a")
    assert isinstance(refused, Refusal) and refused.retry_after == 1
    assert "at most 2" in refused.message
    assert isinstance(limits.admit("b"), Ticket)
    a1.done(0.1)
    assert isinstance(limits.admit("a"), Ticket)


def test_query_time_per_minute_with_retry_after() -> None:
    clock = Clock()
    limits = ClientLimits(concurrency=5, seconds=4, clock=clock)
    for seconds in (1.5, 2.5):
        ticket = limits.admit("a")
        assert isinstance(ticket, Ticket)
        ticket.done(seconds)
        clock.now += 10
    refused = limits.admit("a")
    assert isinstance(refused, Refusal)
    assert "4.0 s of query time" in refused.message
    # 1.5 s was booked 20 s ago: dropping it brings the client under 4 s in 40 s.
    assert refused.retry_after == 40
    clock.now += 40
    assert isinstance(limits.admit("a"), Ticket)


def test_a_ticket_counts_once() -> None:
    clock = Clock()
    limits = ClientLimits(concurrency=1, seconds=5, clock=clock)
    ticket = limits.admit("a")
    assert isinstance(ticket, Ticket)
    ticket.done(3)
    ticket.done(3)  # booked once (3 s < 5 s), and the running query released once
    assert isinstance(limits.admit("a"), Ticket)
    assert isinstance(limits.admit("a"), Refusal)
