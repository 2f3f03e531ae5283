"""Ids: 20 lowercase Crockford base32 digits of a 48-bit millisecond time and 52 random bits,
strictly increasing within a process."""

import time

from jupyter_mlops.store.ids import _ALPHABET, new_id


def decode(identifier: str) -> int:
    value = 0
    for char in identifier:
        value = value * 32 + _ALPHABET.index(char)
    return value


def test_ids_are_time_then_random_in_crockford_base32_and_strictly_increasing():
    before = int(time.time() * 1000)
    ids = [new_id() for _ in range(10_000)]
    after = int(time.time() * 1000)
    assert all(len(i) == 20 and set(i) <= set(_ALPHABET) for i in ids)
    values = [decode(i) for i in ids]
    assert values == sorted(set(values))  # strictly increasing, so unique
    assert ids == sorted(ids)  # the text sorts as the number does
    assert before <= values[0] >> 52 and values[-1] >> 52 <= after + 1
    # the random part is used: not every id is the previous one plus one
    assert len({v & ((1 << 52) - 1) for v in values[::100]}) == 100
