"""Progress bars for long work on a terminal; silent when piped or quiet (and then rich,
a tenth of a second of start-up, is not imported)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Report progress of one item: (item label, share of that item done 0.0–1.0).
ItemProgress = Callable[[str, float], None]


@contextmanager
def progress_bar(total_items: int, enabled: bool) -> Iterator[ItemProgress]:
    """A bar over ``total_items`` items, each reporting its own share done."""
    if not enabled or not sys.stderr.isatty():
        yield lambda label, share: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"))
    with Progress(*columns, TimeRemainingColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("", total=float(total_items))
        finished: list[str] = []

        def report(label: str, share: float) -> None:
            if share >= 1.0 and label not in finished:
                finished.append(label)
            done = len(finished) + (0.0 if share >= 1.0 else share)
            bar.update(task, completed=done, description=label)

        yield report
