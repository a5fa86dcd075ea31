import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diagnoser.settings")
application = get_wsgi_application()
# Django loads the URL conf (and with it the API's REST framework) on the first request;
# load it now so it is frozen and shared too, not paid again by each worker after the fork.
url_patterns = get_resolver().url_patterns

# Everything loaded at start-up (Django, the URL conf, templates' modules) lives as long as
# the process: frozen, the cyclic collector no longer walks it on every collection, which
# cut the pages' tail latency (bench/README.md). With --preload (manage.py up) gunicorn
# forks after this import, and the frozen pages stay shared between its workers.
gc.collect()
gc.freeze()
