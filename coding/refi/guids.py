"""GUIDs in REFI-QDA files: normalised on the way in, stable on the way out.

Things the store keeps a GUID for (sources, participants, codes, codings, memos) are written with it.
Things it does not (users, variables, municipality cases, selections, coding notes) get a name-based
UUID (version 5) derived from what they are, so two exports of the same project carry the same GUIDs
and a colleague's tool recognises them as the same objects.
"""

from __future__ import annotations

import hashlib
import re
import uuid

NAMESPACE = uuid.UUID("6f1c3a52-9f0e-5d4b-8a57-2c0d7e3b9a11")
_NAMESPACE_BYTES = NAMESPACE.bytes
GUID_RE = re.compile(r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$")


def derived(kind: str, key: str) -> str:
    """A GUID that is the same every time for the same kind of thing and key: ``uuid5(NAMESPACE,
    "kind:key")``, computed directly (uuid.UUID objects are slow when there are a million codings)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + f"{kind}:{key}".encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def normalize(value: str | None) -> str | None:
    """Lower case, no braces; None when ``value`` is not a GUID."""
    if value is None:
        return None
    match = GUID_RE.match(value.strip())
    return match.group(1).lower() if match else None


def for_export(value: str, kind: str) -> str:
    """A stored GUID as REFI wants it; a stored value that is not a GUID is mapped to a derived one."""
    return normalize(value) or derived(kind, value)
