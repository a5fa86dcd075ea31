"""The Celery app, per Celery's Django guide: settings prefixed CELERY_ configure it.

Run one worker pool per machine and one beat for the whole deployment:
    celery -A diagnoser worker -l info
    celery -A diagnoser beat -l info     # a second beat sends nothing twice (monitoring/beat.py)
Without CELERY_BROKER_URL both use the filesystem broker under var/broker/ (one machine).
"""

import os
from pathlib import Path
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diagnoser.settings")

app = Celery("diagnoser")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_broker_folders(sender: Celery, **kwargs: Any) -> None:
    """The filesystem transport wants its folders to exist before anyone publishes."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
