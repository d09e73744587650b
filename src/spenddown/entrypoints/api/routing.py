"""A route class that parses JSON numbers as ``Decimal`` from their text: money sent as a number
(``150.5``) never passes through a float, so ``1.234`` is refused exactly and ``0.1 + 0.2``
surprises are impossible. Routers are created with ``APIRouter(route_class=DecimalJsonRoute)``.

``FloatJsonRoute`` is for bodies parsed by a model of ``spenddown.adapters`` that reads JSON
numbers the way the CLI's ``json.load`` gives them (``claim_format.ClaimIn``: a float becomes the
shortest text that reads back as it, ``repr``, before ``Money.parse``). Both refuse ``NaN`` and
``Infinity``, which are not JSON."""

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
    parse_float: Callable[[str], Any] = Decimal

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = json.loads(
                    body, parse_float=self.parse_float, parse_constant=_no_constants
                )
            except ValueError as error:
                if isinstance(error, json.JSONDecodeError):
                    raise
                raise json.JSONDecodeError(str(error), body.decode(errors="replace"), 0) from None
        return self._json


class FloatJsonRequest(DecimalJsonRequest):
    parse_float = float


class DecimalJsonRoute(APIRoute):
    request_class: type[DecimalJsonRequest] = DecimalJsonRequest

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        request_class = self.request_class

        async def route_handler(request: Request) -> Response:
            return await handler(request_class(request.scope, request.receive))

        return route_handler


class FloatJsonRoute(DecimalJsonRoute):
    request_class = FloatJsonRequest
