"""One module per family of rules; each exposes `check(facts) -> list[Finding]`."""
