"""The source view /doc/<doc_id> and the helpers behind it: cited passage, anchors, safe links."""
from __future__ import annotations

import re
from html import unescape

import pytest

from search.corpus import load_corpus
from search.indexer import index_corpus
from search.models import Citation
from support import make_corpus
from web import create_app
from web.render import cited, publisher, safe_url

DATED = "002_1cb2b5dc35a71b71"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _docs(corpus) -> dict:
    return {d.doc_id: d for d in load_corpus(corpus).documents}


def _text_of(page: str) -> str:
    block = re.search(r'<div class="doc-text">(.*?)</div>', page, re.S)[1]
    return unescape(re.sub(r"<[^>]+>", "", block))


def test_followed_citation_shows_the_whole_document_with_the_passage_marked(client, bundled_corpus):
    hit = client.get("/api/search?q=head+of+programming&k=1").get_json()["results"][0]
    c, a = hit["citation"], hit["answer"]
    href = unescape(re.findall(r'<a class="num" href="([^"]+)"',
                               client.get("/search?q=head+of+programming&k=1").get_data(as_text=True))[0])
    page = client.get(href.split("#")[0]).get_data(as_text=True)
    doc = _docs(bundled_corpus)[c["doc_id"]]
    assert _text_of(page) == doc.text  # the whole document, exactly
    mark = re.search(rf'<mark class="cited" id="passage-{c["start"]}-{c["end"]}" tabindex="-1">(.*?)</mark>', page, re.S)
    assert unescape(re.sub(r"<[^>]+>", "", mark[1])) == hit["text"]
    answer = re.search(r'<strong class="in-answer">(.*?)</strong>', mark[1], re.S)
    assert unescape(answer[1]) == a["text"]
    assert f'href="#passage-{c["start"]}-{c["end"]}"' in page  # a link to jump there


def test_source_view_shows_title_date_and_source(client, bundled_corpus):
    doc = _docs(bundled_corpus)[DATED]
    page = client.get(f"/doc/{DATED}").get_data(as_text=True)
    assert f'<h1 id="doc-title">{doc.title}</h1>' in unescape(page)
    assert '<time datetime="2024-04-17">2024-04-17</time>' in page and doc.source in page
    assert '<mark class="cited"' not in page and _text_of(page) == doc.text


def test_back_link_returns_to_the_results(client):
    page = client.get(f"/doc/{DATED}?passage=0-10&q=Who+made+it%3F").get_data(as_text=True)
    assert unescape(re.search(r'<p class="crumbs"><a href="([^"]+)"', page)[1]) == "/search?q=Who+made+it?"


@pytest.mark.parametrize("query", ["passage=abc", "passage=5-2", "passage=0-999999", "passage=-1-5", "answer=1-2&passage=1"])
def test_bad_offsets_are_a_400_page(client, query):
    response = client.get(f"/doc/{DATED}?{query}")
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "within the document" in response.get_data(as_text=True)


def test_unknown_document_is_an_html_404(client):
    response = client.get("/doc/no-such-doc?passage=1-2")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Not found" in page and "no-such-doc" in page


def test_source_view_of_a_hostile_document_is_text(tmp_path):
    corpus = make_corpus(tmp_path / "c", {
        "evil.jsonl": '{"id": "e1", "title": "T ' + XSS.replace('"', '\\"') + '", "url": "javascript:alert(1)", '
                      '"text": "moon ' + XSS.replace('"', '\\"') + ' base"}\n',
        "good.md": "---\ntitle: Good\nurl: https://example.org/a?b=1&c=2\n---\nThe moon.\n"})
    index_corpus(corpus, tmp_path / "ix")
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    page = client.get("/doc/e1?passage=0-10").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "javascript:" not in page
    assert _text_of(page) == f"moon {XSS} base"
    good = client.get("/doc/good").get_data(as_text=True)
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">' in good


def test_cited_cuts_rebuild_the_text():
    text = "Zero. One two three. Four five. Six."
    parts = cited(text, (6, 31), (21, 31))
    assert (parts.before, parts.lead, parts.answer, parts.tail) == ("Zero. ", "One two three. ", "Four five.", "")
    assert "".join((parts.before, parts.lead, parts.answer, parts.tail, parts.after)) == text
    outside = cited(text, (6, 20), (21, 31))
    assert outside.answer == "" and outside.lead == "One two three."


@pytest.mark.parametrize("url, expected", [
    ("https://example.org/x", "https://example.org/x"), ("http://a.b", "http://a.b"), ("HTTPS://A.B", "HTTPS://A.B"),
    ("javascript:alert(1)", None), (" javascript:alert(1)", None), ("data:text/html,x", None), ("//evil.org", None),
    ("", None), (None, None), ("http://[::1", None),
])
def test_safe_url_allows_only_http(url, expected):
    assert safe_url(url) == expected


def test_publisher_is_the_site_or_the_source():
    def cite(url):
        return Citation("d", "T", "folder/file.txt", url, None, 0, 1)
    assert publisher(cite("https://www.scifinow.co.uk/news/x")) == "scifinow.co.uk"
    assert publisher(cite(None)) == "folder/file.txt"
    assert publisher(cite("javascript:alert(1)")) == "folder/file.txt"
