"""A Sanic app in a process of its own (Sanic runs its own server, from the main thread).

    python -m tests.servers.sanic_app PORT

Paths (what Sanic 25 answers):
  /items        methods=["GET", "POST"]: GET 200, POST 200.
  /items/{id}   methods=["GET", "DELETE"]: GET 200, DELETE 200.
  Every other verb on a route, HEAD and OPTIONS and the made-up verb included: 405 with
  Allow and a text/plain body "⚠️ 405 — Method Not Allowed ... Method X not allowed for
  URL /…". No Server header.
"""

import sys

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

app = Sanic("corpus")


@app.route("/items", methods=["GET", "POST"])
async def items(request: Request) -> HTTPResponse:
    return json([{"id": 1}])


@app.route("/items/<item_id:int>", methods=["GET", "DELETE"])
async def item(request: Request, item_id: int) -> HTTPResponse:
    return json({"id": item_id})


if __name__ == "__main__":
    app.run(
        host="127.0.0.1",
        port=int(sys.argv[1]),
        single_process=True,
        access_log=False,
        motd=False,
    )
