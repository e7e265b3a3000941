"""The labeling tool's web server: standard library only, bound to the loopback address.

Routes:
  GET  /                      the tool (static/index.html)
  GET  /static/NAME           the tool's script and styles
  GET  /api/pages             the pages and their review state
  GET  /api/pages/N           page N: blocks, labels, predictions, what to check first
  POST /api/pages/N/labels    {"labels": [...], "review": "draft"|"done", "sequence": k}: write now
  GET  /view/N                page N annotated for display, its scripts removed
  GET  /files/N/PATH          the page's own CSS and images, from the page's folder

It answers only requests addressed to the loopback host (a web page elsewhere cannot
reach it through DNS rebinding), and writes only on JSON POSTs (which a cross-site form
cannot send).
"""

from __future__ import annotations

import json
import mimetypes
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import unquote, urlsplit

from segclf.labeltool.session import LabelingSession
from segclf.labeltool.view import view_html

HOST = "127.0.0.1"
STATIC_FILES = ("index.html", "label.js", "label.css", "view.css")
# The annotated page may show its own styles and images but run no script at all.
VIEW_POLICY = "script-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'self'; form-action 'none'"
TOOL_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-src 'self'"
MAX_BODY_BYTES = 5 * 1024 * 1024
_LOCAL_HOSTS = ("127.0.0.1", "localhost")


def static_file(name: str) -> bytes:
    return resources.files("segclf.labeltool").joinpath("static", name).read_bytes()


class LabelHandler(BaseHTTPRequestHandler):
    """One request; the session is shared by all handler threads."""

    session: LabelingSession  # set on the server's handler class
    server_version = "segclf-label"
    quiet = True

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def _host_is_local(self) -> bool:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]")
        return host in _LOCAL_HOSTS

    def _send(self, status: int, body: bytes, content_type: str, policy: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if policy:
            self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data, status: int = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

    def _error(self, status: int, message: str) -> None:
        if self.path.startswith("/api/"):
            self._json({"error": message}, status)
        else:  # a page's missing image or stylesheet: plain text, as a browser expects
            self._send(status, message.encode("utf-8"), "text/plain; charset=utf-8")

    def do_GET(self) -> None:
        if not self._host_is_local():
            return self._error(HTTPStatus.FORBIDDEN, "only the loopback host is served")
        path = unquote(urlsplit(self.path).path)
        try:
            if path in ("/", "/index.html"):
                return self._send(HTTPStatus.OK, static_file("index.html"), "text/html; charset=utf-8", TOOL_POLICY)
            if path.startswith("/static/"):
                return self._static(path.removeprefix("/static/"))
            if path == "/api/pages":
                return self._json({"pages": self.session.summary(), "output": str(self.session.output)})
            match = re.fullmatch(r"/api/pages/(\d+)", path)
            if match:
                return self._json(self.session.page_data(int(match.group(1))))
            match = re.fullmatch(r"/view/(\d+)", path)
            if match:
                index = int(match.group(1))
                page = self.session.page(index)
                html = view_html(page.opened, f"/files/{index}/", "/static/view.css")
                return self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8", VIEW_POLICY)
            match = re.fullmatch(r"/files/(\d+)/(.+)", path)
            if match:
                return self._page_file(int(match.group(1)), match.group(2))
        except IndexError as exc:
            return self._error(HTTPStatus.NOT_FOUND, str(exc))
        except ConnectionError:
            return None  # the browser went away (a page changed mid-load): nobody to answer
        except Exception as exc:  # one bad page must not stop the tool: say what went wrong
            return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"{type(exc).__name__}: {exc}")
        return self._error(HTTPStatus.NOT_FOUND, f"nothing at {path}")

    def do_POST(self) -> None:
        if not self._host_is_local():
            return self._error(HTTPStatus.FORBIDDEN, "only the loopback host is served")
        path = urlsplit(self.path).path
        match = re.fullmatch(r"/api/pages/(\d+)/labels", path)
        if not match:
            return self._error(HTTPStatus.NOT_FOUND, f"nothing to post at {path}")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._error(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY_BYTES:
            return self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "body missing or too large")
        try:
            request = json.loads(self.rfile.read(length))
            labels = request["labels"]
            if not isinstance(labels, list):
                raise TypeError("labels must be a list")
            result = self.session.set_labels(
                int(match.group(1)), labels, request.get("review", "draft"), request.get("sequence")
            )
        except IndexError as exc:
            return self._error(HTTPStatus.NOT_FOUND, str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            return self._error(HTTPStatus.BAD_REQUEST, f"{type(exc).__name__}: {exc}")
        except OSError as exc:
            return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot write: {exc}")
        return self._json(result)

    def _static(self, name: str) -> None:
        if name not in STATIC_FILES:
            return self._error(HTTPStatus.NOT_FOUND, f"no static file {name}")
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        return self._send(HTTPStatus.OK, static_file(name), content_type)

    def _page_file(self, index: int, relative: str) -> None:
        """A file beside the page (its stylesheet, an image); nothing outside its folder."""
        folder = self.session.pages[index].source.resolve().parent
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder) or not path.is_file():
            return self._error(HTTPStatus.NOT_FOUND, f"no file {relative}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type == "text/html":
            content_type = "text/plain"  # another page is shown through /view, never as a resource
        return self._send(HTTPStatus.OK, path.read_bytes(), content_type, VIEW_POLICY)


def make_server(session: LabelingSession, port: int = 0, quiet: bool = True) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (port 0: a free one); call serve_forever() to run it."""
    handler = type("SessionLabelHandler", (LabelHandler,), {"session": session, "quiet": quiet})
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def run_until_interrupted(server: ThreadingHTTPServer) -> None:
    """Serve until Ctrl+C, then close the socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

