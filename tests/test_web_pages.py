"""The results page without a browser: answer first, citations, pages, filters, suggestions, honesty."""
from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from search.indexer import index_corpus
from support import make_corpus
from web import create_app

STAR = "Who created the Star City spinoff?"
TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates"


def _page(client, status=200, **params) -> str:
    response = client.get("/search", query_string=params)
    assert response.status_code == status
    return response.get_data(as_text=True)


def _api(client, **params) -> dict:
    return client.get("/api/search", query_string=params).get_json()


def _hrefs(page: str, cls: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'<a class="{cls}" href="([^"]+)"', page)]


def test_answer_comes_first_with_its_citation(client):
    page = _page(client, q=STAR)
    top = _api(client, q=STAR)["results"][0]
    best = page.index('<section class="best"')
    assert best < page.index('<ol class="results">')
    card = page[best:page.index("</section>", best)]
    assert unescape(re.search(r'<blockquote class="best-text"[^>]*>\s*<p>(.*?)<a', card, re.S)[1]) == top["answer"]["text"]
    c = top["citation"]
    ref = unescape(re.search(r'<a class="ref" href="([^"]+)"', card)[1])
    assert ref.startswith(f"/doc/{c['doc_id']}?passage={c['start']}-{c['end']}&answer=")
    assert ref.endswith(f"#passage-{c['start']}-{c['end']}")
    assert "<sup>[1]</sup>" in card and f"<cite>{c['title']}</cite>" in unescape(card)


def test_each_passage_has_a_numbered_citation_to_its_source_view(client):
    page = _page(client, q="Soviet space program", k=5)
    body = _api(client, q="Soviet space program", k=5)
    numbers = _hrefs(page, "num")
    assert len(numbers) == 5
    for href, hit in zip(numbers, body["results"]):
        c = hit["citation"]
        assert href.startswith(f"/doc/{c['doc_id']}?passage={c['start']}-{c['end']}")
    assert re.findall(r'class="num"[^>]*>\[(\d)\]', page) == ["1", "2", "3", "4", "5"]


def test_pager_links_move_between_pages(client):
    first = _page(client, q="For All Mankind", k=5)
    assert 'rel="prev"' not in first
    nxt = unescape(re.search(r'<a rel="next" href="([^"]+)"', first)[1])
    assert nxt == "/search?q=For+All+Mankind&k=5&page=2"
    second = client.get(nxt).get_data(as_text=True)
    assert 'aria-current="page">Page 2<' in second and '<section class="best"' not in second
    assert unescape(re.search(r'<a rel="prev" href="([^"]+)"', second)[1]) == "/search?q=For+All+Mankind&k=5"


def test_last_page_has_no_next_link(client):
    count = len(_api(client, q="Apple Sony", k=50)["results"])
    page = _page(client, q="Apple Sony", k=1, page=count)
    assert 'rel="next"' not in page and 'rel="prev"' in page


def test_filters_are_offered_and_kept_in_links(client):
    page = _page(client, q="space race", doc="001_8efef3c453931584", date_to="2030-01-01")
    assert '<details class="filters" open>' in page
    options = re.findall(r'<option value="([^"]*)"( selected)?>', page)
    assert [v for v, _ in options][0] == "" and len(options) == 4
    assert [v for v, sel in options if sel] == ["001_8efef3c453931584"]
    assert 'name="date_to" type="date" value="2030-01-01" form="ask"' in page
    assert "Showing only" in page and "Search all sources and dates" in page  # nothing dated matches: honest


def test_only_this_source_and_clear_links(client):
    page = _page(client, q="space race", k=3)
    only = unescape(re.search(r'href="([^"]+)">Only this source<', page)[1])
    assert re.fullmatch(r"/search\?q=space\+race&k=3&doc=[0-9a-f_]+", only)
    filtered = client.get(only).get_data(as_text=True)
    assert unescape(re.search(r'href="([^"]+)">Show all<', filtered)[1]) == "/search?q=space+race&k=3"


def test_did_you_mean_links_to_the_corrected_question_with_the_filters(client):
    page = _page(client, q="Who creatd the Star Cty spinof?", date_to="2030-12-31")
    link = re.search(r'<p class="suggest">Did you mean <a href="([^"]+)">(.*?)</a>\?</p>', page)
    assert unescape(link[2]) == STAR
    assert unescape(link[1]) == "/search?q=Who+created+the+Star+City+spinoff?&date_to=2030-12-31"


def test_no_good_answer_found_says_so_and_helps(client):
    page = _page(client, q="capital of France moon")
    assert "No good answer found" in page and '<section class="best"' not in page
    assert page.count('class="hit"') > 0 and "share only some of its words" in page
    nothing = _page(client, q="zebra xylophone")
    assert "No good answer found" in nothing and "No passage matches" in nothing
    assert nothing.count('class="hit"') == 0 and "Use fewer, more distinctive words" in nothing
    assert re.search(r'Or read a source:\s*<a href="/doc/', nothing)


def test_bad_parameters_show_the_message_on_the_page(client):
    page = _page(client, 400, q="moon", date_from="someday")
    assert 'role="alert"' in page and "date_from must be a date written YYYY-MM-DD" in page


def test_date_filter_only_where_dates_exist(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"a.txt": "Comet notes\n\nThe comet tail glows.\n"})
    index_corpus(corpus, tmp_path / "ix")
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    page = _page(client, q="comet")
    assert 'name="doc"' in page and 'type="date"' not in page


def test_footer_links_the_openapi_description(client):
    for path in ("/", "/search?q=moon", "/doc/002_1cb2b5dc35a71b71"):
        page = client.get(path).get_data(as_text=True)
        assert '<footer class="foot">' in page and 'href="/api/openapi.json"' in page


def test_accessible_structure(client):
    page = _page(client, q=STAR)
    assert '<html lang="en">' in page and 'name="viewport"' in page and 'name="color-scheme"' in page
    for landmark in ("<header", "<main", "<footer", 'role="search"', '<nav class="pager" aria-label='):
        assert landmark in page
    assert '<a class="skip" href="#main">' in page
    for field in ("q", "f-doc", "f-from", "f-to"):
        assert f'<label for="{field}"' in page and f'id="{field}"' in page
    assert "@media (prefers-color-scheme: dark)" in (TEMPLATES.parent / "static" / "style.css").read_text()


@pytest.mark.parametrize("path", ["/", "/search?q=moon", "/search?q=", "/doc/002_1cb2b5dc35a71b71?passage=1-50",
                                  "/doc/nope", "/nowhere"])
def test_no_inline_script_or_style_anywhere(client, path):
    page = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page)
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", page, re.I)


def test_templates_never_mark_text_safe():
    for template in TEMPLATES.glob("*.html"):
        source = template.read_text()
        assert "|safe" not in source.replace(" ", "") and "Markup" not in source and "autoescape" not in source
