"""Write OBSERVED.md: what each real server answers to every probe the product sends.

Run `.venv/bin/python -m tests.servers.record` after changing a server app or upgrading a
framework, and commit the result: rule authors calibrate against this file, so it must
come from running the servers, never from memory. Traffic goes to 127.0.0.1 only.
"""

import importlib.metadata
import json
import logging
import platform
import subprocess
import tempfile
from pathlib import Path

import requests

from diagnoser.probing.config import DEFAULT_USER_AGENT
from diagnoser.probing.engine import PRECONDITION
from diagnoser.probing.model import UNSAFE_METHODS
from tests.servers import apache, nginx
from tests.servers.corpus import URLS
from tests.servers.fixtures import EXPRESS_DIR, Server
from tests.servers.runners import NODE_DIR, corpus_servers

OUT = Path(__file__).resolve().parent / "OBSERVED.md"
ORIGIN = "https://app.example"
VERBS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "XDIAGNOSE")
PREFLIGHTS = ("POST", "PUT", "PATCH", "DELETE")
COLUMNS = (
    "Allow",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Origin",
    "Location",
    "Server",
)


def probe(url: str, method: str, headers: dict[str, str]) -> list[str]:
    # What the probe engine sends too: its User-Agent (a header limit may refuse it) and,
    # on unsafe verbs, an empty body with a failing If-Match (a server may honour it).
    headers = {"User-Agent": DEFAULT_USER_AGENT, **headers}
    if method in UNSAFE_METHODS:
        headers |= {"Content-Length": "0", "If-Match": PRECONDITION}
    try:
        response = requests.request(method, url, headers=headers, allow_redirects=False, timeout=5)
    except requests.RequestException as error:
        return [f"error: {type(error).__name__}"] + [""] * (len(COLUMNS) + 1)
    extra = [
        f"{name}: {response.headers[name]}"
        for name in ("Access-Control-Allow-Credentials", "Via", "X-Powered-By")
        if name in response.headers
    ]
    return [
        str(response.status_code),
        *(response.headers.get(name, "") for name in COLUMNS),
        "; ".join(extra),
    ]


def table(server: Server, path: str) -> list[str]:
    url = server.url(path)
    header = ["probe", "status", *COLUMNS, "other"]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    probes: list[tuple[str, str, dict[str, str]]] = [(verb, verb, {}) for verb in VERBS]
    probes += [
        (
            f"preflight:{method}",
            "OPTIONS",
            {
                "Origin": ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "content-type",
            },
        )
        for method in PREFLIGHTS
    ]
    for name, method, headers in probes:
        cells = [name, *probe(url, method, headers)]
        # The port changes every run; keep the file stable so diffs show real changes.
        cells = [cell.replace(server.base_url, "http://127.0.0.1:PORT") for cell in cells]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return [f"### {server.name} `{path}`", "", *rows, ""]


def versions() -> str:
    packages = [
        "Django",
        "djangorestframework",
        "Flask",
        "Werkzeug",
        "flask-cors",
        "starlette",
        "fastapi",
        "uvicorn",
        "aiohttp",
        "tornado",
        "falcon",
        "bottle",
        "pyramid",
    ]
    found = [f"{name} {importlib.metadata.version(name)}" for name in packages]
    found.insert(0, f"Python {platform.python_version()}")
    binary = nginx.binary()
    if binary:
        nginx_v = subprocess.run([binary, "-v"], capture_output=True, text=True, check=False)
        found.append(nginx_v.stderr.strip().removeprefix("nginx version: "))
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    express = (EXPRESS_DIR / "node_modules" / "express" / "package.json").read_text()
    express_version = express.split('"version": "', 1)[1].split('"', 1)[0]
    found += [f"node {node.stdout.strip()}", f"express {express_version}"]
    for package in ("fastify", "@fastify/cors", "koa", "@koa/router", "@koa/cors", "@hapi/hapi"):
        manifest = json.loads((NODE_DIR / "node_modules" / package / "package.json").read_text())
        found.append(f"{package} {manifest['version']}")
    httpd = apache.binary()
    if httpd:
        httpd_v = subprocess.run([httpd, "-v"], capture_output=True, text=True, check=False)
        found.append(httpd_v.stdout.splitlines()[0].removeprefix("Server version: "))
    return ", ".join(found)


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp, corpus_servers(Path(tmp)) as servers:
        sections = [table(servers[name], path) for name, paths in URLS.items() for path in paths]
        stack = versions()
    lines = [
        "# What real servers answer (generated by tests/servers/record.py)",
        "",
        "Each table is one path of one fixture server on 127.0.0.1, probed with `requests`",
        "(no redirects followed). Preflights are OPTIONS with `Origin: https://app.example`,",
        "`Access-Control-Request-Method: M` and `Access-Control-Request-Headers: content-type`.",
        "XDIAGNOSE is an unregistered verb. `other` shows Access-Control-Allow-Credentials,",
        "Via and X-Powered-By when present. An empty cell means the header was absent.",
        "Werkzeug builds Allow from a set, so Flask's order changes from run to run.",
        "Every probe carries the engine's User-Agent; POST, PUT, PATCH and DELETE also",
        f"`Content-Length: 0` and `If-Match: {PRECONDITION}`, as the engine's do.",
        "",
        f"Stack: {stack}.",
        "",
    ]
    for section in sections:
        lines += section
    OUT.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
