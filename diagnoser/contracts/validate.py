"""Is this a valid Swagger 2.0 / OpenAPI 3.0, 3.1 or 3.2 document? openapi-spec-validator
says, every error at its JSON pointer.

Only references inside the document are followed: the library's resolver would fetch an
`http://` or `file:` $ref itself, outside our guarded outbound path, so a document naming
one is refused before it is validated (bundle it into one file first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote

from jsonschema_path import SchemaPath
from openapi_spec_validator.validation import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    OpenAPIV32SpecValidator,
)
from openapi_spec_validator.validation.types import SpecValidatorType
from referencing.exceptions import Unresolvable

from .errors import ContractInvalid, DocumentError, pointer

MAX_ERRORS = 50


def spec_version(document: dict[str, Any]) -> str:
    """ "2.0", "3.0", "3.1" or "3.2"; ContractInvalid for anything else."""
    swagger, openapi = document.get("swagger"), document.get("openapi")
    if swagger is not None:
        if str(swagger) == "2.0":
            return "2.0"
        return _unsupported("/swagger", swagger)
    if openapi is None:
        raise ContractInvalid(
            [DocumentError("", "no `openapi` or `swagger` field: is this an OpenAPI document?")]
        )
    major_minor = ".".join(str(openapi).split(".")[:2])
    if major_minor in ("3.0", "3.1", "3.2"):
        return major_minor
    return _unsupported("/openapi", openapi)


def _unsupported(where: str, value: object) -> str:
    raise ContractInvalid(
        [DocumentError(where, f"version {value!r} is not supported: use 2.0, 3.0, 3.1 or 3.2")]
    )


_VALIDATORS: dict[str, SpecValidatorType] = {
    "2.0": OpenAPIV2SpecValidator,
    "3.0": OpenAPIV30SpecValidator,
    "3.1": OpenAPIV31SpecValidator,
    "3.2": OpenAPIV32SpecValidator,
}


def validate_document(document: dict[str, Any]) -> str:
    """The spec version of a valid document; ContractInvalid with every error otherwise."""
    version = spec_version(document)
    errors = list(_reference_errors(document, document, []))
    if not errors:
        errors = _schema_errors(document, version)
    if errors:
        raise ContractInvalid(errors[:MAX_ERRORS])
    return version


def _schema_errors(document: dict[str, Any], version: str) -> list[DocumentError]:
    validator = _VALIDATORS[version](SchemaPath.from_dict(document))
    errors: list[DocumentError] = []
    try:
        for error in validator.iter_errors():
            errors.append(DocumentError(_where(error.absolute_path, error.message), error.message))
            if len(errors) >= MAX_ERRORS:
                break
    except Unresolvable as error:  # a reference our own walk let through
        errors.append(DocumentError("", f"cannot resolve $ref {error.ref!r}"))
    except ValueError as error:  # the validator chokes on a template such as "/a{"
        errors.append(DocumentError("/paths", f"a path template is malformed: {error}"))
    return errors


_NAMED_PATH = re.compile(r" in '(/[^']*)'")


def _where(path: Iterable[object], message: str) -> str:
    """The error's pointer; the checks beyond the schema (path parameters, unique
    operation ids) give none, but name the path in their message."""
    parts = list(path)
    if not parts and (named := _NAMED_PATH.search(message)):
        return pointer(["paths", named.group(1)])
    return pointer(parts)


def _reference_errors(
    node: object, root: dict[str, Any], at: list[object]
) -> Iterator[DocumentError]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            where = pointer([*at, "$ref"])
            if not ref.startswith("#"):
                yield DocumentError(
                    where,
                    f"external reference {ref!r} is not followed: bundle the document into "
                    "one file (e.g. `redocly bundle`) and import that",
                )
            elif resolve_pointer(root, ref) is _MISSING:
                yield DocumentError(where, f"{ref!r} points at nothing in this document")
        for key, value in node.items():
            yield from _reference_errors(value, root, [*at, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _reference_errors(value, root, [*at, index])


_MISSING = object()


def resolve_pointer(root: object, ref: str) -> object:
    """The value a local `#/a/b` reference names, or _MISSING."""
    node = root
    for raw in unquote(ref.lstrip("#")).split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node
