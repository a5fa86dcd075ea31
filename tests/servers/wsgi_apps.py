"""Falcon, Bottle and Pyramid apps with the corpus routes, each a plain WSGI callable.

They run under Werkzeug's threaded server (no method handling of its own), so what a
client sees is the framework's answer. Routes: /items GET+POST, /items/1 GET+PUT+DELETE
(no PATCH), /readonly GET; what each framework answers is in OBSERVED.md:
  Falcon   405 with Allow for a responder the resource lacks; OPTIONS answered 200 by
           Falcon's default responder with Allow; HEAD only if on_head exists.
  Bottle   405 with Allow; HEAD served from GET; OPTIONS 405.
  Pyramid  view predicates: a request_method that matches no view is a 404
           (PredicateMismatch), not a 405.
"""

import json
from typing import Any

import bottle  # type: ignore[import-untyped]
import falcon
from pyramid.config import Configurator  # type: ignore[import-untyped]
from pyramid.request import Request  # type: ignore[import-untyped]
from pyramid.response import Response  # type: ignore[import-untyped]


class FalconItems:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [{"id": 1}]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_201
        resp.media = {"id": 2}


class FalconItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
        resp.media = {"id": item_id}

    def on_put(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
        resp.media = {"id": item_id}

    def on_delete(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
        resp.status = falcon.HTTP_204


class FalconReadOnly:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"read": "only"}


def falcon_app() -> Any:
    app = falcon.App()
    app.add_route("/items", FalconItems())
    app.add_route("/items/{item_id:int}", FalconItem())
    app.add_route("/readonly", FalconReadOnly())
    return app


def bottle_app() -> Any:
    app = bottle.Bottle()

    @app.route("/items", method=["GET", "POST"])
    def items() -> Any:
        if bottle.request.method == "POST":
            bottle.response.status = 201
            return {"id": 2}
        return json.dumps([{"id": 1}])

    @app.route("/items/<item_id:int>", method=["GET", "PUT", "DELETE"])
    def item(item_id: int) -> Any:
        if bottle.request.method == "DELETE":
            bottle.response.status = 204
            return ""
        return {"id": item_id}

    @app.route("/readonly", method="GET")
    def readonly() -> Any:
        return {"read": "only"}

    return app


def _json(data: object, status: int = 200) -> Response:
    return Response(
        json.dumps(data), status=status, content_type="application/json", charset="utf-8"
    )


def pyramid_app() -> Any:
    def list_items(request: Request) -> Response:
        return _json([{"id": 1}])

    def create_item(request: Request) -> Response:
        return _json({"id": 2}, 201)

    def show_item(request: Request) -> Response:
        return _json({"id": int(request.matchdict["id"])})

    def delete_item(request: Request) -> Response:
        return Response(status=204)

    with Configurator() as config:
        config.add_route("items", "/items")
        config.add_route("item", r"/items/{id:\d+}")
        config.add_route("readonly", "/readonly")
        config.add_view(list_items, route_name="items", request_method="GET")
        config.add_view(create_item, route_name="items", request_method="POST")
        config.add_view(show_item, route_name="item", request_method=("GET", "PUT"))
        config.add_view(delete_item, route_name="item", request_method="DELETE")
        config.add_view(list_items, route_name="readonly", request_method="GET")
        return config.make_wsgi_app()
