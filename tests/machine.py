"""What the test suite runs for real, installed when missing: Debian packages (nginx,
Apache httpd, Chromium, wrk for bench/load.py) and the npm packages of the Node servers
in tests/servers/.

Called once at session start, before any per-test timeout applies, so a clean CI
machine gets them from the fresh clone's test command alone. Both steps are idempotent
and quiet: a machine that has everything runs no installer at all.
"""

import os
import shutil
import subprocess
from pathlib import Path

# package -> the binary that shows it is installed
PACKAGES = {"nginx": "nginx", "apache2": "apache2", "chromium": "chromium", "wrk": "wrk"}
_SBIN = ("/usr/sbin", "/usr/bin")
SERVERS = Path(__file__).resolve().parent / "servers"
# npm project directory -> a package that shows `npm ci` has run there
NODE_PROJECTS = {SERVERS / "express": "express", SERVERS / "node": "fastify"}


def missing_packages() -> list[str]:
    return [
        package
        for package, binary in PACKAGES.items()
        if shutil.which(binary) is None
        and not any(os.access(f"{d}/{binary}", os.X_OK) for d in _SBIN)
    ]


def install_missing() -> str | None:
    """Install what is missing; return why that failed, or None."""
    problems = [p for p in (_install_debian(), install_node_packages()) if p]
    return "; ".join(problems) or None


def _install_debian() -> str | None:
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


def install_node_packages() -> str | None:
    """`npm ci` in each Node server's directory whose node_modules is missing."""
    npm = shutil.which("npm")
    todo = [d for d, marker in NODE_PROJECTS.items() if not (d / "node_modules" / marker).is_dir()]
    if not todo:
        return None
    if npm is None:
        return "npm is not installed, so the Node servers can't be set up"
    for directory in todo:
        result = subprocess.run(
            [npm, "ci", "--prefix", str(directory), "--no-audit", "--no-fund", "--loglevel=error"],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if result.returncode != 0:
            return f"npm ci in {directory.name} failed: {result.stderr.strip()[-500:]}"
    return None
