"""Shared fixtures: the project's labeled pages and a small model trained on a sample."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABELED = ROOT / "labeled"
SHIPPED_MODEL = ROOT / "models" / "segclf-default.joblib"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def labeled_files() -> list[Path]:
    return sorted(LABELED.glob("*.html"))


@pytest.fixture(scope="session")
def sample_files(labeled_files) -> list[Path]:
    """A small training sample covering every label and a few sites (fast to fit)."""
    wanted = ("en-news-harbor", "zh-news-zjol", "zh-news-qxxw", "en-blog-quietbench")
    return [path for path in labeled_files if path.name.startswith(wanted)]


@pytest.fixture(scope="session")
def small_model(sample_files, tmp_path_factory):
    from segclf.labeled import read_labeled
    from segclf.model import fit_model, save_model

    labeled = [read_labeled(path) for path in sample_files]
    model = fit_model([item.page for item in labeled], [item.labels for item in labeled])
    path = tmp_path_factory.mktemp("model") / "small.joblib"
    save_model(model, path)
    return path
