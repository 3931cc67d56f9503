"""``GET /healthz`` and ``GET /metrics`` (Prometheus text): for load balancers and monitoring.

Neither needs the token: they reveal counts, never content, and the server listens on
loopback unless told otherwise.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from mundwerk.server import exposition
from mundwerk.server.jobs import JobManager, JobState
from mundwerk.server.metrics import Metrics, MetricsSnapshot

router = APIRouter(tags=["operations"])


def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def _jobs(request: Request) -> JobManager:
    jobs: JobManager = request.app.state.jobs
    return jobs


@router.get("/healthz", summary="Is the server up: live sessions and jobs by state")
async def healthz(request: Request) -> JSONResponse:
    counts = _jobs(request).counts()
    body = {
        "status": "ok",
        "active_sessions": _metrics(request).active_sessions,
        "jobs": {state.value: count for state, count in counts.items()},
    }
    return JSONResponse(body)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text format 0.0.4)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
async def metrics(request: Request) -> Response:
    jobs = _jobs(request)
    text = stream_metrics(_metrics(request).snapshot()) + job_metrics(jobs.counts(), jobs.refused_total)
    return Response(text, media_type=exposition.CONTENT_TYPE)


def stream_metrics(snapshot: MetricsSnapshot) -> str:
    latency = snapshot.frame_latency
    refused = [({"reason": reason}, count) for reason, count in sorted(snapshot.sessions_refused.items())]
    return "".join(
        [
            exposition.gauge(
                "mundwerk_stream_sessions_active",
                "Live WebSocket streams open now.",
                snapshot.active_sessions,
            ),
            exposition.counter(
                "mundwerk_stream_sessions_started_total", "Live streams started.", snapshot.sessions_started
            ),
            exposition.scalar(
                "mundwerk_stream_sessions_refused_total",
                "counter",
                "Live streams refused or closed early, by reason.",
                refused,
            ),
            exposition.counter(
                "mundwerk_stream_frames_sent_total", "Mouth frames sent to clients.", snapshot.frames_sent
            ),
            exposition.counter(
                "mundwerk_stream_frames_dropped_total",
                "Frames dropped because a client read too slowly.",
                snapshot.frames_dropped,
            ),
            exposition.histogram(
                "mundwerk_stream_frame_latency_seconds",
                "From receiving the audio that made a frame due to sending the frame.",
                [bound / 1000 for bound in latency.bounds_ms],
                latency.counts,
                latency.sum_ms / 1000,
            ),
        ]
    )


def job_metrics(counts: dict[JobState, int], refused_total: int) -> str:
    by_state = [({"state": state.value}, count) for state, count in counts.items()]
    return exposition.scalar(
        "mundwerk_render_jobs", "gauge", "Render jobs known now, by state.", by_state
    ) + exposition.counter(
        "mundwerk_render_jobs_refused_total",
        "Render jobs refused because every slot was busy.",
        refused_total,
    )
