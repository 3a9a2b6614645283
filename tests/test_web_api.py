"""The JSON endpoint's new parameters (page, doc, date_from, date_to) and /api/documents/<id>."""
from __future__ import annotations

import re
from html import unescape

import pytest

from search.corpus import load_corpus
from search.indexer import index_corpus
from support import make_corpus
from web import create_app

DATED, UNDATED = "002_1cb2b5dc35a71b71", "000_306199d81de9567f"


def _get(client, path="/api/search", **params):
    response = client.get(path, query_string=params)
    assert response.mimetype == "application/json"
    return response, response.get_json()


def test_new_fields_echo_what_was_asked(client):
    _, body = _get(client, q="For All Mankind", k=3, page=2, doc=[UNDATED, DATED])
    assert body["page"] == 2 and body["k"] == 3
    assert body["filters"] == {"doc": [UNDATED, DATED], "date_from": None, "date_to": None}
    assert [h["rank"] for h in body["results"]] == [4, 5, 6]
    assert {h["citation"]["doc_id"] for h in body["results"]} <= {UNDATED, DATED}
    _, dated = _get(client, q="For All Mankind", date_from="2024-01-01", date_to="2024-12-31")
    assert dated["filters"] == {"doc": [], "date_from": "2024-01-01", "date_to": "2024-12-31"}
    assert dated["results"] and {h["citation"]["doc_id"] for h in dated["results"]} == {DATED}
    assert isinstance(body["has_more"], bool) and isinstance(body["answered"], bool)


def test_pages_of_the_api_join_into_one_ranking(client):
    _, whole = _get(client, q="Soviet space program", k=9)
    parts = [_get(client, q="Soviet space program", k=3, page=n)[1] for n in (1, 2, 3)]
    assert [h for p in parts for h in p["results"]] == whole["results"]
    assert [p["has_more"] for p in parts[:2]] == [True, True]


def test_suggestion_in_json(client):
    _, body = _get(client, q="Who creatd the Star Cty spinof?")
    assert body["suggestion"] == "Who created the Star City spinoff?"
    assert _get(client, q="Who created the Star City spinoff?")[1]["suggestion"] is None


@pytest.mark.parametrize("params, code", [
    ({"page": "0"}, "bad_page"),
    ({"page": "two"}, "bad_page"),
    ({"page": "999"}, "bad_page"),
    ({"doc": "nope"}, "unknown_doc"),
    ({"doc": [f"d{i}" for i in range(21)]}, "bad_doc"),
    ({"date_from": "2024-13-01"}, "bad_date"),
    ({"date_to": "soon"}, "bad_date"),
    ({"date_from": "2025-01-01", "date_to": "2024-01-01"}, "bad_date_range"),
])
def test_bad_parameters_get_a_400_json_error(client, params, code):
    response, body = _get(client, q="moon", **params)
    assert response.status_code == 400
    assert body == {"error": {"code": code, "message": body["error"]["message"]}} and body["error"]["message"]


def test_blank_parameters_are_not_given(client):
    response, body = _get(client, q="moon", page="", k="", doc="", date_from="", date_to="")
    assert response.status_code == 200 and body["page"] == 1 and body["k"] == 10
    assert body["filters"] == {"doc": [], "date_from": None, "date_to": None}


def test_page_and_api_show_the_same_filtered_page(client):
    params = {"q": "space race", "k": 4, "page": 2, "doc": [UNDATED, "001_8efef3c453931584"]}
    _, body = _get(client, **params)
    page = client.get("/search", query_string=params).get_data(as_text=True)
    answers = re.findall(r'<span class="label">Answer</span> (.*?)</p>', page, re.S)
    assert [unescape(a) for a in answers] == [h["answer"]["text"] for h in body["results"]]
    ranks = re.findall(r'class="num"[^>]*>\[(\d+)\]</a>', page)
    assert [int(r) for r in ranks] == [h["rank"] for h in body["results"]]


def test_document_by_id(client, bundled_corpus):
    doc = {d.doc_id: d for d in load_corpus(bundled_corpus).documents}[DATED]
    response, body = _get(client, f"/api/documents/{DATED}")
    assert response.status_code == 200
    assert body == {"doc_id": DATED, "title": doc.title, "text": doc.text, "source": doc.source, "url": doc.url,
                    "date": "2024-04-17"}
    _, hit = _get(client, q="Sony Pictures Television", k=1)
    c = hit["results"][0]["citation"]
    _, cited = _get(client, f"/api/documents/{c['doc_id']}")
    assert cited["text"][c["start"]:c["end"]] == hit["results"][0]["text"]


@pytest.mark.parametrize("doc_id", ["nope", "../corpus/000_306199d81de9567f", "000_306199d81de9567f.txt", "%2e%2e"])
def test_unknown_document_is_a_404_json_error(client, doc_id):
    response, body = _get(client, f"/api/documents/{doc_id}")
    assert response.status_code == 404 and body["error"]["code"] == "not_found"


def test_document_ids_with_slashes(tmp_path):
    corpus = make_corpus(tmp_path / "c", {"sub/dir/a.txt": "A title\n\nThe comet tail glows.\n"})
    index_corpus(corpus, tmp_path / "ix")
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")}).test_client()
    response, body = _get(client, "/api/documents/sub/dir/a")
    assert response.status_code == 200 and body["title"] == "A title"
    assert client.get("/doc/sub/dir/a").status_code == 200
