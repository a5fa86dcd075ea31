"""What is wrong with a document, each problem at its JSON pointer (RFC 6901)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentError:
    pointer: str  # "" for the whole document, else "/paths/~1users/get"
    message: str  # says what to change

    def __str__(self) -> str:
        return f"{self.pointer or '/'}: {self.message}"


class ContractInvalid(Exception):
    """The document can't be imported; nothing of it was."""

    def __init__(self, errors: Iterable[DocumentError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(e) for e in self.errors[:5]))


def pointer(parts: Iterable[object]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)
