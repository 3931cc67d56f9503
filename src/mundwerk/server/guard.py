"""What every /v1 HTTP route checks before it reads a byte of the body: the token, the body size,
and (for routes that queue work) whether there is room.

FastAPI parses a form before it resolves dependencies, so a dependency could only refuse a
request after its whole upload had arrived. These checks run in a custom route class
instead: a missing token is refused at once, a declared ``Content-Length`` over the limit is
refused at once, and a body without one is counted as it streams and cut off at the limit.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Message


@dataclass(frozen=True, slots=True)
class Guard:
    """The server's access rules: an optional token and the largest request body."""

    token: str | None
    max_body_bytes: int

    def check_token(self, request: Request) -> None:
        """Raise 401 unless the request carries the token (``Authorization: Bearer`` or ``?token=``)."""
        if not self.token:
            return
        given = bearer_token(request.headers.get("authorization")) or request.query_params.get("token")
        if given is None:
            raise HTTPException(
                401, "missing token: send 'Authorization: Bearer <token>' or '?token=<token>'"
            )
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise HTTPException(401, "wrong token")

    def too_large(self) -> HTTPException:
        return HTTPException(413, f"upload too large: the limit is {self.max_body_bytes} bytes per request")


def bearer_token(header: str | None) -> str | None:
    """The token in an ``Authorization: Bearer <token>`` header, if there is one."""
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def guard_of(request: Request) -> Guard:
    """The app's guard (``app.state.guard``, set when the REST routes are installed)."""
    guard: Guard = request.app.state.guard
    return guard


class GuardedRoute(APIRoute):
    """A route whose handler checks the token, the body size and ``admit`` before the body is read."""

    def admit(self, request: Request) -> None:
        """Raise HTTPException to refuse ``request`` before its body is read (subclasses)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            guard = guard_of(request)
            guard.check_token(request)
            declared = request.headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > guard.max_body_bytes:
                raise guard.too_large()
            self.admit(request)
            return await handler(_limited(request, guard))

        return guarded


def _limited(request: Request, guard: Guard) -> Request:
    """``request`` with a body that raises 413 once more than the limit has arrived."""
    received = 0
    receive = request.receive

    async def receive_limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > guard.max_body_bytes:
                raise guard.too_large()
        return message

    return Request(request.scope, receive_limited)
