"""The commit-reveal lottery: anyone can redraw from (seed, entrants, places)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kbridge.engine.lottery import commitment, draw, new_seed, order, ticket, verify

SEED = "00" * 31 + "2a"


def test_a_new_seed_is_64_hex_digits_and_fresh():
    seeds = {new_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(len(s) == 64 and int(s, 16) >= 0 for s in seeds)


def test_the_commitment_is_the_sha256_of_the_seed_bytes():
    assert commitment(SEED) == hashlib.sha256(bytes.fromhex(SEED)).hexdigest()
    assert commitment(SEED.upper()) == commitment(SEED)


@pytest.mark.parametrize("bad", ["", "abc", "zz" * 32, "00" * 31, "00" * 33, " " + "0" * 63, 42])
def test_a_malformed_seed_is_refused(bad):
    with pytest.raises(ValueError, match="seed"):
        commitment(bad)


def test_verify_accepts_the_committed_seed_only():
    seed = new_seed()
    published = commitment(seed)
    assert verify(seed, published)
    assert verify(seed, published.upper())
    assert not verify(new_seed(), published)
    assert not verify(seed, "not a digest")


def test_the_draw_order_is_by_ticket_as_documented():
    entrants = ["12", "7", "31", "지원-1"]
    expected = sorted(
        entrants,
        key=lambda k: hashlib.sha256(bytes.fromhex(SEED) + b"\x00" + k.encode()).hexdigest(),
    )
    assert order(SEED, entrants) == expected
    assert [ticket(SEED, k) for k in expected] == sorted(ticket(SEED, k) for k in entrants)
    assert draw(SEED, entrants, 2) == expected[:2]
    assert draw(SEED, entrants, 10) == expected
    assert draw(SEED, entrants, 0) == []


def test_another_seed_gives_another_order():
    entrants = [str(i) for i in range(30)]
    assert order(SEED, entrants) != order("11" * 32, entrants)


@pytest.mark.parametrize("entrants", [["a", "a"], ["a", ""], ["a", 3], "abc"])
def test_entrants_must_be_distinct_non_empty_strings(entrants):
    with pytest.raises(ValueError):
        order(SEED, entrants)


def test_places_must_be_a_whole_number():
    with pytest.raises(ValueError, match="places"):
        draw(SEED, ["a"], -1)


@given(
    seed=st.binary(min_size=32, max_size=32).map(bytes.hex),
    entrants=st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=25),
    places=st.integers(0, 30),
    data=st.data(),
)
def test_a_draw_reproduces_whatever_the_input_order(seed, entrants, places, data):
    shuffled = data.draw(st.permutations(entrants))
    assert draw(seed, shuffled, places) == draw(seed, entrants, places)
    assert sorted(order(seed, entrants)) == sorted(entrants)
    assert len(draw(seed, entrants, places)) == min(places, len(entrants))
