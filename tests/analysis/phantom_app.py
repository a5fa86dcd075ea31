"""A Flask app whose handlers look their record up, as real ones do: a missing id is the
handler's 404, which the safe policy must tell from a router's 404.

Paths:
  /records/<int:id>     GET, PATCH, DELETE; 404 {"error": "no such record"} unless id is 1.
  /readonly/<int:id>    GET only; every other verb 405 with Allow (Flask's router).
"""

from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.serving import BaseWSGIServer, make_server

RECORDS = {1: {"id": 1, "name": "one"}}

app = Flask(__name__)


@app.errorhandler(404)
def not_found(error: Exception) -> ResponseReturnValue:
    return jsonify({"error": "no such record"}), 404


@app.route("/records/<int:record_id>", methods=["GET", "PATCH", "DELETE"])
def record(record_id: int) -> ResponseReturnValue:
    if record_id not in RECORDS:
        abort(404)
    if request.method == "DELETE":
        return "", 204
    return jsonify(RECORDS[record_id])


@app.route("/readonly/<int:record_id>", methods=["GET"])
def readonly(record_id: int) -> ResponseReturnValue:
    if record_id not in RECORDS:
        abort(404)
    return jsonify(RECORDS[record_id])


def build_server() -> BaseWSGIServer:
    return make_server("127.0.0.1", 0, app, threaded=True)
