"""Hostile input: markup in questions and documents, odd and oversized requests, malformed UTF-8,
untrusted files, and an index folder that cannot be written. Nothing may run in a browser,
crash a worker, leak a path or a trace, or change the live index."""
from __future__ import annotations

import dataclasses
import errno
import json
import os
import resource
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from search import loaders, settings
from search.builds import current_build
from search.cli import main
from search.corpus import load_corpus
from search.engine import Engine
from search.indexcheck import check_index
from search.indexer import index_corpus
from liveserver import get, raw, running_server
from indexstate import snapshot
from support import ODD_QUERIES, make_corpus
from web import create_app

XSS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(2)>", '"><svg onload=alert(3)>', "javascript:alert(4)",
    "</textarea><script>alert(5)</script>", '<a href="javascript:alert(6)">x</a>', "{{7*7}}{% raw %}",
    "&lt;script&gt;alert(8)&lt;/script&gt;", "<iframe src=//evil.example></iframe>", "' onmouseover='alert(9)",
    "<style>*{display:none}</style>", '<meta http-equiv="refresh" content="0;url=//evil.example">',
]


def hostile_corpus(folder: Path) -> Path:
    markup = " ".join(XSS)
    return make_corpus(folder, {
        "xss.txt": f"Zqxss plain {markup}\n\nThe zqxss moon report. {markup}\n",
        "xss.md": f"---\ntitle: <svg onload=alert(1)> zqxss\nurl: javascript:alert(1)\n---\n\nZqxss markdown. {markup}",
        "xss.html": "<html><head><title><script>alert(1)</script>zqxss</title>"
                    "<base href='//evil.example/'><link rel=canonical href='javascript:alert(2)'></head>"
                    "<body><p>zqxss &lt;img src=x onerror=alert(3)&gt; page</p><script>alert(4)</script>"
                    "<img src='http://127.0.0.1:9/pixel.png'><a href='javascript:alert(5)'>zqxss link</a>"
                    "</body></html>",
        "xss.jsonl": json.dumps({"id": "<script>alert(1)</script>", "title": '"><img src=x onerror=alert(2)>',
                                 "text": f"zqxss record {markup}",
                                 "url": 'https://example.com/"onmouseover="alert(3)'}) + "\n",
    })


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    corpus = hostile_corpus(base / "corpus")
    index_corpus(corpus, base / "index")
    return corpus, base / "index"


@pytest.fixture
def hclient(hostile):
    return create_app({"TESTING": True, "INDEX_DIR": str(hostile[1])}).test_client()


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text += data


def assert_inert(page: str) -> None:
    """Nothing in the page runs or loads anything but our own static files."""
    parser = _Markup()
    parser.feed(page)
    for tag, attrs in parser.elements:
        assert tag not in {"iframe", "object", "embed", "svg", "img", "base", "style", "frame"}, tag
        assert not (tag == "meta" and "http-equiv" in attrs), attrs
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
    assert not parser.script_text.strip(), "inline script"


def assert_secure_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_markup_in_documents_is_shown_as_text(hclient):
    response = hclient.get("/search?q=zqxss+moon")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count('class="hit"') >= 4
    assert_inert(page)
    assert_secure_headers(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # seen, as text
    api = hclient.get("/api/search?q=zqxss")
    for hit in api.get_json()["results"]:
        assert_inert(hit["highlight"])
        assert hit["citation"]["url"] in (None, 'https://example.com/"onmouseover="alert(3)')
    assert "javascript:" not in json.dumps([h["citation"] for h in api.get_json()["results"]])


@pytest.mark.parametrize("query", XSS + ODD_QUERIES)
def test_hostile_questions_are_searched_as_words(hclient, query):
    for path in ("/search", "/api/search"):
        response = hclient.get(path, query_string={"q": query})
        assert response.status_code in (200, 400), (path, response.status_code)
        assert_secure_headers(response)
        if path == "/search":
            assert_inert(response.get_data(as_text=True))
        else:
            body = response.get_json()
            assert "results" in body or body["error"]["code"] in {"empty_query", "query_too_long"}


ODD_REQUESTS = {
    "question too long": ("/api/search?q=" + "a" * 1001, None, 400, "query_too_long"),
    "URL too long": ("/api/search?q=" + "moon+" * 900, None, 414, "request_uri_too_long"),
    # Werkzeug keeps bytes that are not UTF-8 as their %XX text: searched as the words ff, fe, fd.
    "only bad UTF-8": ("/api/search", "q=%ff%fe%fd", 200, None),
    "bad UTF-8 and markup": ("/search", "q=%ff%3Cscript%3E%fe", 200, None),
    "some bad UTF-8": ("/api/search", "q=moon%ff%c0%af%ed%a0%80", 200, None),
    "bad UTF-8 path": ("/api/%ff%fe", None, 404, "not_found"),
    "k float": ("/api/search?q=moon&k=1e9", None, 400, "bad_k"),
    "k huge": ("/api/search?q=moon&k=99999999999999999999999", None, 400, "bad_k"),
    "k negative": ("/api/search?q=moon&k=-1", None, 400, "bad_k"),
    "k NUL": ("/api/search", "q=moon&k=%00", 400, "bad_k"),
    "300 parameters": ("/api/search?" + "&".join(["q=moon"] * 300), None, 200, None),
}


@pytest.mark.parametrize("target, raw_query, status, code", ODD_REQUESTS.values(), ids=ODD_REQUESTS.keys())
def test_odd_requests_get_a_4xx_json_error(hclient, target, raw_query, status, code):
    response = hclient.get(target, environ_overrides={"QUERY_STRING": raw_query} if raw_query else None)
    assert response.status_code == status, response.get_data(as_text=True)[:200]
    assert_secure_headers(response)
    if code:
        assert response.get_json()["error"]["code"] == code


def test_a_large_body_is_refused_before_any_work(hclient):
    limit = settings.get("max_request_bytes")
    assert hclient.application.config["MAX_CONTENT_LENGTH"] == limit
    response = hclient.get("/api/search?q=moon", data=b"x" * (limit + 1))
    assert response.status_code == 413 and response.get_json()["error"]["code"] == "request_entity_too_large"
    page = hclient.get("/search?" + "q=moon+" * 900)
    assert page.status_code == 414 and "text/html" in page.headers["Content-Type"]


def test_errors_never_show_paths_or_traces(hostile, tmp_path, monkeypatch):
    missing = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "none")}).test_client()
    for response in (missing.get("/api/search?q=moon"), missing.get("/search?q=moon")):
        text = response.get_data(as_text=True)
        assert response.status_code == 503 and "qa-search index" in text
        assert str(tmp_path) not in text and "Traceback" not in text

    def boom(self, *args, **kwargs):
        raise RuntimeError(f"secret detail {tmp_path}")

    monkeypatch.setattr(Engine, "ask", boom)
    client = create_app({"TESTING": True, "INDEX_DIR": str(hostile[1])}).test_client()
    for response in (client.get("/api/search?q=moon"), client.get("/search?q=moon")):
        text = response.get_data(as_text=True)
        assert response.status_code == 500 and "secret" not in text and "Traceback" not in text
    assert not create_app().debug


def _setting(monkeypatch, name, value):
    monkeypatch.setitem(settings._BY_NAME, name, dataclasses.replace(settings._BY_NAME[name], default=value))


def test_untrusted_files_are_capped_reported_by_name_and_never_fatal(tmp_path, monkeypatch):
    _setting(monkeypatch, "max_file_bytes", 200_000)
    _setting(monkeypatch, "max_document_chars", 2000)
    outside = make_corpus(tmp_path / "outside", {"secret.txt": "Secret\n\nzqsecret password"})
    corpus = make_corpus(tmp_path / "corpus", {
        "big.txt": "word " * 50_000,
        "binary.txt": b"\x00\x01ELF\x00",
        "utf16.txt": "Utf16 title\n\nzqutf sixteen".encode("utf-16"),
        "latin.md": "# Caf\xe9\n\nzqlatin text".encode("latin-1"),
        "blob.md": "# Blob\n\nzqblob ![x](data:image/png;base64," + "A" * 1000 + ")",
        "records.jsonl": "\n".join([
            '{"id": "deep", "text": ' + "[" * 50_000 + "]" * 50_000 + "}",
            '{"id": "bigint", "text": "x", "n": ' + "9" * 4400 + "}",
            '{"id": "' + "i" * 300 + '", "text": "long id"}',
            '{"id": "sur\\ud800", "title": "\\udfff", "text": "zqsurrogate \\ud83d lone"}',
            '{"id": "long", "text": "' + "y " * 1500 + '"}',
        ]),
        "title.jsonl": json.dumps({"id": "t", "title": "T" * 5000, "text": "zqtitle"}),
    })
    (corpus / "link.txt").symlink_to(outside / "secret.txt")
    (corpus / os.fsdecode(b"bad\xffname.txt")).write_text("Bad name\n\nzqbadname", "utf-8")
    load = load_corpus(corpus)
    notes = load.problems + load.warnings
    for expected in ("big.txt: larger than 200,000 bytes", "binary.txt: binary", "link.txt: a link to a file outside",
                     "records.jsonl: line 1: nested too deeply", "records.jsonl: line 2: a value is too large",
                     "records.jsonl: document id longer than 200", "records.jsonl: text longer than 2,000",
                     "latin.md: not valid UTF-8", "blob.md: 1 'word(s)' longer than 500 characters shortened",
                     "'bad\ufffdname.txt': file name is not printable UTF-8"):
        assert any(n.startswith(expected) for n in notes), (expected, notes)
    docs = {d.doc_id: d for d in load.documents}
    assert set(docs) == {"utf16", "latin", "blob", "sur\ufffd", "t"}
    assert docs["utf16"].text.startswith("Utf16 title") and docs["sur\ufffd"].title == "\ufffd"
    assert len(docs["t"].title) <= 300 and max(map(len, docs["blob"].text.split())) <= 501
    report = index_corpus(corpus, tmp_path / "index")
    assert report.documents == 5
    engine = Engine(tmp_path / "index")
    assert [h.citation.doc_id for h in engine.ask("zqsurrogate").results] == ["sur\ufffd"]
    assert not engine.ask("zqsecret").results and not engine.ask("zqbadname").results
    engine.close()


def test_a_document_the_sentence_splitter_gives_up_on_is_left_out_alone(tmp_path, monkeypatch):
    import nltk.redos
    monkeypatch.setattr(nltk.redos, "DEFAULT_TIMEOUT", 0.05)
    corpus = make_corpus(tmp_path / "corpus", {"dots.txt": ". " * 200_000, "fine.txt": "Fine\n\nzqfine text."})
    report = index_corpus(corpus, tmp_path / "index")
    assert report.documents == 1
    assert any(p.startswith("dots.txt: document 'dots' cannot be cut into passages") for p in report.problems)
    assert [h.citation.doc_id for h in Engine(tmp_path / "index").ask("zqfine").results] == ["fine"]


def test_html_is_parsed_without_fetching_or_running_anything(hostile):
    events, watching = [], [True]

    def audit(event, args):
        if watching[0] and event.startswith(("socket.", "urllib.", "subprocess.", "os.system", "os.exec",
                                             "os.posix_spawn", "webbrowser")):
            events.append(event)

    sys.addaudithook(audit)  # hooks cannot be removed: this one only records, and only while watching
    try:
        started = time.perf_counter()
        source = (hostile[0] / "xss.html").read_text()
        page = loaders.parse_html(source + "<div>" * 100_000 + "deep" + "</div>" * 100_000)
        assert time.perf_counter() - started < 10
        parsed = loaders.parse_html(source)
        load_corpus(hostile[0])
    finally:
        watching[0] = False
    assert not events, events
    assert "alert(4)" not in parsed.text and "zqxss link" in parsed.text and page.text.endswith("deep")
    assert parsed.url is None  # javascript: canonical dropped


def _fork_cli(args: list[str], limit_bytes: int | None = None, read_only: Path | None = None) -> tuple[int, str]:
    """Run the CLI in a forked process whose files may not grow past limit_bytes (a full disk),
    or for which every write under read_only fails with EROFS (a read-only mount); (status, stderr)."""
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        rc = 99
        try:
            os.close(err_r)
            sys.stderr = os.fdopen(err_w, "w")  # not fd 2: pytest has swapped sys.stderr for its own
            sys.stdout = open(os.devnull, "w")
            if limit_bytes is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
            if read_only is not None:
                _refuse_writes_under(read_only)
            rc = main(args)
        finally:
            sys.stderr.flush()
            os._exit(rc)
    os.close(err_w)
    with os.fdopen(err_r) as err:
        stderr = err.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), stderr


def _refuse_writes_under(root: Path) -> None:
    real_open, real_os_open = open, os.open
    root = str(root.resolve())

    def guard(path, writing):
        if writing and os.path.abspath(os.fspath(path)).startswith(root):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fspath(path))

    def os_open(path, flags, *args, **kwargs):
        guard(path, flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        return real_os_open(path, flags, *args, **kwargs)

    def builtin_open(file, mode="r", *args, **kwargs):
        if not isinstance(file, int):
            guard(file, any(c in mode for c in "wax+"))
        return real_open(file, mode, *args, **kwargs)

    os.open = os_open
    import builtins
    builtins.open = builtin_open


@pytest.mark.parametrize("trouble", ["full", "read-only"])
@pytest.mark.parametrize("command", ["add", "rebuild"])
def test_an_index_folder_that_cannot_be_written_says_so_and_keeps_the_live_index(tmp_path, trouble, command):
    corpus = make_corpus(tmp_path / "corpus", {"rover.txt": "Rover\n\nThe rover crossed the crater."})
    index = tmp_path / "index"
    index_corpus(corpus, index)
    before, live = snapshot(index), current_build(index)
    make_corpus(corpus, {"big.txt": "Big\n\n" + "The zqbig rover saw a crater and a comet. " * 8000})
    args = (["add", str(corpus / "big.txt")] if command == "add" else ["index", "--rebuild"]) + \
        ["--corpus", str(corpus), "--index", str(index)]
    if trouble == "full":
        code, err = _fork_cli(args, limit_bytes=64_000)
        assert "File too large" in err or "disk is full" in err or "disk I/O error" in err, err
    else:
        code, err = _fork_cli(args, read_only=index)
        assert "Read-only file system" in err, err
    assert code == 1 and err.startswith("error: cannot write the index in ")
    assert "still the live one" in err and "Traceback" not in err
    assert current_build(index) == live and snapshot(index) == before
    assert Engine(index).ask("rover").results
    assert main(["index", "--corpus", str(corpus), "--index", str(index)]) == 0  # space again: it goes in
    assert "big" in snapshot(index) and check_index(corpus, index).ok


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through mode bits")
def test_a_read_only_index_folder_by_mode_bits(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", {"rover.txt": "Rover\n\nThe rover crossed the crater."})
    index = tmp_path / "index"
    index_corpus(corpus, index)
    before = snapshot(index)
    for path in [index, *index.rglob("*")]:
        path.chmod(path.stat().st_mode & ~0o222)
    try:
        make_corpus(corpus, {"new.txt": "New\n\nzqnew"})
        assert main(["add", str(corpus / "new.txt"), "--corpus", str(corpus), "--index", str(index)]) == 1
        assert snapshot(index) == before
    finally:
        for path in [index, *index.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o200)


@pytest.fixture(scope="module")
def server(hostile, tmp_path_factory):
    log = tmp_path_factory.mktemp("server") / "server.log"
    with running_server(*hostile, log=log) as port:
        yield port, log


MALFORMED = {
    "raw bad UTF-8 query": (b"GET /search?q=\xff\xfemoon HTTP/1.1\r\nHost: x\r\n\r\n", {200, 400}),
    "markup in the path": (b"GET /<script>alert(1)</script> HTTP/1.1\r\nHost: x\r\n\r\n", {400, 404}),
    "escaped bad UTF-8": (b"GET /api/search?q=moon%ff HTTP/1.1\r\nHost: x\r\n\r\n", {200}),
    "raw bad UTF-8 path": (b"GET /\xc0\xaf/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", {400, 404}),
    "request line over gunicorn's cap": (b"GET /api/search?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                                         {400, 414}),
    "URL over the app's cap": (b"GET /api/search?q=" + b"moon+" * 900 + b" HTTP/1.1\r\nHost: x\r\n\r\n", {414}),
    "60 headers": (b"GET /api/search?q=moon HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(60)) + b"\r\n",
                   {400, 431}),
    "9 kB header": (b"GET /api/search?q=moon HTTP/1.1\r\nX-Big: " + b"y" * 9000 + b"\r\n\r\n", {400, 431}),
    "20 kB body": (b"GET /api/search?q=moon HTTP/1.1\r\nHost: x\r\nContent-Length: 20000\r\n\r\n" + b"x" * 20000,
                   {413}),
    "POST": (b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nq=a", {405}),
    "TLS hello": (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(64)), {400, None}),
}


@pytest.mark.parametrize("request_bytes, statuses", MALFORMED.values(), ids=MALFORMED.keys())
def test_the_real_server_answers_malformed_requests_and_keeps_serving(server, request_bytes, statuses):
    port, log = server
    answer = raw(port, request_bytes)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else None
    assert status in statuses, answer[:300]
    assert b"Traceback" not in answer and b"/tmp" not in answer
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"text/html" not in head or b"<script>" not in body
    if b"application/json" in head and status >= 400:
        error = json.loads(body)["error"]
        assert error["code"] and error["message"]
    elif b"text/html" in head and b"Content-Security-Policy" in head:  # ours; gunicorn's bare 4xx pages have none
        assert_inert(body.decode("utf-8", "replace"))
    assert get(port, "/api/search?q=moon")[0] == 200  # the workers are alive and well
    assert "Traceback" not in log.read_text()
