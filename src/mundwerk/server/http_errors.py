"""Every HTTP error as one line of JSON, ``{"error": "..."}``, whatever raised it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

log = logging.getLogger(__name__)


def error_response(status_code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status_code, headers=headers)


async def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, str(error.detail), dict(error.headers or {}))


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return error_response(422, validation_message(error.errors()))


async def _internal_error(request: Request, error: Exception) -> JSONResponse:
    log.error("internal error on %s %s: %r", request.method, request.url.path, error)
    return error_response(500, "internal server error")


def validation_message(errors: Sequence[Any]) -> str:
    """FastAPI's validation errors as one sentence: which field, what is wrong with it."""
    parts = []
    for item in errors:
        location = [str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path")]
        field = ".".join(location) or "request"
        message = str(item.get("msg", "invalid"))
        parts.append(f"missing field {field!r}" if item.get("type") == "missing" else f"{field}: {message}")
    return "invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _internal_error)
