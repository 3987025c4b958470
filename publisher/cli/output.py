"""What the command line prints besides its results: messages, progress, plurals.

Messages go to stderr in one style (``error: …``, ``warning: …``, plain notes), through
the same rich console as the progress bar, so a message printed while a bar is shown lands
above it instead of inside it. The bar is drawn only when stderr is a terminal and ``-q`` is
off, fits the terminal's width, and is erased when done. Results go to stdout, untouched.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

__all__ = ["Output", "Progress", "plural", "setup_logging"]


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 file``, ``2 files``, ``0 files``."""
    return f"{count:,} {noun if count == 1 else plural_form or noun + 's'}"


@dataclass
class Output:
    """-q/-v as the verbs read them, and the console messages and progress share."""

    quiet: bool = False
    verbosity: int = 0
    console: Console = field(default_factory=lambda: Console(stderr=True, highlight=False))

    @property
    def interactive(self) -> bool:
        """Whether to draw progress: stderr is a terminal and -q is off."""
        return not self.quiet and sys.stderr.isatty()

    def note(self, message: str) -> None:
        """A line about the work (not its result): hidden by -q."""
        if not self.quiet:
            self.console.print(message, markup=False, soft_wrap=True)

    def warning(self, message: str) -> None:
        if not self.quiet:
            self.console.print(f"warning: {message}", markup=False, soft_wrap=True)

    def error(self, message: str) -> None:
        self.console.print(f"error: {message}", markup=False, soft_wrap=True)

    @contextmanager
    def progress(self, total: float, label: str, as_bytes: bool = False) -> Iterator[Bar]:
        """A bar for ``total`` units of work, or a stand-in that draws nothing."""
        if not self.interactive:
            yield Bar(None, None)
            return
        amount = DownloadColumn(binary_units=True) if as_bytes else TaskProgressColumn()
        columns = [
            TextColumn("{task.description}"),
            BarColumn(bar_width=None),
            amount,
            TimeRemainingColumn(),
            TextColumn("{task.fields[item]}", style="dim"),
        ]
        with Progress(*columns, console=self.console, transient=True, expand=True) as bar:
            task = bar.add_task(label, total=total, item="")
            yield Bar(bar, task)


class Bar:
    """Advance a progress bar (or nothing, when none is drawn)."""

    def __init__(self, progress: Progress | None, task: object) -> None:
        self._progress = progress
        self._task = task

    def advance(self, amount: float, item: str = "") -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=amount, item=_shorten(item))  # type: ignore[arg-type]


def _shorten(item: str, width: int = 32) -> str:
    return item if len(item) <= width else "…" + item[-(width - 1) :]


class _ConsoleHandler(logging.Handler):
    """Log records as ``warning: …``/``error: …`` lines on the shared console."""

    def __init__(self, out: Output) -> None:
        super().__init__()
        self.out = out

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and self.out.verbosity >= 2:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
            level = record.levelname.lower()
            prefix = f"{level}: " if record.levelno >= logging.WARNING else ""
            if record.levelno == logging.DEBUG:
                prefix = "debug: "
            self.out.console.print(prefix + message, markup=False, soft_wrap=True)
        except Exception:
            self.handleError(record)


def setup_logging(out: Output) -> None:
    """Route log records to the console: errors only with -q, warnings by default, each
    file's notes with -v, debug with -vv."""
    if out.quiet:
        level = logging.ERROR
    else:
        level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(out.verbosity, 2)]
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _ConsoleHandler):
            root.removeHandler(handler)
    root.addHandler(_ConsoleHandler(out))
    root.setLevel(level)
    # third-party chatter stays at warnings unless -vv
    for noisy in ("granian", "uvicorn", "rdflib", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if out.verbosity >= 2 else logging.WARNING)
