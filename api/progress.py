"""A progress bar for the CLI's long runs, on standard error."""

from __future__ import annotations

import sys
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """`bar.stage(label)` starts a stage (one seller's collections); calling the stage with
    (done, total) redraws it. On a terminal the bar is redrawn in place; elsewhere (a log, a
    pipe) each stage writes one line when it ends, so that logs stay readable."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()

    def stage(self, label: str) -> ProgressStage:
        return ProgressStage(self, label)


class ProgressStage:
    def __init__(self, bar: ProgressBar, label: str) -> None:
        self.bar = bar
        self.label = label

    def __call__(self, done: int, total: int) -> None:
        finished = done >= total
        if not (self.bar.live or finished):
            return
        filled = WIDTH if total == 0 else WIDTH * done // total
        line = f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {done}/{total}"
        if self.bar.live:
            line = "\r" + line
        self.bar.stream.write(line + ("\n" if finished else ""))
        self.bar.stream.flush()
