"""The one place that turns Django settings into the probe engine's configuration."""

from django.conf import settings

from diagnoser.probing.config import EngineConfig


def engine_config() -> EngineConfig:
    user_agent = "diagnoser/0.1 (method probe"
    if settings.DIAGNOSER_CONTACT_URL:
        user_agent += f"; +{settings.DIAGNOSER_CONTACT_URL}"
    return EngineConfig(
        allow_networks=tuple(settings.DIAGNOSER_ALLOW_NETWORKS),
        blocked_ports=frozenset(settings.DIAGNOSER_BLOCKED_PORTS),
        connect_timeout=settings.DIAGNOSER_CONNECT_TIMEOUT,
        read_timeout=settings.DIAGNOSER_READ_TIMEOUT,
        deadline=settings.DIAGNOSER_PROBE_DEADLINE,
        max_body_bytes=settings.DIAGNOSER_MAX_BODY_BYTES,
        per_host_concurrency=settings.DIAGNOSER_PER_HOST_CONCURRENCY,
        user_agent=user_agent + ")",
    )
