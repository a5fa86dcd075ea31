"""OpenAPI and Swagger documents read into method contracts: plain Python, no Django.

`read_contract(text)` parses JSON or YAML, validates it with openapi-spec-validator and
returns what each path declares, or raises `ContractInvalid` with every error and its JSON
pointer. Inventory stores the result; analysis compares it with what probes observed.
"""
