"""A progress bar for tiled prediction that shows patches per second (rich)."""
import sys
import time


class PatchProgress:
    """``with PatchProgress(total) as bar: bar.advance(done, skipped)``.

    Shows windows done out of ``total``, patches per second (patches run through the model
    over wall time), skipped nodata windows, elapsed and remaining time. Disabled, it costs
    nothing; when stdout is not a terminal it prints a line to stderr every ``log_every``
    seconds instead.

    Args:
        total: number of windows.
        enabled: show anything at all.
        log_every: seconds between lines when the output is not a terminal.
    """

    def __init__(self, total: int, enabled: bool = True, log_every: float = 10.0):
        self.total, self.enabled, self.log_every = int(total), enabled, log_every
        self.done = self.run = self.skipped = 0
        self._progress = self._task = None
        self._t0 = self._last = 0.0

    def __enter__(self):
        self._t0 = self._last = time.perf_counter()
        if self.enabled and sys.stdout.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
                TimeRemainingColumn

            self._progress = Progress(TextColumn("windows"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.fields[speed]:.2f} patches/s"),
                                      TextColumn("{task.fields[skipped]} nodata"), TimeElapsedColumn(),
                                      TimeRemainingColumn())
            self._progress.start()
            self._task = self._progress.add_task("windows", total=self.total, speed=0.0, skipped=0)
        return self

    @property
    def speed(self) -> float:
        """Patches run per second so far."""
        return self.run / max(time.perf_counter() - self._t0, 1e-9)

    def advance(self, run: int, skipped: int = 0) -> None:
        """``run`` windows went through the model and ``skipped`` held no data."""
        self.run += run
        self.skipped += skipped
        self.done += run + skipped
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done, speed=self.speed, skipped=self.skipped)
        elif self.enabled and (time.perf_counter() - self._last >= self.log_every or self.done == self.total):
            self._last = time.perf_counter()
            print(f"windows {self.done}/{self.total}, {self.speed:.2f} patches/s, {self.skipped} nodata, "
                  f"{self._last - self._t0:.0f} s", file=sys.stderr, flush=True)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()
        return False
