"""Short, URL-safe, globally unique identifiers.

A 48-bit millisecond timestamp followed by 52 random bits, in lowercase Crockford base32
(20 characters). Time first keeps ids roughly sortable by creation, which keeps B-tree
inserts local; the random part makes ids from different machines collide with negligible
probability, so no central counter is needed.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id() -> str:
    value = (int(time.time() * 1000) & ((1 << 48) - 1)) << 52 | secrets.randbits(52)
    chars = []
    for _ in range(20):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
