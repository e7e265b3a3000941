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

from segclf import __version__, early_exit
from segclf.blocks import Page
from segclf.context import CONTEXT_SCHEMA, LABEL_ORDER, pages_context
from segclf.features import FEATURE_NAMES, FEATURE_SCHEMA, SiteRepetition, page_features
from segclf.folds import is_augmented_copy, site_folds
from segclf.labeled import LABELS
from segclf.words import WORD_SCHEMA, WordModel, fit_word_model, page_bags

MODEL_FORMAT = "segclf-model"
MODEL_FORMAT_VERSION = 1
RANDOM_SEED = 13
# A block's training weight grows with its length (long blocks carry most of the text a
# reader keeps or loses) but is capped so one huge block cannot outweigh a page.
MAX_WEIGHT_TOKENS = 200
# How far each page's total weight is evened out: 0 leaves long pages (many blocks) to
# dominate, 1 gives every page the same total, as the page-averaged F1 users judge by
# does. Measured out of fold (2 folds by site, the corpora's train pages, real gold):
# mean page F1 .9269 at 0, .9290 at 0.5, .9276 at 1; readability_tests .900/.910/.918,
# the Chinese pages .873/.887/.886, the large corpora within +-.003.
PAGE_WEIGHT_POWER = 0.5
# Share of training pages shown to the model without cross-page repetition, so the model
# works both when a page is cleaned alone and when its site's pages come together.
SINGLE_PAGE_SHARE = 0.5
# Site-grouped folds for the out-of-fold first-pass probabilities the second pass learns from.
CONTEXT_FOLDS = 3
CONTEXT_ITERATIONS = 100
# Row subsampling for large training sets (see fitting_rows).
MIN_ROWS_TO_SUBSAMPLE = 200_000
NAV_ROW_SHARE = 0.4
COPY_ROW_SHARE = 0.15
# Body text at least this long is a sure article. The page verdict is `ok` with it however
# much error text sits beside it (the seed page: a full article between failed includes);
# shorter body text counts only when it outweighs the error text, since a soft-404's "try
# searching instead" line is no article. A page without a sure article and without error
# blocks takes its body at the model's lower fallback threshold, if it has one.
SURE_BODY_CHARS = 200
# Fewer training pages than this get no second pass: its folds would be too small to learn from.
MIN_SECOND_PASS_PAGES = 8
# Site-grouped folds for the out-of-fold word-model scores the trees learn from.
WORD_FOLDS = 3
_SITE_COLUMNS = [index for index, name in enumerate(FEATURE_NAMES) if name.endswith("site_repeat")]
_LOG_TOKENS = FEATURE_NAMES.index("log_tokens")


class ModelError(ValueError):
    """A model file that cannot be used; the message says why and what to do."""


def make_estimator(kind: str = "hgb") -> Any:
    """The classifier: gradient-boosted trees by default (chosen by measured CV accuracy).

    Predicting walks every tree for every block, so the number of trees is half of
    segclf's time per page. Fewer, larger trees were as accurate out of fold on real
    pages but moved the tuned body threshold and lost a Chinese test page: kept at 250
    rounds (docs/experiments.md, "Fewer, larger trees")."""
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


def make_context_estimator() -> Any:
    """The second pass: small trees over the first pass's page-structure columns."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(
        max_iter=CONTEXT_ITERATIONS,
        learning_rate=0.1,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        class_weight="balanced",
        early_stopping=False,
        random_state=RANDOM_SEED,
    )


def _fit(estimator: Any, x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> Any:
    """estimator.fit, with columns that hold no value at all (site repetition when every
    site has one page) set to 0: scikit-learn 1.9's gradient boosting fails to bin them."""
    empty = np.isnan(x).all(axis=0) if len(x) else np.zeros(x.shape[1], dtype=bool)
    if empty.any():
        x = x.copy()
        x[:, empty] = 0.0
    return estimator.fit(x, y, sample_weight=weights)


def _label_probabilities(
    estimator: Any, features: np.ndarray, labels: Sequence[str], exact: bool = False
) -> np.ndarray:
    """An estimator's probabilities with one column per label in `labels` order (absent: 0);
    blocks already sure after the first rounds stop there unless `exact` (segclf.early_exit)."""
    probabilities = np.zeros((features.shape[0], len(labels)))
    if features.shape[0] == 0:
        return probabilities
    raw = early_exit.predict_proba(estimator, features, exact=exact)
    for column, label in enumerate(estimator.classes_):
        probabilities[:, list(labels).index(str(label))] = raw[:, column]
    return probabilities


@dataclass
class SegmentModel:
    """A fitted block classifier and what is known about it.

    `estimator` labels blocks from their features; `context_estimator`, when present,
    relabels them from the first pass's probabilities around each block (segclf.context).
    """

    estimator: Any
    labels: tuple[str, ...] = LABELS
    metadata: dict[str, Any] = field(default_factory=dict)
    context_estimator: Any = None
    word_model: WordModel | None = None

    def page_matrix(self, page: Page, site_repetition: SiteRepetition | None = None) -> np.ndarray:
        """The columns this model reads for each block of a page: the features, and the
        word model's scores when it has one."""
        features = page_features(page, site_repetition)
        if self.word_model is None:
            return features
        return np.hstack([features, self.word_model.columns(page_bags(page))])

    def predict_proba(
        self, features: np.ndarray, page_sizes: Sequence[int] | None = None, exact: bool = False
    ) -> np.ndarray:
        """Probabilities with one column per label in LABELS order (absent classes get 0).
        Blocks sure after the first rounds keep those probabilities unless `exact`
        (segclf.early_exit).

        With a second pass, rows must be whole pages in order: `page_sizes` gives their
        block counts (all rows are one page when it is None).
        """
        probabilities = _label_probabilities(self.estimator, features, self.labels, exact)
        if self.context_estimator is None or features.shape[0] == 0:
            return probabilities
        sizes = [features.shape[0]] if page_sizes is None else page_sizes
        first = self._in_label_order(probabilities)
        second = self._in_label_order(
            _label_probabilities(self.context_estimator, pages_context(first, features, sizes), self.labels, exact)
        )
        # The second pass decides body or not (what page structure tells best); the first
        # pass, which reads the block's own markers, splits the rest among nav, error, ad.
        rest = np.clip(1.0 - first[:, 0], 1e-9, None)
        blended = first * ((1.0 - second[:, 0]) / rest)[:, None]
        blended[:, 0] = second[:, 0]
        ordered = np.zeros_like(probabilities)
        for column, label in enumerate(self.labels):
            ordered[:, column] = blended[:, LABEL_ORDER.index(label)]
        return ordered

    def _in_label_order(self, probabilities: np.ndarray) -> np.ndarray:
        """Columns rearranged to segclf.context's LABEL_ORDER (a model may know fewer labels)."""
        ordered = np.zeros((len(probabilities), len(LABEL_ORDER)))
        for column, label in enumerate(self.labels):
            ordered[:, LABEL_ORDER.index(label)] = probabilities[:, column]
        return ordered

    def predict_page(self, page: Page, site_repetition: SiteRepetition | None = None) -> tuple[list[str], np.ndarray]:
        """Labels and label probabilities for each block of one page."""
        return self.predict_pages([page], site_repetition)[0]

    def predict_pages(
        self, pages: Sequence[Page], site_repetition: SiteRepetition | None = None
    ) -> list[tuple[list[str], np.ndarray]]:
        """Labels and probabilities for many pages in one predict call.

        A gradient-boosted model pays a fixed cost per tree on every call, so pages are
        classified together, not one by one.
        """
        matrices = [self.page_matrix(page, site_repetition) for page in pages]
        if not matrices:
            return []
        probabilities = self.predict_proba(np.vstack(matrices), [len(matrix) for matrix in matrices])
        results, start = [], 0
        for page, matrix in zip(pages, matrices):
            rows = probabilities[start : start + len(matrix)]
            start += len(matrix)
            block_chars = [len(block.text) for block in page.blocks] if self.body_fallback is not None else None
            results.append((decide_labels(rows, self.labels, self.body_threshold, self.body_fallback, block_chars), rows))
        return results

    @property
    def body_fallback(self) -> float | None:
        """The lower body threshold for a page with no sure article and no error block
        (None: no fallback). Set by `segclf train --tune-threshold` (segclf.threshold)."""
        value = self.metadata.get("body_fallback")
        return None if value is None or self.body_threshold is None else float(value)

    @property
    def body_threshold(self) -> float | None:
        """The body probability a block needs to be body (None: the most probable label wins).

        Set by `segclf train --tune-threshold` from cross-validated page F1 (segclf.threshold)."""
        value = self.metadata.get("body_threshold")
        return None if value is None else float(value)


def decide_labels(
    probabilities: np.ndarray,
    labels: Sequence[str],
    body_threshold: float | None = None,
    body_fallback: float | None = None,
    block_chars: Sequence[int] | None = None,
) -> list[str]:
    """One page's block labels: the most probable one or, with a body threshold, body when
    its probability reaches the threshold and otherwise the most probable of the other labels.

    With a fallback threshold (and the blocks' lengths), a page left without a sure
    article (under SURE_BODY_CHARS of body) and without error blocks takes its body at the
    lower threshold instead: a short post whose paragraphs all sit just under the threshold
    is still an article, while an error page keeps its verdict."""
    if body_threshold is None or "body" not in labels or len(probabilities) == 0:
        return [labels[i] for i in probabilities.argmax(axis=1)]
    body = list(labels).index("body")
    others = probabilities.copy()
    others[:, body] = -1.0
    chosen = np.where(probabilities[:, body] >= body_threshold, body, others.argmax(axis=1))
    if body_fallback is not None and block_chars is not None:
        if len(block_chars) != len(chosen):
            raise ValueError(f"{len(block_chars)} block lengths for {len(chosen)} blocks")
        error = list(labels).index("error") if "error" in labels else -1
        body_chars = int(np.asarray(block_chars)[chosen == body].sum())
        if body_chars < SURE_BODY_CHARS and not (chosen == error).any():
            chosen = np.where(probabilities[:, body] >= body_fallback, body, chosen)
    return [labels[i] for i in chosen]


def training_matrix(
    pages: Sequence[Page],
    labels: Sequence[Sequence[str | None]],
    seed: int = RANDOM_SEED,
    page_weight_power: float = PAGE_WEIGHT_POWER,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Features, labels and weights of every labeled block (unlabeled blocks are left out),
    and the index of the page each row comes from."""
    repetition = SiteRepetition.from_pages(pages)
    rng = np.random.default_rng(seed)
    features, targets, page_rows = [], [], []
    for index, (page, page_labels) in enumerate(zip(pages, labels)):
        matrix = page_features(page, repetition)
        if rng.random() < SINGLE_PAGE_SHARE:
            matrix[:, _SITE_COLUMNS] = np.nan
        keep = [i for i, label in enumerate(page_labels) if label is not None]
        features.append(matrix[keep])
        targets.extend(page_labels[i] for i in keep)
        page_rows.append(np.full(len(keep), index))
    x = np.vstack(features) if features else np.zeros((0, len(FEATURE_NAMES)))
    y = np.array(targets, dtype=object)
    tokens = np.expm1(x[:, _LOG_TOKENS]) if len(x) else np.zeros(0)
    rows_page = np.concatenate(page_rows) if page_rows else np.zeros(0, dtype=int)
    weights = even_out_pages(np.sqrt(np.clip(tokens, 1, MAX_WEIGHT_TOKENS)), rows_page, len(pages), page_weight_power)
    return x, y, weights, rows_page


def even_out_pages(weights: np.ndarray, rows_page: np.ndarray, pages: int, power: float = PAGE_WEIGHT_POWER) -> np.ndarray:
    """Block weights scaled so each page's total moves toward the mean page total
    (fully at power 1), then to a mean of 1: a page of 2,000 blocks no longer outweighs
    forty short article pages."""
    if len(weights) == 0 or power == 0:
        return weights
    totals = np.bincount(rows_page, weights=weights, minlength=pages)
    mean_total = totals[totals > 0].mean()
    scaled = weights * (totals[rows_page] / mean_total) ** (-power)
    return scaled * (len(scaled) / scaled.sum())


def fitting_rows(
    pages: Sequence[Page], y: np.ndarray, rows_page: np.ndarray, seed: int = RANDOM_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Which training rows the classifiers are fitted on, and each kept row's weight factor.

    On large training sets most rows say little new: nav blocks are three quarters of
    all blocks and much alike, and a training copy from `segclf augment` repeats its
    original block for block except the injected error fragments. Keeping a share of
    those (weighted up by its inverse) cuts fitting time about threefold. Small sets
    (a user's own pages) are used whole.
    """
    everything = np.ones(len(y), dtype=bool), np.ones(len(y))
    if len(y) < MIN_ROWS_TO_SUBSAMPLE:
        return everything
    copy = np.array([is_augmented_copy(page) for page in pages], dtype=bool)
    share = np.where(y == "nav", NAV_ROW_SHARE, 1.0)
    share = np.where(copy[rows_page] & (y != "error"), np.minimum(share, COPY_ROW_SHARE), share)
    keep = np.random.default_rng(seed).random(len(y)) < share
    return keep, 1.0 / share


def _out_of_fold_probabilities(
    pages: Sequence[Page],
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    rows_page: np.ndarray,
    kind: str,
    keep: np.ndarray,
) -> np.ndarray | None:
    """First-pass probabilities of every training block from a model that never saw its site.

    The second pass must learn from the first pass's mistakes on unseen sites; trained
    on in-sample probabilities it would learn to trust a first pass that has memorised
    its training pages. None when there are too few sites to split.
    """
    folds = site_folds(pages, CONTEXT_FOLDS)
    if len(folds) < CONTEXT_FOLDS or len(pages) < MIN_SECOND_PASS_PAGES:
        return None
    probabilities = np.zeros((len(x), len(LABELS)))
    for held_out in folds:
        held = np.isin(rows_page, held_out)
        train = keep & ~held
        if not held.any() or len(set(y[train])) < 2:
            return None
        estimator = _fit(make_estimator(kind), x[train], y[train], weights[train])
        probabilities[held] = _label_probabilities(estimator, x[held], LABELS)
    return probabilities


def _word_model_and_columns(
    pages: Sequence[Page],
    labels: Sequence[Sequence[str | None]],
    y: np.ndarray,
    weights: np.ndarray,
    rows_page: np.ndarray,
    keep: np.ndarray,
) -> tuple[WordModel, np.ndarray] | None:
    """The word model fitted on every kept row, and for every row the scores of a word
    model that never saw its site (what the trees must learn to trust). None when the
    pages come from too few sites to split.

    Error blocks are left out of its training, so its error column is 0: the training
    copies inject the same fragment families into every site, so folds by site would
    not hide a family's wording, and trees that trusted the word model's error score
    let three times as many error blocks of held-out families into the body
    (benchmarks/error_leaks.py: 2,247 against 745). Errors are told by the lexicon's
    phrases and patterns, which were written to generalise."""
    folds = site_folds(pages, WORD_FOLDS)
    if len(folds) < 2:
        return None
    kept = (
        bag
        for page, page_labels in zip(pages, labels)
        for bag, label in zip(page_bags(page), page_labels)
        if label is not None
    )
    bags = np.fromiter(kept, dtype=object, count=len(y))  # one list per row, never stacked
    learn = keep & (y != "error")
    columns = np.zeros((len(y), len(LABELS)))
    for held_out in folds:
        held = np.isin(rows_page, held_out)
        train = learn & ~held
        if len(set(y[train])) < 2:
            return None
        columns[held] = fit_word_model(bags[train], y[train], weights[train], LABELS).columns(bags[held])
    return fit_word_model(bags[learn], y[learn], weights[learn], LABELS), columns


def fit_model(
    pages: Sequence[Page],
    labels: Sequence[Sequence[str | None]],
    kind: str = "hgb",
    trained_on: dict[str, Any] | None = None,
    second_pass: bool = False,
    subsample: bool = False,
    page_weight_power: float = PAGE_WEIGHT_POWER,
    words: bool = False,
) -> SegmentModel:
    """Fit a model on labeled pages: the block classifier, then with second_pass (and
    enough sites) the second pass on its out-of-fold predictions; with subsample, large
    sets are fitted on the rows fitting_rows keeps.

    Both are off by default: on the corpora's test splits they helped cleaneval and
    cleanportaleval but cost readability_tests and the Chinese pages (issue 3 notes)."""
    x, y, weights, rows_page = training_matrix(pages, labels, page_weight_power=page_weight_power)
    if len(set(y)) < 2:
        raise ValueError("training needs blocks of at least two different labels")
    keep, factor = fitting_rows(pages, y, rows_page) if subsample else (np.ones(len(y), dtype=bool), np.ones(len(y)))
    weights = weights * factor
    word_model = None
    if words:
        fitted = _word_model_and_columns(pages, labels, y, weights, rows_page, keep)
        if fitted is not None:
            word_model, columns = fitted
            x = np.hstack([x, columns])
    estimator = _fit(make_estimator(kind), x[keep], y[keep], weights[keep])
    context_estimator = None
    if second_pass:
        out_of_fold = _out_of_fold_probabilities(pages, x, y, weights, rows_page, kind, keep)
        if out_of_fold is not None:
            # Context columns come from whole pages; only then are rows left out.
            sizes = np.bincount(rows_page, minlength=len(pages))
            context = pages_context(out_of_fold, x, sizes[sizes > 0])
            context_estimator = _fit(make_context_estimator(), context[keep], y[keep], weights[keep])
    return SegmentModel(
        estimator=estimator,
        context_estimator=context_estimator,
        word_model=word_model,
        metadata={
            "kind": kind,
            "second_pass": context_estimator is not None,
            "word_model": word_model is not None,
            "trained_on": trained_on or {},
            "pages": len(pages),
            "blocks": int(len(y)),
            "fitted_rows": int(keep.sum()),
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
        "context_schema": CONTEXT_SCHEMA if model.context_estimator is not None else None,
        "context_estimator": model.context_estimator,
        "word_schema": WORD_SCHEMA if model.word_model is not None else None,
        "word_model": model.word_model,
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
    if payload.get("context_estimator") is not None and payload.get("context_schema") != CONTEXT_SCHEMA:
        raise ModelError(
            f"{path}: its second pass reads context schema {(payload.get('context_schema') or {}).get('version')} "
            f"but this segclf computes schema {CONTEXT_SCHEMA['version']}; retrain it with `segclf train`"
        )
    if payload.get("word_model") is not None and payload.get("word_schema") != WORD_SCHEMA:
        raise ModelError(
            f"{path}: its word model reads word schema {(payload.get('word_schema') or {}).get('version')} "
            f"but this segclf computes schema {WORD_SCHEMA['version']}; retrain it with `segclf train`"
        )
    labels = tuple(payload.get("labels", ()))
    if not set(labels) <= set(LABELS) or not labels:
        raise ModelError(f"{path}: unknown label set {labels}; retrain it with `segclf train`")
    metadata = dict(payload.get("metadata", {}))
    metadata["versions"] = versions
    return SegmentModel(
        estimator=payload["estimator"],
        labels=labels,
        metadata=metadata,
        context_estimator=payload.get("context_estimator"),
        word_model=payload.get("word_model"),
    )
