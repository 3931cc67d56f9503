"""Content credentials on what mundwerk writes: the glue between the writers and ``provenance``.

Writers take ``sign: bool | SigningKeys = True``: True signs with this machine's local
keys (made on first use), a ``SigningKeys`` with the user's own chain and key, False not
at all. Keys are resolved before the slow work, so a bad certificate fails at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from mundwerk.provenance.credentials import Ingredient
    from mundwerk.provenance.keys import SigningKeys

#: What writers accept for ``sign`` (provenance loads c2pa: imported only when signing).
Sign: TypeAlias = "bool | SigningKeys"


def resolve_keys(sign: Sign) -> SigningKeys | None:
    """The keys to sign with, or None for no signing; keys the user brings are tried first."""
    from mundwerk.provenance.credentials import check_signing_keys
    from mundwerk.provenance.keys import SigningKeys, local_keys

    if isinstance(sign, SigningKeys):
        check_signing_keys(sign)
        return sign
    return local_keys() if sign else None


def keys_from_arguments(chain: str | None, key: str | None) -> SigningKeys | bool:
    """``--sign-cert``/``--sign-key`` as keys (both or neither), else True (the local keys)."""
    from mundwerk.core.errors import UsageError
    from mundwerk.provenance.keys import SigningKeys

    if (chain is None) != (key is None):
        raise UsageError("--sign-cert and --sign-key go together (give both or neither)")
    if chain is None or key is None:
        return True
    return SigningKeys.from_files(chain, key)


def text_ingredient(title: str, text: str) -> Ingredient:
    """Text given inline (not as a file), known by its hash."""
    from mundwerk.provenance.credentials import Ingredient

    return Ingredient(title, hashlib.sha256(text.encode("utf-8")).hexdigest(), "text/plain")


def sign_output(
    path: str | Path,
    keys: SigningKeys | None,
    *,
    inputs: Sequence[str | Path | Ingredient],
    watermarked: bool,
    job_id: int | None = None,
    title: str | None = None,
) -> None:
    """Sign the finished file at ``path`` in place; if signing fails, ``path`` is removed
    (a writer leaves a signed file or none)."""
    from mundwerk.provenance.credentials import sign_file

    if keys is None:
        return
    try:
        sign_file(path, ingredients=inputs, watermarked=watermarked, job_id=job_id, keys=keys, title=title)
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise


def add_signing_arguments(parser: Any) -> None:
    """``--sign-cert`` and ``--sign-key`` for a command that writes signed files."""
    parser.add_argument(
        "--sign-cert", metavar="CHAIN.pem", help="sign with this certificate chain (default: local keys)"
    )
    parser.add_argument("--sign-key", metavar="KEY.pem", help="the private key of --sign-cert")
