"""Second pass: a block's label read in the light of the first pass's labels around it.

The first pass labels each block from its own features and its neighbours' raw
features; it cannot see that a block sits between two confident article paragraphs,
or that the page's article ended three blocks ago. This stage turns the first pass's
probabilities into page-structure columns (neighbours' labels, the extent of the
confident body run, the page's share of body text) that a second classifier reads
together with a few of the block's own features.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from segclf.features import FEATURE_NAMES
from segclf.labeled import LABELS as LABEL_ORDER  # the probability columns' order

CONTEXT_SCHEMA_VERSION = 2
# Neighbours whose four probabilities are columns, and farther ones whose body probability is.
NEAR_OFFSETS = (-2, -1, 1, 2)
FAR_OFFSETS = (-5, -4, -3, 3, 4, 5)
BODY_WINDOWS = (2, 5, 15)
# A block counts as confident body for the run columns at this probability and length.
CONFIDENT_BODY = 0.5
CONFIDENT_TOKENS = 8
MAX_RUN_DISTANCE = 50
# The block's own first-pass features that the second pass sees again.
BASE_COLUMNS = (
    "log_tokens",
    "link_ratio",
    "punct_ratio",
    "text_density",
    "rel_position",
    "rel_char_position",
    "in_main_container",
    "main_container_share",
    "container0_share",
    "container1_share",
    "page_repeat",
    "site_repeat",
    "err_strong",
    "err_soft",
    "err_weak",
    "err_signature",
    "err_status_line",
    "err_pattern",
    "ad_phrase",
    "ad_host_ratio",
    "class_nav",
    "class_footer",
    "class_sidebar",
    "class_comment",
    "class_related",
    "class_ad",
    "class_body",
    "tag_p",
    "tag_li",
    "tag_h1",
    "tag_h",
)
_BASE_INDEX = [FEATURE_NAMES.index(name) for name in BASE_COLUMNS]
_LOG_TOKENS = FEATURE_NAMES.index("log_tokens")


def _context_names() -> tuple[str, ...]:
    names = [f"p_{label}" for label in LABEL_ORDER]
    names += [f"p{offset:+d}_{label}" for offset in NEAR_OFFSETS for label in LABEL_ORDER]
    names += [f"p{offset:+d}_body" for offset in FAR_OFFSETS]
    names += [f"window{radius}_body" for radius in BODY_WINDOWS]
    names += ["window5_body_tokens", "window3_max_error", "window3_max_ad"]
    names += ["page_max_body", "page_body_token_share", "page_mean_body", "block_share_of_body"]
    names += ["in_body_run", "log_blocks_since_body", "log_blocks_until_body", "body_run_share"]
    names += [f"own_{name}" for name in BASE_COLUMNS]
    return tuple(names)


CONTEXT_NAMES = _context_names()
CONTEXT_SCHEMA = {"version": CONTEXT_SCHEMA_VERSION, "columns": list(CONTEXT_NAMES)}


def _shift(values: np.ndarray, offset: int) -> np.ndarray:
    """values[i + offset] along the first axis, NaN beyond the page's ends."""
    shifted = np.full(values.shape, np.nan)
    if offset > 0:
        shifted[:-offset] = values[offset:]
    elif offset < 0:
        shifted[-offset:] = values[:offset]
    return shifted


def _window(values: np.ndarray, radius: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Mean of values over blocks i-radius..i+radius (weighted when weights are given)."""
    weights = np.ones(len(values)) if weights is None else weights
    cumulative_values = np.concatenate([[0.0], np.cumsum(values * weights)])
    cumulative_weights = np.concatenate([[0.0], np.cumsum(weights)])
    index = np.arange(len(values))
    low = np.clip(index - radius, 0, len(values))
    high = np.clip(index + radius + 1, 0, len(values))
    total = cumulative_weights[high] - cumulative_weights[low]
    return (cumulative_values[high] - cumulative_values[low]) / np.maximum(total, 1e-9)


def _window_max(values: np.ndarray, radius: int) -> np.ndarray:
    padded = np.concatenate([np.zeros(radius), values, np.zeros(radius)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * radius + 1)
    return windows.max(axis=1)


def _blocks_since(flags: np.ndarray) -> np.ndarray:
    """For each block, how many blocks back the last flagged block is (0 if it is one)."""
    index = np.arange(len(flags))
    last = np.maximum.accumulate(np.where(flags, index, -1))
    return np.where(last >= 0, index - last, MAX_RUN_DISTANCE).clip(max=MAX_RUN_DISTANCE)


def page_context(probabilities: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Second-pass columns (CONTEXT_NAMES) of one page's blocks."""
    count = len(probabilities)
    columns = np.zeros((count, len(CONTEXT_NAMES)))
    if count == 0:
        return columns
    body = probabilities[:, 0]
    tokens = np.expm1(features[:, _LOG_TOKENS])
    parts: list[np.ndarray] = [probabilities]
    parts += [_shift(probabilities, offset) for offset in NEAR_OFFSETS]
    parts += [_shift(body, offset)[:, None] for offset in FAR_OFFSETS]
    parts += [_window(body, radius)[:, None] for radius in BODY_WINDOWS]
    parts.append(_window(body, 5, tokens + 1.0)[:, None])
    parts.append(_window_max(probabilities[:, 2], 3)[:, None])
    parts.append(_window_max(probabilities[:, 3], 3)[:, None])

    page_tokens = max(float(tokens.sum()), 1.0)
    predicted_body = body >= 0.5
    body_tokens = float(tokens[predicted_body].sum())
    page = np.array(
        [
            body.max(),
            body_tokens / page_tokens,
            float((body * tokens).sum()) / page_tokens,
        ]
    )
    parts.append(np.broadcast_to(page, (count, 3)))
    parts.append((tokens * predicted_body / max(body_tokens, 1.0))[:, None])

    confident = (body >= CONFIDENT_BODY) & (tokens >= CONFIDENT_TOKENS)
    if confident.any():
        first, last = np.flatnonzero(confident)[[0, -1]]
        index = np.arange(count)
        in_run = (index >= first) & (index <= last)
        run_share = float(tokens[first : last + 1].sum()) / page_tokens
    else:
        in_run = np.zeros(count, dtype=bool)
        run_share = 0.0
    since = _blocks_since(confident)
    until = _blocks_since(confident[::-1])[::-1]
    parts += [in_run[:, None], np.log1p(since)[:, None], np.log1p(until)[:, None], np.full((count, 1), run_share)]
    parts.append(features[:, _BASE_INDEX])
    return np.hstack([np.asarray(part, dtype=float).reshape(count, -1) for part in parts])


def pages_context(probabilities: np.ndarray, features: np.ndarray, page_sizes: Sequence[int]) -> np.ndarray:
    """page_context over stacked pages (rows in page order, page_sizes blocks each)."""
    if not len(probabilities):
        return np.zeros((0, len(CONTEXT_NAMES)))
    bounds = np.concatenate([[0], np.cumsum(page_sizes)])
    return np.vstack(
        [page_context(probabilities[start:end], features[start:end]) for start, end in zip(bounds[:-1], bounds[1:])]
    )
