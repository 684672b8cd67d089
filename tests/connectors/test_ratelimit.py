from __future__ import annotations

import pytest

from connectors.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_per_sender_and_window_slides():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock)
    assert [limiter.allow("tg:1") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("tg:2"), "another sender has its own budget"
    clock.now += 59
    assert not limiter.allow("tg:1")
    clock.now += 1
    assert limiter.allow("tg:1")


def test_quiet_senders_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(2, 10, clock)
    for i in range(100):
        limiter.allow(f"web:{i}")
    clock.now += 11
    limiter.allow("web:new")
    assert len(limiter) == 1


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError):
        RateLimiter(0)
