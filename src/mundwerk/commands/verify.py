"""``mundwerk verify``: was this file made by mundwerk? Exit 0 yes, 1 no, 2 error."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from mundwerk.core.errors import MundwerkError

if TYPE_CHECKING:
    from mundwerk.provenance.credentials import Credentials
    from mundwerk.verifying import Verification, WatermarkFinding


class VerifyError(MundwerkError):
    """Verify could not answer (missing, unreadable, truncated or not media): exit code 2."""

    exit_code = 2


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "verify",
        help="check a file for mundwerk's content credentials and watermark",
        description="Report a file's content credentials (C2PA) and invisible watermark. "
        "Exit 0 when mundwerk's marks are found, 1 when not, 2 on error.",
    )
    parser.add_argument("file", metavar="FILE", help="a video, image or WAV file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="CA.pem",
        help="CA certificates whose signers count as trusted (repeatable)",
    )
    parser.set_defaults(handler=run)


def run(arguments: argparse.Namespace) -> int:
    from mundwerk.verifying import verify

    try:
        result = verify(arguments.file, trust=arguments.trust)
    except MundwerkError as error:
        raise VerifyError(str(error)) from error
    if arguments.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print("\n".join(describe(result)))
    return 0 if result.made_by_mundwerk else 1


def describe(result: Verification) -> list[str]:
    """A few lines for people: the verdict, then the credentials and the watermark."""
    verdict = "made by mundwerk" if result.made_by_mundwerk else "no mundwerk marks found"
    return [
        f"{result.path}: {verdict}",
        _credentials_line(result.credentials),
        *_reason_lines(result),
        _watermark_line(result.watermark),
    ]


def _credentials_line(credentials: Credentials) -> str:
    state = credentials.state.value
    if state == "absent":
        return "  C2PA: absent (no content credentials)"
    if credentials.generator is None:
        return f"  C2PA: {state}"
    if not credentials.by_mundwerk:
        return f"  C2PA: {state}, a manifest from another tool ({credentials.generator}), not mundwerk's"
    watermark = {True: "yes", False: "no", None: "not recorded"}[credentials.watermarked]
    job = f", job {credentials.job_id}" if credentials.job_id is not None else ""
    signed = "claims to be signed by" if state == "invalid" else "signed by"
    return (
        f"  C2PA: {state}, {signed} {credentials.generator} ({credentials.signer}); "
        f"watermark embedded: {watermark}{job}"
    )


def _reason_lines(result: Verification) -> list[str]:
    return [f"        {reason}" for reason in result.credentials.reasons]


def _watermark_line(watermark: WatermarkFinding) -> str:
    if not watermark.checked:
        return f"  watermark: not checked ({watermark.note})"
    if not watermark.detected:
        return f"  watermark: not found (confidence {watermark.confidence:.3f})"
    return (
        f"  watermark: found (job {watermark.job_id}, version {watermark.version}, "
        f"confidence {watermark.confidence:.3f})"
    )
