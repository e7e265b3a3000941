"""Page -> labeled blocks: run the model over a page and decide the page's verdict."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from segclf.blocks import Block, Page
from segclf.features import SiteRepetition
from segclf.model import SURE_BODY_CHARS, SegmentModel, load_model
from segclf.plaintext import plain_text_labels

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "models" / "segclf-default.joblib"
MODEL_ENVIRONMENT_VARIABLE = "SEGCLF_MODEL"
# A page whose body holds fewer characters than this has, for the verdict, no body.
MIN_BODY_CHARS = 20


@dataclass
class LabeledBlock:
    """A block with the label the model gave it."""

    block: Block
    label: str
    probability: float
    probabilities: dict[str, float]

    @property
    def text(self) -> str:
        return self.block.text


@dataclass
class CleanedPage:
    page: Page
    blocks: list[LabeledBlock]

    @property
    def verdict(self) -> str:
        """`ok` (body found), `error` (error blocks and no body) or `empty`."""
        body_chars = sum(len(b.text) for b in self.blocks if b.label == "body")
        error_chars = sum(len(b.text) for b in self.blocks if b.label == "error")
        if body_chars >= SURE_BODY_CHARS or (body_chars >= MIN_BODY_CHARS and body_chars > error_chars):
            return "ok"
        if error_chars:
            return "error"
        return "empty"

    def text(self, keep: tuple[str, ...] = ("body",)) -> str:
        return "\n".join(b.text for b in self.blocks if b.label in keep)

    def label_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for b in self.blocks:
            counts[b.label] = counts.get(b.label, 0) + 1
        return counts


def default_model_path() -> Path:
    override = os.environ.get(MODEL_ENVIRONMENT_VARIABLE)
    return Path(override) if override else DEFAULT_MODEL_PATH


@lru_cache(maxsize=4)
def _cached_model(path: str) -> SegmentModel:
    return load_model(Path(path))


def resolve_model(model: SegmentModel | str | Path | None) -> SegmentModel:
    """A model object as given, or loaded (once per process) from a path or the default."""
    if isinstance(model, SegmentModel):
        return model
    return _cached_model(str(Path(model) if model is not None else default_model_path()))


def label_page(page: Page, model: SegmentModel, site_repetition: SiteRepetition | None = None) -> CleanedPage:
    return label_pages([page], model, site_repetition)[0]


def label_pages(
    pages: list[Page], model: SegmentModel, site_repetition: SiteRepetition | None = None
) -> list[CleanedPage]:
    """Label many pages with one model call (much faster per page than one call each)."""
    return [
        _cleaned(page, model, labels, probabilities)
        for page, (labels, probabilities) in zip(pages, model.predict_pages(pages, site_repetition))
    ]


def page_labels(page: Page, model_labels: list[str]) -> list[str]:
    """The labels `clean` gives a page's blocks: the model's, except on plain text, where
    body or nav is decided without markup (segclf/plaintext.py)."""
    if page.plain_text:
        return plain_text_labels([block.text for block in page.blocks], model_labels)
    return model_labels


def _cleaned(page: Page, model: SegmentModel, labels: list[str], probabilities: np.ndarray) -> CleanedPage:
    labels = page_labels(page, labels)
    names = model.labels
    column = {name: index for index, name in enumerate(names)}
    blocks = [
        LabeledBlock(
            block=block,
            label=label,
            probability=row[column[label]],  # the given label's, not the largest
            probabilities=dict(zip(names, row)),
        )
        # tolist(): Python floats for the whole page at once, not one float() per cell
        for block, label, row in zip(page.blocks, labels, probabilities.tolist())
    ]
    return CleanedPage(page=page, blocks=blocks)
