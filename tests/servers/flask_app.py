"""A Flask app with default routing, served by Werkzeug's threaded server.

Paths (what Flask/Werkzeug answer; see OBSERVED.md):
  /items        methods=["GET", "POST"]: GET 200, POST 201. Flask adds HEAD (from GET)
                and OPTIONS (200, empty, with Allow) on its own; every other verb 405
                with "Allow: GET, HEAD, OPTIONS, POST" (order varies: it is a set).
  /items/<id>   methods=["GET", "PUT", "DELETE"], int converter: GET 200, PUT 200,
                DELETE 204; OPTIONS and HEAD as above; others 405 with Allow.
  /cors/items   methods=["GET", "POST"] under flask-cors with origins=https://app.example:
                as /items, but OPTIONS with Origin answers the preflight with 200 and
                flask-cors' default Access-Control-Allow-Methods (every common verb,
                PUT/PATCH/DELETE included, though the route refuses them). Every
                response to that origin, 405s included, gets Access-Control-Allow-Origin;
                another origin gets none.
  other         404 for every verb.
Unknown verbs (XDIAGNOSE) get 405 with Allow on a known path, 404 elsewhere.
"""

from flask import Flask, Response, jsonify, request
from flask_cors import CORS
from werkzeug.serving import BaseWSGIServer, make_server

app = Flask(__name__)
CORS(app, resources={r"/cors/*": {"origins": ["https://app.example"]}})


@app.route("/items", methods=["GET", "POST"])
def items() -> tuple[Response, int]:
    if request.method == "POST":
        return jsonify({"id": 2}), 201
    return jsonify([{"id": 1}]), 200


@app.route("/items/<int:item_id>", methods=["GET", "PUT", "DELETE"])
def item(item_id: int) -> tuple[Response, int] | tuple[str, int]:
    if request.method == "DELETE":
        return "", 204
    return jsonify({"id": item_id}), 200


@app.route("/cors/items", methods=["GET", "POST"])
def cors_items() -> tuple[Response, int]:
    return items()


def build_server() -> BaseWSGIServer:
    """Bind to a free port on 127.0.0.1; the caller serves and shuts down."""
    return make_server("127.0.0.1", 0, app, threaded=True)
