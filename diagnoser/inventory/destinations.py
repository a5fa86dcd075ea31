"""Where a saved base URL would send probes, checked when it is entered.

The probe guard checks again on every request (the address actually connected to); this
check only tells whoever registers an environment at once that the address is one that
will never be probed (metadata, a refused range, a blocked port), instead of a run failing
later. It resolves names but never connects. A name that does not resolve now, or not
within ENTRY_RESOLVE_SECONDS, is accepted: entry must not depend on DNS being up.
"""

import threading

from django.conf import settings

from diagnoser.probing.guard import AddressPolicy, BlockedAddress
from diagnoser.probing.transport import check_destination

# A form waits this long for the resolver at most (its own timeouts run to many seconds).
ENTRY_RESOLVE_SECONDS = 2.0

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
    resolve within ENTRY_RESOLVE_SECONDS (accepted: DNS may be down, or the name new)."""
    policy = address_policy()
    outcome: list[bool | BlockedAddress] = []

    def check() -> None:
        try:
            outcome.append(check_destination(url, policy))
        except BlockedAddress as error:
            outcome.append(error)

    # A daemon thread: a resolver that hangs past the wait finishes (or not) on its own.
    worker = threading.Thread(target=check, name="entry-resolve", daemon=True)
    worker.start()
    worker.join(ENTRY_RESOLVE_SECONDS)
    if not outcome:
        return False
    if isinstance(outcome[0], BlockedAddress):
        raise outcome[0]
    return outcome[0]
