"""The HTML pages through the real app: search box, server-rendered results, escaping."""
from __future__ import annotations

import re
from html import unescape

import pytest

from search.indexer import index_corpus
from support import ODD_QUERIES, make_corpus
from web import create_app

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_home_has_a_labelled_search_box(client):
    page = client.get("/").get_data(as_text=True)
    assert '<form class="ask" role="search" action="/search"' in page
    assert '<label for="q"' in page and 'id="q" name="q"' in page


def test_results_page_shows_answer_highlight_and_citation(client):
    response = client.get("/search", query_string={"q": "Who created the Star City spinoff?"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="hit"') == 10
    assert "<mark>" in page and 'class="in-answer"' in page and 'class="answer"' in page
    assert "<cite>" in page and "002_1cb2b5dc35a71b71.txt" in page
    assert '<time datetime="2024-04-17">' in page


def test_page_and_api_render_the_same_results(client):
    q = "Where can I stream For All Mankind?"
    api = client.get("/api/search", query_string={"q": q, "k": 5}).get_json()
    page = client.get("/search", query_string={"q": q, "k": 5}).get_data(as_text=True)
    assert page.count('class="hit"') == len(api["results"])
    answers = re.findall(r'<span class="label">Answer</span> (.*?)</p>', page, re.S)
    assert [unescape(a) for a in answers] == [h["answer"]["text"] for h in api["results"]]


def test_query_is_echoed_escaped(client):
    page = client.get("/search", query_string={"q": XSS}).get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_empty_query_page_says_what_to_do(client):
    response = client.get("/search?q=")
    assert response.status_code == 400
    assert "the question is empty" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_odd_queries_never_break_the_page(client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code in (200, 400)
    assert "Traceback" not in response.get_data(as_text=True)


def test_document_text_is_never_markup(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", {
        "evil.txt": f"Evil page title\n\nThe moon base {XSS} opened & closed in 2030.\n",
        "evil.jsonl": '{"id": "j1", "title": "' + XSS.replace('"', '\\"') + '", "text": "moon rocks <b>bold</b>"}\n',
    })
    index_corpus(corpus, tmp_path / "index")
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    page = client.get("/search?q=moon").get_data(as_text=True)
    assert page.count('class="hit"') == 2
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold" not in page
    assert "&lt;script&gt;" in page and "&amp; closed" in page
    body = client.get("/api/search?q=moon").get_json()
    for hit in body["results"]:
        assert "<script>" not in hit["highlight"] and "<b>" not in hit["highlight"]


def test_pages_carry_security_headers(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_unknown_page_is_an_html_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and response.mimetype == "text/html"
