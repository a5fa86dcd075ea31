from django.apps import AppConfig


class SpecimenConfig(AppConfig):
    """Only ships the `run_specimen` command: the specimen API itself is plain WSGI."""

    name = "diagnoser.specimen"
