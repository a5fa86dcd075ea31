"""What to look for of a secret: the forms a server echoes it back in.

Servers rarely echo a credential byte for byte. An error message quotes only the part
after `Bearer `; a debug page shows a Basic credential decoded, or just its password; a
log line or a JWT claim base64-encodes the header it received. These forms are plain
strings; the escaped spellings of each (JSON, percent, HTML) and their changed case are
found by echoes.py, which decodes the text rather than listing every spelling.
"""

from __future__ import annotations

import base64
import binascii
import re

# Shorter values would blank out unrelated text (a "1" is in every status code), and a
# credential that short protects nothing anyway.
MIN_SECRET_LENGTH = 4
# Below this, only the exact value is scrubbed: the case-folded and decoded forms of a
# 4-7 character value collide with ordinary text (a password "Secret" lower-cased is a
# word of any page; the base64 of a 5-byte value, cut at an unknown alignment, leaves
# 4-6 characters that turn up in any long base64 blob), so scrubbing them would blank
# out what the reader came to see, for a credential short enough to guess.
MIN_ENCODED_LENGTH = 8

# "Bearer abc", "Basic dXNlcjpw", "Token abc": servers often echo only the credential.
_SCHEME_CREDENTIAL = re.compile(r"^([A-Za-z][\w.-]*)\s+(\S+)$")


def forms_of(value: str) -> set[str]:
    """What to look for of one secret value (long forms are also matched escaped and in
    any case): the value; the credential after its scheme; for Basic, the decoded
    `user:pass` and the password alone (the user name is no secret); and the base64
    spellings of each of those but a Basic credential, which is one already."""
    value = value.strip()
    plain, encoded = {value}, {value}
    if match := _SCHEME_CREDENTIAL.match(value):
        scheme, credential = match.groups()
        plain.add(credential)
        decoded = _basic_decoded(credential) if scheme.lower() == "basic" else None
        if decoded is None:
            encoded.add(credential)
        else:
            password = decoded.partition(":")[2]
            plain |= {decoded, password}
            encoded |= {decoded, password}
    forms = set(plain)
    for form in encoded:
        if len(form) >= MIN_ENCODED_LENGTH:
            forms |= base64_forms(form, whole_only=form == value and len(plain) > 1)
    return {f for f in forms if len(f) >= MIN_SECRET_LENGTH}


def _basic_decoded(credential: str) -> str | None:
    try:
        decoded = base64.b64decode(credential + "=" * (-len(credential) % 4), validate=True)
        text = decoded.decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if ":" in text else None


def base64_forms(form: str, *, whole_only: bool = False) -> set[str]:
    """The base64 and base64url spellings of the form: whole (padded, as a header value
    is encoded) and, unless `whole_only`, for the form inside a longer encoded text (a
    base64 log line, a JWT claim), the characters that depend on the form alone at each
    of the three byte alignments it can start at. ("Bearer xyz" needs only the whole:
    inside a longer text, the alignments of "xyz" find it.)"""
    data = form.encode()
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        forms.add(encode(data).decode())
        for skip in () if whole_only else range(3):
            encoded = encode(b"\0" * skip + data).decode().rstrip("=")
            # The first characters also hold bits of the bytes before the form, the last
            # one bits of the bytes after it, unless the form ends on a 3-byte boundary.
            lead = (0, 2, 3)[skip]
            trail = 1 if (skip + len(data)) % 3 else 0
            forms.add(encoded[lead : len(encoded) - trail])
    return {f for f in forms if len(f) >= MIN_ENCODED_LENGTH}
