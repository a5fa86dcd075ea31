"""Where a saved base URL would send probes, checked when it is entered.

The probe guard checks again on every request (the address actually connected to); this
check only tells whoever registers an environment at once that the address is one that
will never be probed (metadata, a refused range, a blocked port), instead of a run failing
later. It resolves names but never connects; a name that does not resolve now is accepted.
"""

from django.conf import settings

from diagnoser.probing.guard import AddressPolicy
from diagnoser.probing.transport import check_destination

UNRESOLVED_NOTE = (
    "{host} does not resolve from here right now; it is saved, and every probe checks "
    "its address again"
)


def address_policy() -> AddressPolicy:
    """The guard's policy as settings make it (monitoring's engine_config builds the same
    from the same settings for the probe engine)."""
    return AddressPolicy(
        tuple(settings.DIAGNOSER_ALLOW_NETWORKS), frozenset(settings.DIAGNOSER_BLOCKED_PORTS)
    )


def destination_check(url: str) -> bool:
    """Raise BlockedAddress if probes of `url` would be refused; False if its host does not
    resolve now (accepted: DNS may be down, or the name not yet published)."""
    return check_destination(url, address_policy())
