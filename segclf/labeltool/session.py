"""A labeling session: the pages of a folder, the model's predictions, and the writes.

Each page has a source (the page as given) and a target in the output folder (its labeled
version, mirroring the source's place below its input folder). A page whose target
exists is reopened from the target, so its labels come back. Every label change is
written to the target at once, atomically (a `.partial` file renamed over it), marked
`draft`; "save" writes the same page marked `done`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from segclf.features import SiteRepetition
from segclf.labeled import LABELS
from segclf.labeltool.labelfile import LabelFile, labeled_bytes, open_label_file
from segclf.model import SegmentModel
from segclf.pages import find_html_files

# Blocks the model is less sure of than this are flagged for the person to check first.
CHECK_BELOW = 0.9
# ... and at least this many, least sure first, even on a page the model is sure of.
MIN_CHECK = 3
# Characters of block text sent to the side panel (the page itself shows all of it).
PREVIEW_CHARS = 160


@dataclass
class LabelingPage:
    """One page of the session: where it comes from and where its labels go."""

    source: Path
    target: Path
    opened: LabelFile | None = None
    predicted: list[str] = field(default_factory=list)
    probabilities: list[dict[str, float]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    review: str = "new"  # new (no labeled file yet), draft or done
    last_sequence: int = -1  # the newest change written: an older one arriving late is ignored

    @property
    def name(self) -> str:
        return self.source.name


def target_path(source: Path, roots: list[Path], output: Path) -> Path:
    """The labeled file of a page: its place below its input folder, inside `output`."""
    for root in roots:
        try:
            return output / source.resolve().relative_to(root.resolve())
        except ValueError:
            continue
    return output / source.name


def _is_earlier_output(path: Path, inputs: list[Path], output: Path) -> bool:
    """A labeled page found in an input folder because the output folder is inside it
    (`segclf label site/ -o site/labeled/`) is not a page to label a second time."""
    output = output.resolve()
    if path in inputs or output in (item.resolve() for item in inputs):
        return False  # named directly, or labeling in place
    return output in path.resolve().parents


def review_state(path: Path) -> str:
    """new, draft or done, read from a labeled file (a labeled page without the meta is done)."""
    if not path.exists():
        return "new"
    try:
        opened = open_label_file(path.read_bytes(), str(path))
    except Exception:  # a broken target is reopened from its source when the page is opened
        return "new"
    if opened.review in ("draft", "done"):
        return opened.review
    return "done" if opened.is_labeled else "new"


class LabelingSession:
    """The pages, the model and every write; safe to call from the server's threads."""

    def __init__(self, inputs: list[Path], output: Path, model: SegmentModel, site: str | None = None) -> None:
        roots = [path for path in inputs if path.is_dir()]
        self.output = output
        self.model = model
        self.site = site
        self.pages = [
            LabelingPage(source=path, target=target_path(path, roots, output))
            for path in find_html_files(inputs)
            if not _is_earlier_output(path, inputs, output)
        ]
        for page in self.pages:
            page.review = review_state(page.target)
        self._lock = threading.Lock()
        self._repetition: SiteRepetition | None = None

    def default_site(self, page: LabelingPage) -> str:
        """The site of a page that names none: --site, else its folder's name."""
        return self.site or page.source.resolve().parent.name or "site"

    def _open(self, page: LabelingPage) -> LabelFile:
        base = page.target if page.target.exists() else page.source
        try:
            return open_label_file(base.read_bytes(), str(base), site=self.default_site(page))
        except Exception:
            if base == page.source:
                raise
            # An unreadable target is replaced by a new labeling of its source.
            return open_label_file(page.source.read_bytes(), str(page.source), site=self.default_site(page))

    def _site_repetition(self) -> SiteRepetition:
        """Repeated text across the session's pages, as `segclf clean` counts it for a folder."""
        if self._repetition is None:
            repetition = SiteRepetition()
            for page in self.pages:
                try:
                    repetition.add((page.opened or self._open(page)).page)
                except Exception:
                    continue  # the page fails again, with its message, when it is opened
            self._repetition = repetition
        return self._repetition

    def page(self, index: int) -> LabelingPage:
        if not 0 <= index < len(self.pages):
            raise IndexError(f"no page {index}")
        page = self.pages[index]
        with self._lock:
            if page.opened is None:
                opened = self._open(page)
                repetition = self._site_repetition() if len(self.pages) > 1 else None
                labels, probabilities = self.model.predict_page(opened.page, repetition)
                page.predicted = labels
                page.probabilities = [
                    {name: round(float(p), 4) for name, p in zip(self.model.labels, row)} for row in probabilities
                ]
                # A labeled page keeps its labels; text no mark covers gets the model's guess.
                page.labels = [gold or guess for gold, guess in zip(opened.gold, labels)]
                page.opened = opened
        return page

    def summary(self) -> list[dict]:
        return [
            {"index": index, "name": page.name, "source": str(page.source), "target": str(page.target), "review": page.review}
            for index, page in enumerate(self.pages)
        ]

    def page_data(self, index: int) -> dict:
        """What the browser needs for one page: blocks, labels, predictions, what to check first."""
        page = self.page(index)
        opened = page.opened
        blocks = []
        for number, (block, label, predicted, probabilities) in enumerate(
            zip(opened.blocks, page.labels, page.predicted, page.probabilities)
        ):
            blocks.append(
                {
                    "index": number,
                    "text": block.text[:PREVIEW_CHARS],
                    "label": label,
                    "predicted": predicted,
                    "probability": probabilities[predicted],
                    "probabilities": probabilities,
                    "gold": opened.gold[number],
                }
            )
        # Least sure first; a block whose label in the file differs from the model's is checked too
        # (one of the two is wrong).
        ranked = sorted(blocks, key=lambda item: item["probability"])
        uncertain = [
            item
            for rank, item in enumerate(ranked)
            if item["probability"] < CHECK_BELOW or rank < MIN_CHECK or item["label"] != item["predicted"]
        ]
        return {
            "index": index,
            "name": page.name,
            "source": str(page.source),
            "target": str(page.target),
            "review": page.review,
            "encoding": opened.encoding,
            "site": opened.page.site,
            "labels": list(LABELS),
            "blocks": blocks,
            "check_first": [item["index"] for item in uncertain],
            "pages": len(self.pages),
        }

    def set_labels(self, index: int, labels: list[str], review: str = "draft", sequence: int | None = None) -> dict:
        """Write the page with these labels now; an older change arriving late is ignored."""
        page = self.page(index)
        with self._lock:
            if sequence is not None and sequence <= page.last_sequence:
                return {"written": False, "review": page.review, "target": str(page.target)}
            data = labeled_bytes(page.opened, labels, self.default_site(page), review)
            page.target.parent.mkdir(parents=True, exist_ok=True)
            partial = page.target.with_name(page.target.name + ".partial")
            partial.write_bytes(data)
            partial.replace(page.target)
            page.labels = list(labels)
            page.review = review
            if sequence is not None:
                page.last_sequence = sequence
        return {"written": True, "review": review, "target": str(page.target)}
