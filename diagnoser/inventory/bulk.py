"""Registering endpoints pasted in bulk: one path a line, optionally after its methods.

A preview parses without writing; creating applies the whole list or nothing, through
endpoint_create like every other way in.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from diagnoser.inventory.models import Endpoint, Service
from diagnoser.inventory.services import endpoint_create, service_room_validate
from diagnoser.probing.model import PLAIN_METHODS
from diagnoser.probing.urls import InvalidTarget, fill_path

_MAX_PATH = 500  # Endpoint.path's max_length


@dataclass(frozen=True)
class BulkLine:
    """One endpoint of a pasted list; lines naming the same path are merged."""

    line: int  # 1-based, the first line naming the path
    path: str
    methods: tuple[str, ...]  # declared methods, matrix order
    exists: bool  # already registered: left as it is


@dataclass(frozen=True)
class BulkParse:
    lines: tuple[BulkLine, ...]
    errors: tuple[str, ...]  # "line 3: ...", in line order

    @property
    def new(self) -> tuple[BulkLine, ...]:
        return tuple(line for line in self.lines if not line.exists)


def _bulk_line(text: str) -> tuple[str, tuple[str, ...]]:
    """ "GET,POST /items" or "/items" -> (path, methods); raises ValueError saying why."""
    words = text.split()
    methods: list[str] = []
    if not words[0].startswith("/"):
        methods = [m.strip() for m in " ".join(words[:-1]).split(",") if m.strip()]
        words = words[-1:]
        unknown = [m for m in methods if m not in PLAIN_METHODS]
        if unknown:
            raise ValueError(
                f"{', '.join(unknown)} is not a method; use {', '.join(PLAIN_METHODS)} "
                "(upper case) before the path, like GET,POST /items"
            )
    if len(words) != 1 or not words[0].startswith("/"):
        raise ValueError("write one path starting with /, optionally after methods: GET /items")
    path = words[0]
    if len(path) > _MAX_PATH:
        raise ValueError(f"the path is longer than {_MAX_PATH} characters")
    try:
        fill_path(path, {})
    except InvalidTarget as error:
        raise ValueError(str(error)) from None
    return path, tuple(m for m in PLAIN_METHODS if m in methods)


def endpoints_bulk_parse(*, service: Service, text: str) -> BulkParse:
    """Read pasted paths, one per line ("/items" or "GET,POST /items"); # starts a comment.

    A paste longer than DIAGNOSER_MAX_BULK_PASTE_CHARS is not read, and one that would take
    the service past its endpoint cap is refused whole, naming the cap."""
    size, most = len(text), settings.DIAGNOSER_MAX_BULK_PASTE_CHARS
    if size > most:
        return BulkParse(
            lines=(),
            errors=(
                f"the paste is {size:,} characters, more than the {most:,} one paste may "
                "have (DIAGNOSER_MAX_BULK_PASTE_CHARS): paste it in parts",
            ),
        )
    found: dict[str, BulkLine] = {}
    errors = []
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip()
        if not content:
            continue
        try:
            path, methods = _bulk_line(content)
        except ValueError as error:
            errors.append(f"line {number}: {error}")
            continue
        earlier = found.get(path)
        if earlier is not None:
            merged = tuple(m for m in PLAIN_METHODS if m in {*earlier.methods, *methods})
            found[path] = BulkLine(earlier.line, path, merged, exists=False)
        else:
            found[path] = BulkLine(number, path, methods, exists=False)
    if not found and not errors:
        errors.append("paste at least one path, like /items or GET,POST /items")
    existing = set(service.endpoints.filter(path__in=found).values_list("path", flat=True))
    lines = tuple(
        BulkLine(line.line, line.path, line.methods, exists=line.path in existing)
        for line in found.values()
    )
    new = sum(1 for line in lines if not line.exists)
    try:
        service_room_validate(service=service, endpoints=new)
    except ValidationError as error:
        errors.extend(error.messages)
    return BulkParse(lines=lines, errors=tuple(errors))


def endpoints_bulk_create(*, service: Service, text: str) -> list[Endpoint]:
    """Create every new endpoint of the pasted list, or none when any line is wrong."""
    parsed = endpoints_bulk_parse(service=service, text=text)
    if parsed.errors:
        raise ValidationError(list(parsed.errors))
    with transaction.atomic():
        return [
            endpoint_create(service=service, path=line.path, declared_methods=line.methods)
            for line in parsed.new
        ]
