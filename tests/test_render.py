"""render.segments: plain-text pieces of a hit whose flags match the marks and the answer exactly."""
import json
from pathlib import Path

import pytest

from search.answers import best_sentence, highlight, matched_spans
from search.chunking import chunk_document
from search.models import Answer, Citation, Document, Hit, SearchResponse
from search.query import plan
from web.render import segments

CORPUS = Path(__file__).parent.parent / "corpus"


def make_hit(text: str, marks, answer: tuple[int, int], passage_start: int = 500) -> Hit:
    """A hit whose passage starts at passage_start in its document; answer is given in passage offsets."""
    a_start, a_end = answer
    return Hit(
        rank=1, score=1.0, text=text,
        answer=Answer(text=text[a_start:a_end], start=passage_start + a_start, end=passage_start + a_end),
        highlight=highlight(text, list(marks)),
        citation=Citation(doc_id="d", title="t", source="d.txt", url=None, date=None,
                          start=passage_start, end=passage_start + len(text)),
        marks=tuple(marks),
    )


def check_segments(hit: Hit) -> None:
    segs = segments(hit)
    assert "".join(s.text for s in segs) == hit.text
    assert all(s.text for s in segs)
    marked = {i for s, e in hit.marks for i in range(s, e)}
    a_start = hit.answer.start - hit.citation.start
    a_end = hit.answer.end - hit.citation.start
    pos = 0
    for seg in segs:
        chars = range(pos, pos + len(seg.text))
        assert all((i in marked) == seg.mark for i in chars), (seg, pos)
        assert all((a_start <= i < a_end) == seg.answer for i in chars), (seg, pos)
        pos += len(seg.text)


def test_marks_and_answer_flags():
    text = "The crew trained. A rocket took the crew to the moon. Moon rocks came back."
    marks = [(text.index(w), text.index(w) + len(w)) for w in ("crew", "rocket", "moon", "Moon")]
    answer = (text.index("A rocket"), text.index(" Moon rocks"))
    hit = make_hit(text, marks, answer)
    check_segments(hit)
    got = [(s.text, s.mark, s.answer) for s in segments(hit)]
    assert ("rocket", True, True) in got
    assert ("crew", True, False) in got  # the first crew, before the answer
    assert ("Moon", True, False) in got
    assert sum(s.answer for s in segments(hit)) >= 3


@pytest.mark.parametrize("marks, answer", [
    ([], (0, 0)),  # nothing marked, empty answer
    ([], (0, 11)),  # answer is the whole text
    ([(0, 4)], (0, 11)),  # mark at the very start
    ([(7, 11)], (5, 11)),  # mark at the very end
    ([(0, 4), (5, 6), (7, 11)], (5, 6)),  # one-character answer and mark
    ([(0, 2), (2, 4)], (3, 8)),  # touching marks; answer starts inside a mark
])
def test_edge_spans(marks, answer):
    check_segments(make_hit("moon & <b>x", marks, answer))


def test_segments_are_plain_text_not_escaped():
    text = "<script>alert(1)</script> & moon"
    hit = make_hit(text, [(text.index("moon"), len(text))], (0, len(text)))
    check_segments(hit)
    assert segments(hit)[0].text.startswith("<script>")


def test_hits_built_from_the_bundled_articles():
    weights = {t: 1.0 for t in plan("Who created the Star City spinoff for Apple TV+?").terms}
    checked = 0
    for path in sorted(CORPUS.glob("*.txt")):
        doc = Document(doc_id=path.stem, title="t", text=path.read_text("utf-8"), source=path.name)
        for p in chunk_document(doc):
            answer = best_sentence(p.text, p.start, weights)
            marks = matched_spans(p.text, frozenset(weights))
            hit = make_hit(p.text, marks, (answer.start - p.start, answer.end - p.start), passage_start=p.start)
            assert hit.answer == answer
            check_segments(hit)
            checked += bool(marks)
    assert checked > 5


def test_hit_json_contract_leaves_marks_out():
    text = "A rocket took the crew to the moon."
    hit = make_hit(text, [(2, 8)], (0, len(text)))
    data = json.loads(json.dumps(SearchResponse(query="rocket", took_ms=1.5, results=(hit,)).to_dict()))
    (result,) = data["results"]
    assert set(result) == {"rank", "score", "text", "answer", "highlight", "citation"}
    assert result["answer"] == {"text": text, "start": 500, "end": 500 + len(text)}
    assert result["highlight"] == "A <mark>rocket</mark> took the crew to the moon."
    assert result["citation"]["start"] == 500
    with pytest.raises(AttributeError):  # a result cannot be changed
        hit.rank = 2
