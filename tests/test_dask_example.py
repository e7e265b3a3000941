"""examples/dask_clean_warcs.py on a local Dask cluster: the same records as `segclf clean`."""

import importlib.util
import json
from pathlib import Path

import dask.distributed as distributed  # in the test extra: CI runs this test, it never skips it
from typer.testing import CliRunner
from warc_files import corrupt, write_warc

from segclf.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dask_clean_warcs.py"


def load_example():
    spec = importlib.util.spec_from_file_location("dask_clean_warcs", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def records(path: Path) -> dict[str, dict]:
    return {record["id"]: record for record in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_dask_example_cleans_two_warcs_like_the_command(small_model, labeled_files, tmp_path):
    first, second = tmp_path / "first.warc.gz", tmp_path / "second.warc.gz"
    write_warc(first, labeled_files[:3])
    offsets = write_warc(second, labeled_files[3:7])
    corrupt(second, offsets[1], offsets[2])
    example = load_example()
    out = tmp_path / "out"
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        summaries = example.clean_warcs(client, [str(first), str(second)], str(out), str(small_model))
    assert [(s["written"], s["failed"]) for s in summaries] == [(3, 0), (3, 1)]
    assert "corrupt record" in (out / "second.errors.tsv").read_text()
    distributed_records = {**records(out / "first.jsonl"), **records(out / "second.jsonl")}

    together = tmp_path / "together.jsonl"
    CliRunner().invoke(app, ["clean", str(first), str(second), "-o", str(together), "--model", str(small_model)])
    assert distributed_records == records(together)  # cross-page counts were added up over both files
