"""A Litestar app, served by uvicorn (Litestar is not Starlette: its own router and bodies).

Paths (what Litestar 2 answers):
  /items        @get and @post handlers: GET 200, POST 201; HEAD 405 (Litestar answers
                HEAD only for a @head handler); OPTIONS 204 with Allow; other verbs 405
                with Allow and the body {"status_code":405,"detail":"Method Not Allowed"}.
  /items/{id}   @get and @delete: GET 200, DELETE 204. OPTIONS 204 lists only
                "GET, OPTIONS" while the 405s list "GET, OPTIONS, DELETE": its automatic
                OPTIONS handler leaves out a method served by another handler.
  the made-up verb: 400 from uvicorn's HTTP parser, before Litestar sees it.
"""

from typing import Any

from litestar import Litestar, delete, get, post


@get("/items")
async def items() -> list[dict[str, int]]:
    return [{"id": 1}]


@post("/items")
async def items_new() -> dict[str, int]:
    return {"id": 2}


@get("/items/{item_id:int}")
async def item(item_id: int) -> dict[str, Any]:
    return {"id": item_id}


@delete("/items/{item_id:int}")
async def item_delete(item_id: int) -> None:
    return None


app = Litestar([items, items_new, item, item_delete])
