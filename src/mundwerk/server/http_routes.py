"""The HTTP half of the server, added to the app in one call: REST routes under /v1 (analyze,
render jobs, speak), /healthz, /metrics, the demo page at /, and errors as JSON.

The render job pool starts with the app and stops with it (its files are deleted then),
wrapped around whatever lifespan the app already has.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI

from mundwerk.server import ops, page, rest
from mundwerk.server.guard import Guard
from mundwerk.server.http_errors import install_error_handlers
from mundwerk.server.jobs import JobLimits, JobManager
from mundwerk.server.settings import ServerSettings

#: Analyses and speech syntheses done inside requests at once (more are refused with 503).
WORK_SLOTS = 2

Lifespan = Callable[[Any], AbstractAsyncContextManager[Any]]


def add_http_routes(app: FastAPI, settings: ServerSettings) -> None:
    """Add the REST, operations and demo routes to ``app``, with the state they share."""
    app.state.guard = Guard(settings.token, settings.max_upload_bytes)
    app.state.work_slots = threading.BoundedSemaphore(WORK_SLOTS)
    limits = JobLimits(max_jobs=settings.max_jobs, workers=settings.max_jobs, result_ttl_s=settings.job_ttl_s)
    app.router.lifespan_context = _with_jobs(app.router.lifespan_context, limits)
    install_error_handlers(app)
    app.include_router(rest.router)
    app.include_router(rest.render_router)
    app.include_router(ops.router)
    app.include_router(page.router)


def _with_jobs(inner: Lifespan, limits: JobLimits) -> Lifespan:
    """``inner`` lifespan with the job manager started before it and closed after it."""

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        app.state.jobs = JobManager(limits)
        try:
            async with inner(app) as state:
                yield state
        finally:
            app.state.jobs.close()

    return lifespan
