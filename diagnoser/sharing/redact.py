"""What leaves in a document: the environments' secret header values removed, and, for
a public snapshot, only what a stranger may see.

Curl lines already redact secret headers, but a server can echo a credential anywhere: a
debug body, a WWW-Authenticate challenge, an error message. So every string of the
document is scrubbed of every secret value the environments hold, in every spelling the
probe engine's scrubber knows (one placeholder everywhere). A public snapshot also drops
what members may see and strangers may not: the address each probe connected to (an
allowlisted target's internal IP) and, for a target probed with secret headers, the
response bodies, unless the sharer opts in: a body can hold a secret in a form no
scrubber can know (hashed, encrypted, split across lines).
"""

from collections.abc import Iterable
from typing import Any

from diagnoser.inventory.models import Environment, SecretHeader
from diagnoser.probing.scrub import REDACTED, scrub_value, secret_forms

__all__ = ["REDACTED", "carries_secrets", "public_snapshot", "redacted", "secret_values"]


def secret_values(*, environments: Iterable[Environment]) -> list[str]:
    """The forms of the decrypted values to scrub, longest first."""
    headers = SecretHeader.objects.filter(environment__in=list(environments))
    return list(secret_forms(headers.values_list("value", flat=True)))


def carries_secrets(*, environments: Iterable[Environment]) -> bool:
    return SecretHeader.objects.filter(environment__in=list(environments)).exists()


def redacted(data: Any, secrets: list[str]) -> Any:
    """A copy of a JSON-like value with every occurrence of each secret replaced."""
    return scrub_value(data, secrets)


def public_snapshot(document: dict[str, Any], *, withhold_bodies: bool) -> dict[str, Any]:
    """A copy of a (redacted) document for a share link: no `peer_address`, and with
    `withhold_bodies` no body excerpts, which `bodies_withheld` then says."""
    snapshot = dict(document)
    if "observations" in snapshot:
        snapshot["observations"] = [
            {
                **{key: value for key, value in observation.items() if key != "peer_address"},
                **({"body_excerpt": ""} if withhold_bodies else {}),
            }
            for observation in snapshot["observations"]
        ]
    if withhold_bodies:
        snapshot["bodies_withheld"] = True
    return snapshot
