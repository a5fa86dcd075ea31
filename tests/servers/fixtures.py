"""Real HTTP servers on 127.0.0.1 for probe tests (filled in by the servers work)."""
