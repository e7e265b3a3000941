"""A model's card (models/README.md): what it was trained on, when, with what, how well."""

from __future__ import annotations

from segclf.model import SURE_BODY_CHARS, SegmentModel


def _body_decision(meta: dict) -> str:
    threshold = meta.get("body_threshold")
    if threshold is None:
        return "the most probable label wins"
    tried = meta.get("body_threshold_cv_f1", {})
    at = f" (cross-validated mean page body F1 {tried[threshold]:.4f})" if threshold in tried else ""
    decision = (
        f"a block is body when its body probability is at least {threshold:.2f}{at}, chosen by "
        "`--tune-threshold` from the thresholds "
        + ", ".join(f"{value:.2f}" for value in tried)
        + " (segclf/threshold.py); otherwise its most probable other label"
    )
    fallback, fallback_tried = meta.get("body_fallback"), meta.get("body_fallback_cv_f1") or {}
    if fallback is not None:
        gain = f" (cross-validated mean page body F1 {fallback_tried[fallback]:.4f})" if fallback in fallback_tried else ""
        decision += (
            f". A page left with under {SURE_BODY_CHARS} characters of body and no error block takes "
            f"its body at {fallback:.2f} instead{gain}"
        )
    elif fallback_tried:
        decision += ". No fallback threshold: none of " + ", ".join(f"{value:.2f}" for value in fallback_tried) + " paid"
    return decision


def classifier_size(estimator: object) -> str:
    """How big the fitted classifier is: what its prediction time grows with."""
    rounds = getattr(estimator, "n_iter_", None)
    if rounds is not None:  # gradient boosting: one tree per round and label
        params = estimator.get_params()  # type: ignore[attr-defined]
        trees = rounds * estimator.n_trees_per_iteration_  # type: ignore[attr-defined]
        return (
            f"{rounds} rounds of up to {params['max_leaf_nodes']} leaves at learning rate "
            f"{params['learning_rate']:g} ({trees} trees)"
        )
    trees = getattr(estimator, "estimators_", None)
    return f"{len(trees)} trees" if trees is not None else "size unknown"


def model_card(
    model: SegmentModel, sha256: str, command: str, cv_report_text: str = "", held_out_reports: list[str] | None = None
) -> str:
    meta = model.metadata
    versions = meta.get("versions", {})
    trained_on = meta.get("trained_on", {})
    counts = meta.get("label_counts", {})
    lines = [
        "# segclf default model",
        "",
        "The model `segclf clean` uses when no `--model` is given: a block classifier that labels",
        "each block of a page **body**, **nav**, **error** or **ad** (definitions: docs/labeling.md).",
        "",
        "## Rebuild it",
        "",
        "```",
        command,
        "```",
        "",
        "Training is deterministic (fixed seed): the same data and versions give the same model on the same "
        "kind of CPU. On another CPU the trees can differ in floating-point detail, and so can the scores.",
        "",
        "## What it was trained on",
        "",
        f"- inputs: {', '.join(trained_on.get('inputs', []))}",
        f"- {meta.get('pages')} pages from {trained_on.get('sites')} sites, {meta.get('blocks')} labeled blocks:"
        + ", ".join(f" {label} {count}" for label, count in counts.items()),
        f"- classifier: {meta.get('kind')} ({type(model.estimator).__name__}), class-balanced, "
        f"{classifier_size(model.estimator)}, block weight sqrt(tokens) capped"
        + (f"; fitted on {meta['fitted_rows']} of the rows (segclf.model.fitting_rows)" if meta.get("fitted_rows", meta.get("blocks")) != meta.get("blocks") else ""),
        "- second pass: "
        + (
            "yes: a small classifier over the first pass's out-of-fold probabilities around each block "
            "(segclf/context.py, 3 folds split by site) decides body; the first pass splits the rest"
            if model.context_estimator is not None
            else "no"
        ),
        "- word model: "
        + (
            "yes: a linear model over each block's tag, class/id names (its own and 3 ancestors') and opening "
            "and closing words, hashed; the trees read its scores as four columns, learned from scores "
            "made without the block's site (segclf/words.py, 3 folds split by site)"
            if model.word_model is not None
            else "no"
        ),
        "- body decision: " + _body_decision(meta),
        f"- trained at: {meta.get('trained_at')}",
        "- versions: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        f"- file: `segclf-default.joblib`, SHA-256 `{sha256}` (also in `segclf-default.joblib.sha256`,",
        "  checked on every load)",
        "",
        "## Scores",
        "",
    ]
    if cv_report_text:
        lines += [
            "Cross-validated on the training pages with folds split by site (no site is on both sides",
            "of a fold); these are the figures the rebuild command prints:",
            "",
            "```",
            cv_report_text,
            "```",
        ]
    elif not held_out_reports:
        lines.append("No cross-validation or held-out evaluation was run for this build.")
    for report in held_out_reports or []:
        lines += ["", "```", report, "```"]
    lines += [
        "",
        "## Limits",
        "",
        "- What \"body\" means comes from the training data: the project's labeled pages",
        "  (docs/labeling.md) and, where corpora were imported, their gold text, which differs",
        "  by corpus (cleaneval keeps all running text and comments, dragnet the article,",
        "  l3s_gn1 headline + full text + supplemental). Ad and error labels on imported pages",
        "  are weak labels (EasyList, the error lexicon, injected fragments), so ad and error",
        "  scores on them measure agreement with those rules. Retrain on your own labeled",
        "  pages when your sites differ.",
        "- A joblib file is a pickle: loading one runs code. Load only model files from a",
        "  source you trust.",
    ]
    return "\n".join(lines) + "\n"
