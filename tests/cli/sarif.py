"""SARIF output checked against the SARIF 2.1.0 JSON schema (OASIS, errata 01), vendored
from oasis-tcs/sarif-spec (sarif-2.1/schema/sarif-schema-2.1.0.json, commit a560296):
tests run with the network closed."""

import json
from pathlib import Path
from typing import Any

import jsonschema

_SCHEMA = json.loads((Path(__file__).parent / "schemas/sarif-schema-2.1.0.json").read_text())


def valid_sarif(text: str) -> Any:
    """The SARIF log in text, after the schema has accepted it (it raises otherwise)."""
    log = json.loads(text)
    jsonschema.Draft4Validator(_SCHEMA).validate(log)
    return log
