"""Bytes to a document: JSON or YAML, whichever it is, with the errors a person can fix."""

from __future__ import annotations

import datetime
import json
from typing import Any

import yaml

from .errors import ContractInvalid, DocumentError

# A document is data: YAML's safe loader builds no objects, and a bomb of aliases is
# bounded by the size cap the caller applies before this.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


def parse_document(raw: bytes | str) -> dict[str, Any]:
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise ContractInvalid(
            [DocumentError("", f"the document is over {MAX_DOCUMENT_BYTES // 1024 // 1024} MB")]
        )
    text = raw.decode("utf-8-sig", errors="replace") if isinstance(raw, bytes) else raw
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ContractInvalid(
                [DocumentError("", f"not valid JSON: {error.msg} at line {error.lineno}")]
            ) from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise ContractInvalid(
                [DocumentError("", f"not valid JSON or YAML{where}: {error}")]
            ) from None
    if not isinstance(data, dict):
        raise ContractInvalid(
            [DocumentError("", "expected an OpenAPI or Swagger object at the top level")]
        )
    return _as_json(data)


def _as_json(value: Any) -> Any:
    """What JSON would have given: YAML reads `200:` as a number and `2024-05-01` as a
    date, which the OpenAPI schema (written for JSON) refuses."""
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value
