"""Shared fixtures: the project's labeled pages and a small model trained on a sample."""

import shutil
import threading
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


# A page that tries everything a page's own code could do to the labeling tool.
HOSTILE_PAGE = """<!DOCTYPE html><html><head><title>Hostile</title>
<meta http-equiv="refresh" content="0; url=http://elsewhere.example/">
<script>document.title = 'HACKED'</script></head>
<body onload="document.body.innerHTML = 'HACKED'">
<div class="menu"><a href="javascript:alert(1)">Home</a> | <a href="/news">News</a></div>
<div class="story"><h1>Harbour reopens</h1><p>The harbour reopened on Monday after repairs to the old pier.</p>
<p>Ferries run every hour again.</p></div>
<img src="missing.png" onerror="document.body.innerHTML = 'HACKED'">
<iframe src="http://ads.example/slot"></iframe>
<div class="footer">© Harbour Gazette</div></body></html>"""


@pytest.fixture(scope="session")
def shipped_model():
    from segclf.model import load_model

    return load_model(SHIPPED_MODEL)


@pytest.fixture()
def pages(tmp_path, labeled_files):
    """A folder to label: the GBK seed page, a page with hostile scripts, and its stylesheet."""
    folder = tmp_path / "mysite"
    folder.mkdir()
    [seed] = [path for path in labeled_files if path.name == "zh-news-zjol-quzhou.html"]
    shutil.copy(seed, folder / seed.name)
    (folder / "hostile.html").write_text(HOSTILE_PAGE, encoding="utf-8")
    (folder / "style.css").write_text("p { color: #333 }", encoding="utf-8")
    return folder


@pytest.fixture()
def labeling_server(shipped_model):
    """Start `segclf label` servers on free loopback ports; they stop after the test."""
    from segclf.labeltool.server import make_server
    from segclf.labeltool.session import LabelingSession

    servers = []

    def start(inputs, output, **options):
        session = LabelingSession(inputs, output, shipped_model, **options)
        server = make_server(session, 0)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return server, session

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
