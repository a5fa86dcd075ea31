"""A local HTTP/1.1 server that answers every method after a fixed delay.

Run in its own process (`python -m bench.latency_server PORT DELAY_MS`) so its threads do
not share the benchmark's interpreter lock. It is the test suite's stub server.
"""

from __future__ import annotations

import sys

from tests.stubs import Reply, StubServer, always

ANSWER = Reply(200, b"ok\n", {"Allow": "GET, HEAD, OPTIONS"})


def main() -> None:
    port, delay_ms = int(sys.argv[1]), float(sys.argv[2])
    StubServer(always(ANSWER), latency=delay_ms / 1000, port=port).serve_forever()


if __name__ == "__main__":
    main()
