"""Time-ordered ids, and the governance family's prefixed rendering of them.

Rows keep plain UUIDs, as every table does. New governance rows get UUIDv7-style ids
(RFC 9562: the first 48 bits are the Unix time in milliseconds), so ids sort by creation
time. The governance REST family draws an id as ``<prefix>_<ULID>``: the ULID is the
Crockford base32 text of the same 128 bits, and since a ULID also begins with the time in
milliseconds, the rendered ids sort by creation time too.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime, timedelta

from ulid import ULID

from gateway.sql import utcnow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_MAX_MS = (1 << 48) - 1

# Prefixes of the governance family's ids, by what they name.
GUARDIAN = "gov"
MCP_SESSION = "mcs"
CONFIG_CHANGE = "cfg"
ROLLUP = "rlp"
JOB = "job"
NHI = "nhi"
ANOMALY = "anom"
PREFIXES = (GUARDIAN, MCP_SESSION, CONFIG_CHANGE, ROLLUP, JOB, NHI, ANOMALY)

# Only ASCII is looked at (re.ASCII): a NUL, a surrogate or a fullwidth digit is refused
# here, before any decoding. The first ULID character is at most 7, since 26 base32
# characters hold 130 bits and a ULID has 128.
_ULID = r"[0-7][0-9A-HJKMNP-TV-Z]{25}"
_PREFIXED = re.compile(rf"([a-z]+)_({_ULID})", re.ASCII | re.IGNORECASE)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.ASCII | re.I)
# Longer than any accepted form (36 for a UUID, 30 for a prefixed ULID): refused unread.
_LONGEST = 36


def new_id(now: datetime | None = None) -> uuid.UUID:
    """A UUIDv7-style id: ``now`` in milliseconds, then 74 random bits."""
    ms = min(max(((now or utcnow()) - _EPOCH) // _MILLISECOND, 0), _MAX_MS)
    random = int.from_bytes(os.urandom(10), "big")
    rand_a, rand_b = random >> 68, random & ((1 << 62) - 1)
    return uuid.UUID(int=ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)


def render_id(prefix: str, value: uuid.UUID) -> str:
    """``<prefix>_<ULID>``: the same 128 bits as ``value``, in Crockford base32."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    return f"{prefix}_{ULID.from_uuid(value)}"


def parse_id(prefix: str, text: str) -> uuid.UUID:
    """The UUID that ``text`` names: ``<prefix>_<ULID>`` (this prefix only) or a plain
    UUID in its hyphenated form. Anything else raises ValueError."""
    if not isinstance(text, str) or len(text) > _LONGEST:
        raise ValueError("not an id")
    if _UUID.fullmatch(text):
        return uuid.UUID(text)
    match = _PREFIXED.fullmatch(text)
    if match is None or match.group(1) != prefix:
        raise ValueError(f"not a {prefix}_ id")
    return ULID.from_str(match.group(2).upper()).to_uuid()
