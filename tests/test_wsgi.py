"""The WSGI module gunicorn loads freezes what start-up allocated (bench/README.md)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_loading_the_wsgi_application_freezes_the_start_up_objects():
    shown = subprocess.run(
        [sys.executable, "-c", "import gc, diagnoser.wsgi; print(gc.get_freeze_count())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )

    assert int(shown.stdout) > 10_000
