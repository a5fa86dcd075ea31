import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diagnoser.settings")
application = get_wsgi_application()

# Everything loaded at start-up (Django, the URL conf, templates' modules) lives as long as
# the process: frozen, the cyclic collector no longer walks it on every collection, which
# cut the pages' tail latency (bench/README.md). With --preload (manage.py up) gunicorn
# forks after this import, and the frozen pages stay shared between its workers.
gc.collect()
gc.freeze()
