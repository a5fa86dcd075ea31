"""Debian packages the test suite runs for real (nginx, Chromium), installed when missing.

Called once at session start, before any per-test timeout applies, so a clean CI
machine gets them from the fresh clone's test command alone.
"""

import os
import shutil
import subprocess

# package -> the binary that shows it is installed
PACKAGES = {"nginx": "nginx", "chromium": "chromium"}
_SBIN = ("/usr/sbin", "/usr/bin")


def missing_packages() -> list[str]:
    return [
        package
        for package, binary in PACKAGES.items()
        if shutil.which(binary) is None
        and not any(os.access(f"{d}/{binary}", os.X_OK) for d in _SBIN)
    ]


def install_missing() -> str | None:
    """Install what is missing; return why that failed, or None."""
    missing = missing_packages()
    if not missing:
        return None
    if os.geteuid() != 0:
        return f"missing {', '.join(missing)} and not root, so apt-get can't install them"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = "apt-get update -qq && apt-get install -y -qq --no-install-recommends " + " ".join(
        missing
    )
    result = subprocess.run(
        command, shell=True, env=env, capture_output=True, text=True, check=False, timeout=900
    )
    if result.returncode != 0:
        return f"apt-get install {' '.join(missing)} failed: {result.stderr.strip()[-500:]}"
    return None
