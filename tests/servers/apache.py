"""Apache httpd from Debian's apache2 package, with a configuration of ours.

One httpd on a free 127.0.0.1 port, everything it writes (pid, logs, mutexes) in a
temporary directory, `-DFOREGROUND` so it stays the fixture's child. As root the
master binds the port and the workers drop to www-data, so the document root lives in
a world-readable directory of its own.

Paths (what httpd answers; see OBSERVED.md):
  /static/hello.txt  the core's static file handler (GET, HEAD, POST... as httpd does).
  /api/...           `<LimitExcept GET>Require all denied</LimitExcept>` in front of
                     `ProxyPass` to an upstream app: GET and HEAD reach the app; every
                     other method, OPTIONS and unknown verbs included, gets httpd's own
                     403 with no Allow (the server's method restriction).
"""

import os
import shutil
from pathlib import Path

APACHE_BINARY = "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"

CONFIG = """\
ServerRoot "{tmp}"
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule proxy_module {modules}/mod_proxy.so
LoadModule proxy_http_module {modules}/mod_proxy_http.so
Listen 127.0.0.1:{port}
ServerName localhost
{user}
PidFile {tmp}/httpd.pid
ErrorLog {tmp}/error.log
LogLevel warn
Mutex file:{tmp} default
StartServers 1
ServerLimit 1
ThreadsPerChild 25
MaxRequestWorkers 25
TypesConfig /etc/mime.types
DocumentRoot {www}
<Directory {www}>
    Require all granted
</Directory>
<Location /api/>
    <LimitExcept GET>
        Require all denied
    </LimitExcept>
    ProxyPass {upstream}/
</Location>
"""


def binary() -> str | None:
    found = shutil.which("apache2")
    if found:
        return found
    return APACHE_BINARY if os.access(APACHE_BINARY, os.X_OK) else None


def write_config(tmp: Path, *, www: Path, port: int, upstream: str) -> Path:
    """Write the site into `www` (world-readable: workers run as www-data and can't enter
    pytest's 0700 directories) and httpd.conf into `tmp`; return the conf."""
    www.chmod(0o755)
    (www / "static").mkdir(mode=0o755)
    hello = www / "static" / "hello.txt"
    hello.write_text("hello from httpd\n")
    hello.chmod(0o644)
    user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
    conf = tmp / "httpd.conf"
    conf.write_text(
        CONFIG.format(tmp=tmp, www=www, modules=MODULES, port=port, upstream=upstream, user=user)
    )
    return conf


def command(apache: str, conf: Path) -> list[str]:
    return [apache, "-DFOREGROUND", "-d", str(conf.parent), "-f", str(conf)]
