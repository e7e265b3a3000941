"""The labeling tool's server without a browser: pages, predictions, writes, reopening, safety."""

import http.client
import json

import pytest

from segclf.labeled import read_labeled


class Client:
    def __init__(self, server):
        self.host, self.port = server.server_address[:2]

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def get_json(self, path):
        response, data = self.request("GET", path)
        assert response.status == 200, data
        return json.loads(data)

    def post_labels(self, index, labels, review="draft", sequence=None):
        body = json.dumps({"labels": labels, "review": review, "sequence": sequence})
        response, data = self.request("POST", f"/api/pages/{index}/labels", body, {"Content-Type": "application/json"})
        return response.status, json.loads(data)


@pytest.fixture()
def serve(labeling_server):
    def start(inputs, output, **options):
        server, session = labeling_server(inputs, output, **options)
        return Client(server), session

    return start


def page_index(client, name):
    return next(page["index"] for page in client.get_json("/api/pages")["pages"] if page["name"] == name)


def test_pages_are_listed_new_with_predictions_and_least_certain_blocks_first(serve, pages, tmp_path):
    client, _ = serve([pages], tmp_path / "out")
    listing = client.get_json("/api/pages")["pages"]
    assert [page["review"] for page in listing] == ["new", "new"]
    data = client.get_json(f"/api/pages/{page_index(client, 'hostile.html')}")
    assert data["blocks"] and all(block["predicted"] in data["labels"] for block in data["blocks"])
    probabilities = [data["blocks"][index]["probability"] for index in data["check_first"]]
    assert probabilities == sorted(probabilities) and len(probabilities) >= 3
    assert data["site"] == "mysite"  # a page that names no site takes its folder's name


def test_every_change_is_written_at_once_and_save_marks_the_page_done(serve, pages, tmp_path):
    client, _ = serve([pages], tmp_path / "out")
    index = page_index(client, "hostile.html")
    blocks = client.get_json(f"/api/pages/{index}")["blocks"]
    labels = [block["label"] for block in blocks]
    labels[0] = "ad"
    status, result = client.post_labels(index, labels, sequence=1)
    assert status == 200 and result["written"] and result["review"] == "draft"
    target = tmp_path / "out" / "hostile.html"
    assert read_labeled(target).labels == labels
    assert not list((tmp_path / "out").glob("*.partial"))
    status, result = client.post_labels(index, labels, review="done", sequence=2)
    assert result["review"] == "done"
    assert client.get_json("/api/pages")["pages"][index]["review"] == "done"


def test_a_change_that_arrives_late_does_not_overwrite_a_newer_one(serve, pages, tmp_path):
    client, _ = serve([pages], tmp_path / "out")
    index = page_index(client, "hostile.html")
    labels = [block["label"] for block in client.get_json(f"/api/pages/{index}")["blocks"]]
    newer, older = ["nav"] * len(labels), ["ad"] * len(labels)
    client.post_labels(index, newer, sequence=5)
    status, result = client.post_labels(index, older, sequence=4)
    assert status == 200 and not result["written"]
    assert read_labeled(tmp_path / "out" / "hostile.html").labels == newer


def test_a_labeled_page_reopens_with_its_labels_and_encoding(serve, pages, tmp_path):
    output = tmp_path / "out"
    client, _ = serve([pages], output)
    index = page_index(client, "zh-news-zjol-quzhou.html")
    labels = ["ad"] + [block["label"] for block in client.get_json(f"/api/pages/{index}")["blocks"]][1:]
    client.post_labels(index, labels, sequence=1)
    client, _ = serve([pages], output)  # a new session: the browser was closed mid-page
    assert client.get_json("/api/pages")["pages"][index]["review"] == "draft"
    data = client.get_json(f"/api/pages/{index}")
    assert [block["label"] for block in data["blocks"]] == labels
    assert data["encoding"] == "gb18030"
    (output / "zh-news-zjol-quzhou.html").read_bytes().decode("gbk")


def test_the_view_runs_none_of_the_pages_code(serve, pages, tmp_path):
    client, _ = serve([pages], tmp_path / "out")
    response, data = client.request("GET", f"/view/{page_index(client, 'hostile.html')}")
    html = data.decode("utf-8")
    assert response.status == 200
    assert "script-src 'none'" in response.getheader("Content-Security-Policy")
    assert "<script" not in html and "HACKED" not in html and "javascript:" not in html
    assert "refresh" not in html and "ads.example" not in html
    assert 'data-segclf-block="' in html and "<segclf-t" in html
    assert "Harbour reopens" in html


def test_page_files_are_served_from_the_pages_folder_only(serve, pages, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    client, _ = serve([pages], tmp_path / "out")
    response, data = client.request("GET", "/files/0/style.css")
    assert response.status == 200 and b"color" in data
    response, data = client.request("GET", "/files/0/../secret.txt")
    assert response.status == 404
    response, data = client.request("GET", "/files/0/%2e%2e/secret.txt")
    assert response.status == 404


def test_requests_for_another_host_or_without_json_are_refused(serve, pages, tmp_path):
    client, _ = serve([pages], tmp_path / "out")
    response, _ = client.request("GET", "/api/pages", headers={"Host": "attacker.example"})
    assert response.status == 403
    response, _ = client.request("POST", "/api/pages/0/labels", "labels=x", {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 415
    status, result = client.post_labels(0, ["nav"])
    assert status == 400 and "labels for" in result["error"]
    assert not (tmp_path / "out").exists()


def test_label_command_refuses_a_missing_folder(tmp_path):
    from typer.testing import CliRunner

    from segclf.cli import app

    result = CliRunner().invoke(app, ["label", str(tmp_path / "nothing"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_an_output_folder_inside_the_input_folder_is_not_labeled_again(pages, shipped_model):
    from segclf.labeltool.session import LabelingSession

    (pages / "labeled").mkdir()
    (pages / "labeled" / "hostile.html").write_text("<body><p>an earlier labeled copy</p></body>")
    session = LabelingSession([pages], pages / "labeled", shipped_model)
    assert sorted(page.name for page in session.pages) == ["hostile.html", "zh-news-zjol-quzhou.html"]
    assert all(page.source.parent == pages for page in session.pages)
    in_place = LabelingSession([pages / "labeled"], pages / "labeled", shipped_model)
    assert [page.target for page in in_place.pages] == [pages / "labeled" / "hostile.html"]
