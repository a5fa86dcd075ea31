from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from diagnoser.specimen.app import ENVIRONMENTS, SpecimenApp
from diagnoser.specimen.server import make_specimen_server


class Command(BaseCommand):
    help = "Serve the specimen API (deliberately varied method behaviour) for the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8701)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--env", choices=ENVIRONMENTS, default="staging")
        parser.add_argument(
            "--latency", type=float, default=0.0, help="seconds added to every request"
        )

    def handle(self, *args: Any, port: int, host: str, env: str, latency: float, **kw: Any):
        server = make_specimen_server(SpecimenApp(env, latency=latency), host=host, port=port)
        self.stdout.write(f"specimen API ({env}) on http://{host}:{server.server_port}/")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
