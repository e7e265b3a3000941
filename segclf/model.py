"""The learned part: fit a block classifier, predict labels, save and load it with checks.

A saved model is a joblib file (a pickle: load only files from a trusted source) holding
the fitted scikit-learn estimator and the metadata needed to refuse it when it would
silently misbehave: the feature schema, the label set, and the versions it was made with.
"""

from __future__ import annotations

import hashlib
import platform
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from segclf import __version__
from segclf.blocks import Page
from segclf.features import FEATURE_NAMES, FEATURE_SCHEMA, SiteRepetition, page_features
from segclf.labeled import LABELS

MODEL_FORMAT = "segclf-model"
MODEL_FORMAT_VERSION = 1
RANDOM_SEED = 13
# A block's training weight grows with its length (long blocks carry most of the text a
# reader keeps or loses) but is capped so one huge block cannot outweigh a page.
MAX_WEIGHT_TOKENS = 200
# Share of training pages shown to the model without cross-page repetition, so the model
# works both when a page is cleaned alone and when its site's pages come together.
SINGLE_PAGE_SHARE = 0.5
_SITE_COLUMNS = [index for index, name in enumerate(FEATURE_NAMES) if name.endswith("site_repeat")]
_LOG_TOKENS = FEATURE_NAMES.index("log_tokens")


class ModelError(ValueError):
    """A model file that cannot be used; the message says why and what to do."""


def make_estimator(kind: str = "hgb") -> Any:
    """The classifier: gradient-boosted trees by default (chosen by measured CV accuracy)."""
    if kind == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=250,
            learning_rate=0.08,
            max_leaf_nodes=31,
            min_samples_leaf=10,
            l2_regularization=1.0,
            class_weight="balanced",
            early_stopping=False,
            random_state=RANDOM_SEED,
        )
    if kind == "forest":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(
            n_estimators=300,
            min_samples_leaf=2,
            class_weight="balanced",
            n_jobs=1,
            random_state=RANDOM_SEED,
        )
    raise ValueError(f"unknown model kind {kind!r} (use hgb or forest)")


@dataclass
class SegmentModel:
    """A fitted block classifier and what is known about it."""

    estimator: Any
    labels: tuple[str, ...] = LABELS
    metadata: dict[str, Any] = field(default_factory=dict)

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Probabilities with one column per label in LABELS order (absent classes get 0)."""
        probabilities = np.zeros((features.shape[0], len(self.labels)))
        if features.shape[0] == 0:
            return probabilities
        raw = self.estimator.predict_proba(features)
        for column, label in enumerate(self.estimator.classes_):
            probabilities[:, self.labels.index(str(label))] = raw[:, column]
        return probabilities

    def predict_page(self, page: Page, site_repetition: SiteRepetition | None = None) -> tuple[list[str], np.ndarray]:
        """Labels and label probabilities for each block of one page."""
        return self.predict_pages([page], site_repetition)[0]

    def predict_pages(
        self, pages: Sequence[Page], site_repetition: SiteRepetition | None = None
    ) -> list[tuple[list[str], np.ndarray]]:
        """Labels and probabilities for many pages in one predict call.

        A gradient-boosted model pays a fixed cost per tree on every call (about 75 ms for
        the shipped model), so pages are classified together, not one by one.
        """
        matrices = [page_features(page, site_repetition) for page in pages]
        if not matrices:
            return []
        probabilities = self.predict_proba(np.vstack(matrices))
        results, start = [], 0
        for matrix in matrices:
            rows = probabilities[start : start + len(matrix)]
            start += len(matrix)
            results.append(([self.labels[i] for i in rows.argmax(axis=1)], rows))
        return results


def training_matrix(
    pages: Sequence[Page], labels: Sequence[Sequence[str | None]], seed: int = RANDOM_SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and weights of every labeled block (unlabeled blocks are left out)."""
    repetition = SiteRepetition.from_pages(pages)
    rng = np.random.default_rng(seed)
    features, targets = [], []
    for page, page_labels in zip(pages, labels):
        matrix = page_features(page, repetition)
        if rng.random() < SINGLE_PAGE_SHARE:
            matrix[:, _SITE_COLUMNS] = np.nan
        keep = [i for i, label in enumerate(page_labels) if label is not None]
        features.append(matrix[keep])
        targets.extend(page_labels[i] for i in keep)
    x = np.vstack(features) if features else np.zeros((0, len(FEATURE_NAMES)))
    y = np.array(targets, dtype=object)
    tokens = np.expm1(x[:, _LOG_TOKENS]) if len(x) else np.zeros(0)
    weights = np.sqrt(np.clip(tokens, 1, MAX_WEIGHT_TOKENS))
    return x, y, weights


def fit_model(
    pages: Sequence[Page],
    labels: Sequence[Sequence[str | None]],
    kind: str = "hgb",
    trained_on: dict[str, Any] | None = None,
) -> SegmentModel:
    """Fit a model on labeled pages."""
    x, y, weights = training_matrix(pages, labels)
    if len(set(y)) < 2:
        raise ValueError("training needs blocks of at least two different labels")
    estimator = make_estimator(kind)
    estimator.fit(x, y, sample_weight=weights)
    return SegmentModel(
        estimator=estimator,
        metadata={
            "kind": kind,
            "trained_on": trained_on or {},
            "pages": len(pages),
            "blocks": int(len(y)),
            "label_counts": {label: int((y == label).sum()) for label in LABELS},
            "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
    )


def current_versions() -> dict[str, str]:
    import joblib
    import sklearn

    return {
        "segclf": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def _minor(version: str | None) -> str:
    """Major.minor: scikit-learn keeps pickles loadable within a minor series."""
    return ".".join((version or "?").split(".")[:2])


def save_model(model: SegmentModel, path: Path) -> str:
    """Write the model and its metadata; returns the file's SHA-256."""
    import joblib

    payload = {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "versions": current_versions(),
        "feature_schema": FEATURE_SCHEMA,
        "labels": list(model.labels),
        "metadata": model.metadata,
        "estimator": model.estimator,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".partial")
    joblib.dump(payload, temporary, compress=3)
    temporary.replace(path)  # never leave a half-written model under the real name
    digest = file_sha256(path)
    checksum_path(path).write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return digest


def checksum_path(path: Path) -> Path:
    """The SHA-256 file written beside every saved model and checked when it loads."""
    return path.with_name(path.name + ".sha256")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_model(path: Path, expected_sha256: str | None = None) -> SegmentModel:
    """Load a model file, refusing files that are corrupt, foreign or made for other code."""
    import joblib

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    if expected_sha256 is None and checksum_path(path).is_file():
        expected_sha256 = checksum_path(path).read_text(encoding="utf-8").split()[0]
    if expected_sha256 is not None and file_sha256(path) != expected_sha256:
        raise ModelError(
            f"{path}: SHA-256 does not match the checksum recorded beside it; the file is damaged "
            "or was replaced: restore it (git checkout) or retrain it (see models/README.md)"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn's version warning: we check ourselves
            payload = joblib.load(path)
    except Exception as exc:  # joblib/pickle raise many types on a damaged file
        raise ModelError(
            f"{path}: not a readable model file ({type(exc).__name__}); it is truncated or corrupt: retrain it with `segclf train`"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != MODEL_FORMAT:
        raise ModelError(f"{path}: not a segclf model (a joblib file made by something else); train one with `segclf train`")
    versions = payload.get("versions", {})
    current = current_versions()
    if payload.get("format_version") != MODEL_FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {payload.get('format_version')} but this segclf reads format {MODEL_FORMAT_VERSION}; retrain it"
        )
    if payload.get("feature_schema") != FEATURE_SCHEMA:
        raise ModelError(
            f"{path}: made with feature schema {payload.get('feature_schema', {}).get('version')} "
            f"(segclf {versions.get('segclf')}) but this segclf computes schema {FEATURE_SCHEMA['version']}; "
            "retrain it with `segclf train`"
        )
    if _minor(versions.get("scikit-learn")) != _minor(current["scikit-learn"]):
        raise ModelError(
            f"{path}: made with scikit-learn {versions.get('scikit-learn')} but {current['scikit-learn']} is installed; "
            f"install scikit-learn=={versions.get('scikit-learn')} or retrain it with `segclf train`"
        )
    labels = tuple(payload.get("labels", ()))
    if not set(labels) <= set(LABELS) or not labels:
        raise ModelError(f"{path}: unknown label set {labels}; retrain it with `segclf train`")
    metadata = dict(payload.get("metadata", {}))
    metadata["versions"] = versions
    return SegmentModel(estimator=payload["estimator"], labels=labels, metadata=metadata)
