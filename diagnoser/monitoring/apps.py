from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "diagnoser.monitoring"
