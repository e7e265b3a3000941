"""Cleaned results -> files, written so that a killed run leaves nothing half-written.

Every file is first written as `NAME.partial` and renamed when complete; a rename is
atomic, so a name without `.partial` always holds a whole output. A resumed run learns
what is done from the outputs themselves: the files that exist (a folder of outputs) or
the `id` of each complete line (JSON Lines).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from segclf.batch import CleanResult

PARTIAL_SUFFIX = ".partial"


class OverwriteError(ValueError):
    """An output would replace one of the inputs."""


def partial_path(target: Path) -> Path:
    return target.with_name(target.name + PARTIAL_SUFFIX)


def write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = partial_path(target)
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(target)


class InputGuard:
    """Refuses output paths that are inputs (resolved, so `./a.html` and `a.html` match)."""

    def __init__(self, inputs: Iterable[Path]) -> None:
        self._inputs = {path.resolve() for path in inputs}

    def check(self, target: Path) -> None:
        for path in (target, partial_path(target)):
            if path.resolve() in self._inputs:
                raise OverwriteError(f"refusing to overwrite the input {path}")


class FolderOutput:
    """One file per page below OUT, mirroring each page's place below its input folder."""

    def __init__(self, folder: Path, roots: list[Path], suffix: str, guard: InputGuard, resume: bool) -> None:
        self.folder, self.roots, self.suffix, self.guard, self.resume = folder, roots, suffix, guard, resume

    def target_of(self, key: str) -> Path:
        source = Path(key)
        for root in self.roots:
            try:
                return self.folder / source.relative_to(root).with_suffix(self.suffix)
            except ValueError:
                continue
        return self.folder / (source.stem + self.suffix)

    def open(self, keys: Iterable[str]) -> set[str]:
        """Start writing; returns the keys already done (resume: their file exists)."""
        return {key for key in keys if self.target_of(key).exists()} if self.resume else set()

    def write(self, result: CleanResult) -> None:
        target = self.target_of(result.key)
        self.guard.check(target)
        write_atomically(target, (result.rendered or "") + "\n")

    def finish(self) -> None:
        return None

    def abandon(self) -> None:
        return None

    dropped_bytes = 0


class JsonlOutput:
    """One JSON line per page in OUT.jsonl, appended to OUT.jsonl.partial until the run ends.

    Lines are flushed as they are written; a line cut short by a killed process is dropped
    when the run is resumed, so the partial file always ends with whole records.
    """

    def __init__(self, target: Path, guard: InputGuard, resume: bool) -> None:
        guard.check(target)
        self.target = target
        self.partial = partial_path(target)
        self.resume = resume
        self.dropped_bytes = 0
        self._done: set[str] = set()
        self._handle: TextIO | None = None

    def open(self, keys: Iterable[str] = ()) -> set[str]:
        """Start writing; returns the ids already written (resume) so they are not redone."""
        self.target.parent.mkdir(parents=True, exist_ok=True)
        if self.resume and not self.partial.exists() and self.target.exists():
            self.target.replace(self.partial)  # go on from a finished run: add to it
        if self.resume and self.partial.exists():
            self._done, self.dropped_bytes = _whole_records(self.partial)
            self._handle = self.partial.open("a", encoding="utf-8")
        else:
            self._handle = self.partial.open("w", encoding="utf-8")
        return set(self._done)

    def write(self, result: CleanResult) -> None:
        assert self._handle is not None, "open() first"
        self._handle.write(json.dumps(result.record(), ensure_ascii=False) + "\n")
        self._handle.flush()

    def finish(self) -> None:
        """Close and give the output its real name."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self.partial.replace(self.target)

    def abandon(self) -> None:
        """Close, keeping the partial file for a resumed run."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class StreamOutput:
    """JSON lines to a stream (standard output): nothing to resume, nothing to rename."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.dropped_bytes = 0

    def open(self, keys: Iterable[str] = ()) -> set[str]:
        return set()

    def write(self, result: CleanResult) -> None:
        self.stream.write(json.dumps(result.record(), ensure_ascii=False) + "\n")
        self.stream.flush()

    def finish(self) -> None:
        return None

    def abandon(self) -> None:
        return None


def _whole_records(path: Path) -> tuple[set[str], int]:
    """Ids of the complete records in a JSON Lines file, cut back to the last of them."""
    done: set[str] = set()
    good_end = 0
    with path.open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            try:
                done.add(json.loads(line)["id"])
            except (ValueError, KeyError, TypeError):
                break
            good_end += len(line)
    size = path.stat().st_size
    if good_end < size:
        with path.open("r+b") as handle:
            handle.truncate(good_end)
    return done, size - good_end


def write_errors(path: Path, failures: list[str]) -> None:
    """The failed pages, one `name<TAB>reason` line each."""
    write_atomically(path, "".join(line + "\n" for line in failures))
