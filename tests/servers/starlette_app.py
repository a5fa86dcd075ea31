"""A plain Starlette app (no FastAPI, no CORS middleware), served by uvicorn.

Paths (what Starlette answers; see OBSERVED.md):
  /items        Route(methods=["GET", "POST"]): GET 200, POST 201. Starlette adds HEAD to
                a route that has GET; every other verb, OPTIONS included, 405 with
                "Allow: GET, HEAD, POST" (set order).
  /items/{id}   HTTPEndpoint with get/put/delete: GET 200, PUT 200, DELETE 204; HEAD is
                dispatched to get; other verbs 405 with Allow listing the handlers.
  other         404 for every verb.
"""

from starlette.applications import Starlette
from starlette.endpoints import HTTPEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def items(request: Request) -> Response:
    if request.method == "POST":
        return JSONResponse({"id": 2}, status_code=201)
    return JSONResponse([{"id": 1}])


class Item(HTTPEndpoint):
    async def get(self, request: Request) -> Response:
        return JSONResponse({"id": request.path_params["id"]})

    async def put(self, request: Request) -> Response:
        return JSONResponse({"id": request.path_params["id"]})

    async def delete(self, request: Request) -> Response:
        return Response(status_code=204)


app = Starlette(
    routes=[
        Route("/items", items, methods=["GET", "POST"]),
        Route("/items/{id:int}", Item),
    ]
)
