"""A route class that parses JSON numbers as ``Decimal`` from their text: money sent as a number
(``150.5``) never passes through a float, so ``1.234`` is refused exactly and ``0.1 + 0.2``
surprises are impossible. Routers are created with ``APIRouter(route_class=DecimalJsonRoute)``."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


def _no_constants(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told not to.
    raise ValueError(f"{name} is not valid JSON")


class DecimalJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
            except ValueError as error:
                if isinstance(error, json.JSONDecodeError):
                    raise
                raise json.JSONDecodeError(str(error), body.decode(errors="replace"), 0) from None
        return self._json


class DecimalJsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            return await handler(DecimalJsonRequest(request.scope, request.receive))

        return route_handler
