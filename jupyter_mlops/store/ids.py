"""Short, URL-safe, globally unique identifiers.

A 48-bit millisecond timestamp followed by 52 random bits, in lowercase Crockford base32
(20 characters). Time first keeps ids roughly sortable by creation, which keeps B-tree
inserts local; the random part makes ids from different machines collide with negligible
probability, so no central counter is needed. Within one process ids are strictly
increasing (as in monotonic ULIDs), so runs created in the same millisecond keep their order.
"""

from __future__ import annotations

import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


_lock = threading.Lock()
_last = 0


def new_id() -> str:
    global _last
    value = (int(time.time() * 1000) & ((1 << 48) - 1)) << 52 | secrets.randbits(52)
    with _lock:
        value = _last = max(value, _last + 1)
    chars = []
    for _ in range(20):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
