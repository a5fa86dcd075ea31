"""FastAPI apps, one without and one with CORSMiddleware, served by uvicorn.

FastAPI registers one route per decorator, so a path with @app.get and @app.post is two
routes; a refused verb gets the 405 of the first route whose path matches, and its Allow
lists that route's methods only. Neither decorator adds HEAD or OPTIONS.

Paths (what FastAPI answers; see OBSERVED.md):
  /items        @app.get + @app.post: GET 200, POST 201; HEAD, OPTIONS and other verbs
                405 with "Allow: GET" (the first route's methods).
  /items/{id}   @app.get + @app.put + @app.delete, int path parameter: GET 200, PUT 200,
                DELETE 204; others 405 with "Allow: GET".
  other         404 for every verb.
With CORS (`build(cors=True)`): CORSMiddleware(allow_origins=["https://app.example"],
allow_methods=["GET", "POST", "PUT"], allow_headers=["*"]) answers every preflight
itself, before routing: 200 when origin, method and headers pass, else 400 "Disallowed
CORS method" / "Disallowed CORS origin" (the 400 still carries Access-Control-Allow-
Methods, and -Origin when the origin was allowed); plain OPTIONS (no Origin) still
reaches the router and gets 405. Simple (non-preflight) responses carry no CORS headers
when the request has no Origin.
"""

from fastapi import FastAPI, Response
from fastapi.middleware.cors import CORSMiddleware

CORS_ORIGIN = "https://app.example"


def build(*, cors: bool, openapi: bool = False) -> FastAPI:
    """openapi: serve FastAPI's own document at /openapi.json (the contract tests read
    it); off, so the corpus paths stay the only routes."""
    app = FastAPI(openapi_url="/openapi.json" if openapi else None, docs_url=None, redoc_url=None)
    if cors:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[CORS_ORIGIN],
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["*"],
        )

    @app.get("/items")
    async def list_items() -> list[dict[str, int]]:
        return [{"id": 1}]

    @app.post("/items", status_code=201)
    async def create_item() -> dict[str, int]:
        return {"id": 2}

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.put("/items/{item_id}")
    async def replace_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.delete("/items/{item_id}", status_code=204)
    async def delete_item(item_id: int) -> Response:
        return Response(status_code=204)

    return app
