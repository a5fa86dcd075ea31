"""The HTTP API for automation (docs/api.md): token-authenticated JSON, its own OpenAPI
document at /api/v1/openapi.json. Same access rules as the pages: another workspace's
objects answer 404."""
