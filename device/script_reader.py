"""Scripted card reader: plays swipes from a text file, for tests and demos.

Provides ``ScriptReader`` and ``parse_script()``. The file holds one raw swipe text per line
(exactly what a reader would send, e.g. ``%B6001...^DOE/JANE^2512?;6001...=2512?``), plus
``sleep SECONDS`` lines to pause; blank lines and lines starting with ``#`` are skipped (``#``
is not a sentinel, so no swipe line starts with it). When the script ends the status becomes
"finished"; the reader thread then exits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from device.reader_base import EventCallback, ThreadedReader
from device.swipe import DecoderConfig, decode_swipe


@dataclass(frozen=True, slots=True)
class Sleep:
    """A pause in a script, in seconds."""

    seconds: float


def parse_script(text: str) -> list[str | Sleep]:
    """Parse a script into swipe texts and pauses.

    Raises:
        ValueError: for a malformed ``sleep`` line (naming the line number).
    """
    steps: list[str | Sleep] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("sleep"):
            try:
                seconds = float(stripped[len("sleep") :])
            except ValueError:
                raise ValueError(f"script line {number}: expected 'sleep SECONDS'") from None
            if not 0 <= seconds <= 3600:
                raise ValueError(f"script line {number}: sleep must be 0..3600 seconds")
            steps.append(Sleep(seconds))
        else:
            steps.append(line.rstrip("\r\n"))
    return steps


class ScriptReader(ThreadedReader):
    """Emits the swipes of a script file, decoded like a real reader's."""

    def __init__(
        self, path: str | Path, on_event: EventCallback, decoder: DecoderConfig | None = None
    ) -> None:
        super().__init__(f"script {path}", on_event)
        self.path = Path(path)
        self.decoder = decoder or DecoderConfig()

    def _run(self) -> None:
        try:
            steps = parse_script(self.path.read_text(encoding="utf-8", errors="replace"))
        except OSError as error:
            self._set_status(f"cannot read the script ({error.strerror or 'error'})")
            return
        except ValueError as error:
            self._set_status(str(error))
            return
        self._set_status("connected")
        for step in steps:
            if self._stop.is_set():
                return
            if isinstance(step, Sleep):
                self._stop.wait(step.seconds)
            else:
                self._emit(decode_swipe(step, self.decoder))
        self._set_status("finished")
