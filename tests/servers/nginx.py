"""nginx from Debian's packages, with a configuration written to a temporary directory.

Two server blocks in one nginx: the front on the fixture's port, and an upstream on a
second port that /api/ proxies to. Everything nginx writes (pid, logs, temp paths) stays
in the temporary directory; `daemon off` keeps it the fixture's child.

Front paths (what nginx answers; see OBSERVED.md):
  /static/hello.txt  the static module: GET and HEAD 200; every other verb, OPTIONS,
                     preflights and unknown ones (XDIAGNOSE) included, 405 with no Allow
                     header (nginx accepts any token as a method).
  /static/docs       a directory without its slash: the static module's 301 to an
                     absolute http://127.0.0.1:PORT/static/docs/ for GET, HEAD and POST;
                     other verbs 405 as above.
  /api/items         `limit_except GET { deny all; }` then proxy_pass: GET and HEAD reach
                     the upstream (200, "Allow: GET, HEAD, PUT, DELETE" from the app);
                     every other verb, XDIAGNOSE included, gets 403 from nginx itself.
  /form              `return 301 /form/;` (absolute Location) for every verb, POST,
                     PUT and preflights included.
  any path           TRACE gets 405 from nginx's core before any location applies.
  other              404.
Upstream (not probed directly): `return 200` for every verb, with an Allow header that
claims PUT and DELETE, as an app behind a stricter proxy would.
"""

import os
import shutil
import subprocess
from pathlib import Path

NGINX_BINARY = "/usr/sbin/nginx"

# Every file nginx writes goes below the run's temporary directory, never /var.
TEMP_PATHS = """\
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;"""

# One worker, in the foreground, with its pid and log in the run's directory.
_MAIN = """\
worker_processes 1;
daemon off;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;

events {{
    worker_connections 1024;
}}

"""

CONFIG = (
    _MAIN
    + """\
http {{
    default_type application/octet-stream;
    types {{
        text/plain txt;
        text/html html;
    }}
    access_log {tmp}/access.log;
{temp_paths}
    keepalive_requests 100000;

    server {{
        listen 127.0.0.1:{port};
        server_name localhost;

        location /static/ {{
            root {tmp}/www;
        }}

        location /api/ {{
            limit_except GET {{
                deny all;
            }}
            proxy_pass http://127.0.0.1:{upstream_port}/;
        }}

        location = /form {{
            return 301 /form/;
        }}
    }}

    server {{
        listen 127.0.0.1:{upstream_port};
        server_name upstream;

        location / {{
            add_header Allow "GET, HEAD, PUT, DELETE" always;
            default_type application/json;
            return 200 '{{"upstream": true}}';
        }}
    }}
}}
"""
)


def binary() -> str | None:
    """The nginx executable, or None when it is not installed."""
    found = shutil.which("nginx")
    if found:
        return found
    return NGINX_BINARY if os.access(NGINX_BINARY, os.X_OK) else None


def install() -> subprocess.CompletedProcess[str]:
    """Install Debian's nginx package (needs root); Docker's policy-rc.d keeps it stopped."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(
        "apt-get update -qq && apt-get install -y -qq --no-install-recommends nginx",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def write_config(tmp: Path, *, port: int, upstream_port: int) -> Path:
    """Write the site (one static file, one directory) and nginx.conf; return the conf."""
    docs = tmp / "www" / "static" / "docs"
    docs.mkdir(parents=True)
    (tmp / "www" / "static" / "hello.txt").write_text("hello from nginx\n")
    (docs / "index.html").write_text("<p>docs</p>\n")
    return _write_conf(tmp, CONFIG, port=port, upstream_port=upstream_port)


def _write_conf(tmp: Path, template: str, **values: object) -> Path:
    # A root master hands requests to workers running as nobody, which can't read a
    # 0700 pytest temporary directory; as any other user the directive is ignored.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    text = template.format(tmp=tmp, user=user, temp_paths=TEMP_PATHS.format(tmp=tmp), **values)
    conf.write_text(text)
    return conf


def command(nginx: str, conf: Path) -> list[str]:
    # -e: nginx opens its default error log before reading the config unless told.
    return [nginx, "-p", str(conf.parent), "-c", str(conf), "-e", str(conf.parent / "error.log")]


PROXY_CONFIG = (
    _MAIN
    + """\
http {{
    access_log off;
{temp_paths}

    server {{
        listen 127.0.0.1:{port};
{limits}
        location / {{
            proxy_pass {upstream};
        }}
    }}
}}
"""
)


# Header buffers too small for an ordinary request (a User-Agent of 80-odd characters
# does not fit): nginx answers 400 "Request Header Or Cookie Too Large" to every method
# before any location, as a proxy with a mistuned limit does to real browsers.
TINY_HEADER_LIMITS = """\
        connection_pool_size 128;
        client_header_buffer_size 80;
        large_client_header_buffers 1 128;"""


def write_proxy_config(
    tmp: Path, *, port: int, upstream: str, tiny_header_limits: bool = False
) -> Path:
    """A reverse proxy (proxy_pass, nothing else) in front of `upstream`.

    What the app answers passes through unchanged, except that nginx's core still answers
    TRACE with 405 itself, before any location applies. With `tiny_header_limits` every
    request is refused with 400 before routing (TINY_HEADER_LIMITS).
    """
    limits = TINY_HEADER_LIMITS if tiny_header_limits else ""
    return _write_conf(tmp, PROXY_CONFIG, port=port, upstream=upstream, limits=limits)
