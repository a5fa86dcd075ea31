"""Secret scrubbing benchmark: prints figures, asserts nothing.

    .venv/bin/python -m bench.scrub [--repeat 2000]

The engine scrubs every observation of every target (reason, kept headers, the body
excerpt) before a report leaves it, so the scrubber's cost is paid per probe. Times a
512-character excerpt (the engine's default cap) and a short header value, for one
secret header and for four, in plain text (the common case) and in JSON with escapes
(which the scrubber has to decode), and the time to prepare a set of secrets.
"""

from __future__ import annotations

import argparse
import base64
import time
from collections.abc import Callable

from diagnoser.probing.echoes import echoes_of
from diagnoser.probing.scrub import scrub_text, secret_forms

ONE = ["Bearer 7f3c9a1e-5b2d-4c8e-9f10-2a6b4d8e0c13"]
FOUR = [
    *ONE,
    "k-0123456789abcdef0123",
    "Basic " + base64.b64encode(b"deploy:s3cr3t-pass-word").decode(),
    "Token zq8XhT2mVb6pLw4nRc0sYd",
]
TEXTS = {
    "plain excerpt": ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 10)[:512],
    "json excerpt": (
        '{"error": "method not allowed", "path": "\\/items\\/1", "n": "\\u00e9"} ' * 8
    )[:512],
    "header value": "GET, HEAD, OPTIONS",
}


def per_call_us(call: Callable[[], object], repeat: int = 2000) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - start) / repeat * 1e6


def prepare_us(values: list[str], repeat: int) -> float:
    def prepare() -> None:
        echoes_of.cache_clear()
        echoes_of(secret_forms(values))

    return per_call_us(prepare, repeat)


def scrub_us(text: str, forms: tuple[str, ...], repeat: int) -> float:
    return per_call_us(lambda: scrub_text(text, forms), repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="calls timed per figure")
    args = parser.parse_args()
    for label, values in (("1 secret", ONE), ("4 secrets", FOUR)):
        forms = secret_forms(values)
        print(f"{label}: {len(forms)} forms, prepared in {prepare_us(values, args.repeat):.0f} µs")
        for name, text in TEXTS.items():
            print(f"  {name:14} {scrub_us(text, forms, args.repeat):7.1f} µs")


if __name__ == "__main__":
    main()
