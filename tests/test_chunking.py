"""Passages: whole sentences, document offsets, sizes near the target and never over the maximum."""
import math
import random
from pathlib import Path

import pytest

from search.chunking import check_sizes, chunk_document, passage_spans, word_count
from search.models import Document
from search.sentences import paragraph_spans, sentence_spans

CORPUS = Path(__file__).parent.parent / "corpus"
ARTICLES = sorted(CORPUS.glob("*.txt"))
TARGET, MAX = 100, 200  # the defaults of passage_spans and of the settings table


def sentence(rng: random.Random, words: int) -> str:
    body = " ".join(rng.choice(["moon", "rocket", "Apple", "the", "crew", "U.S.", "Dr.", "orbit", "2.5", "—"])
                    for _ in range(words - 1))
    return f"Start {body}{rng.choice('.!?')}" if words > 1 else "Alone."


def synthetic(seed: int, giants: bool = False) -> str:
    """Paragraphs of sentences of mixed lengths, headings, wrapped lines and odd spacing."""
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(rng.randint(1, 12)):
        kind = rng.random()
        if kind < 0.15:
            paragraphs.append(f"Heading number {rng.randint(1, 99)}")
        elif giants and kind < 0.25:
            paragraphs.append(" ".join(f"w{i}" for i in range(rng.randint(201, 700))))
        else:
            sentences = [sentence(rng, rng.randint(1, 45)) for _ in range(rng.randint(1, 14))]
            para = " ".join(sentences)
            if rng.random() < 0.3:  # hard-wrap at roughly 70 columns
                para = "\n".join(para[i:i + 70] for i in range(0, len(para), 70))
            paragraphs.append(para)
    return rng.choice(["", "  ", "\n"]) + rng.choice(["\n\n", "\n \t\n", "\n\n\n"]).join(paragraphs) + "\n"


def check_passages(text: str, spans: list[tuple[int, int]], max_words: int = MAX) -> None:
    """Offsets in order, no overlap, trimmed, all non-space text covered, size bound, no sentence cut."""
    cursor = 0
    for start, end in spans:
        assert cursor <= start < end <= len(text)
        assert text[cursor:start].strip() == "", "text between passages was lost"
        assert text[start:end] == text[start:end].strip()
        assert word_count(text[start:end]) <= max_words
        cursor = end
    assert text[cursor:].strip() == ""
    for para in paragraph_spans(text):
        for s, e in sentence_spans(text, *para):
            if word_count(text[s:e]) <= max_words:
                holders = [p for p in spans if p[0] <= s and e <= p[1]]
                assert len(holders) == 1, f"sentence cut: {text[s:e][:60]!r}"
            else:  # an over-long sentence is the one thing that may be cut, and only between words
                cuts = [c for p in spans for c in p if s < c < e]
                assert cuts
                assert all(text[c - 1].isspace() or text[c].isspace() for c in cuts)


def mean_words(text: str, spans) -> float:
    return sum(word_count(text[s:e]) for s, e in spans) / len(spans)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_bundled_articles(path):
    text = path.read_text("utf-8")
    doc = Document(doc_id=path.stem, title="t", text=text, source=path.name)
    passages = chunk_document(doc)
    spans = [(p.start, p.end) for p in passages]
    check_passages(text, spans)
    # Every sentence of the article, split over the whole text, also sits in one passage.
    for s, e in sentence_spans(text):
        assert sum(1 for a, b in spans if a <= s and e <= b) == 1
    assert mean_words(text, spans) <= 130
    assert max(word_count(p.text) for p in passages) <= 250
    assert len(passages) > 1


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.name)
def test_chunk_document_fields(path):
    doc = Document(doc_id="d1", title="t", text=path.read_text("utf-8"), source="s")
    passages = chunk_document(doc)
    assert [p.number for p in passages] == list(range(len(passages)))
    for p in passages:
        assert p.text == doc.text[p.start:p.end]
        assert p.doc_id == "d1"
        assert p.passage_id == f"d1#{p.number}"


@pytest.mark.parametrize("seed", range(40))
def test_synthetic_texts(seed):
    text = synthetic(seed)
    spans = passage_spans(text)
    check_passages(text, spans)
    assert mean_words(text, spans) <= 130


@pytest.mark.parametrize("seed", range(15))
def test_synthetic_texts_with_giant_sentences(seed):
    text = synthetic(seed, giants=True)
    check_passages(text, passage_spans(text))
    check_passages(text, passage_spans(text, 20, 60), max_words=60)


@pytest.mark.parametrize("max_words", [200, 150, 37])
def test_giant_sentence_without_punctuation_is_split_at_spaces(max_words):
    words = [f"word{i}" for i in range(1000)]
    text = " ".join(words)
    spans = passage_spans(text, 10, max_words)
    pieces = [text[s:e].split() for s, e in spans]
    assert all(0 < len(p) <= max_words for p in pieces)
    assert [w for p in pieces for w in p] == words  # nothing lost, nothing repeated, order kept
    assert len(pieces) == math.ceil(len(words) / max_words)  # no more pieces than needed


def test_passages_follow_paragraphs_of_target_size():
    paragraphs = [" ".join(f"P{p} sentence {s} " + "w " * 6 + "end." for s in range(10)) for p in range(3)]
    text = "\n\n".join(paragraphs)
    assert [text[s:e] for s, e in passage_spans(text)] == paragraphs


def test_long_paragraph_is_split_evenly():
    text = " ".join(f"S{i} " + "w " * 8 + "end." for i in range(45))  # 450 words, one paragraph
    sizes = [word_count(text[s:e]) for s, e in passage_spans(text)]
    assert sum(sizes) == 450
    assert len(sizes) in (4, 5)
    assert max(sizes) - min(sizes) <= 20  # at most two sentences apart


def test_small_paragraphs_are_merged():
    paragraphs = [f"Short paragraph {i} has just a few words in it." for i in range(12)]
    text = "\n\n".join(paragraphs)
    spans = passage_spans(text)
    check_passages(text, spans)
    assert len(spans) < len(paragraphs)
    assert all(word_count(text[s:e]) >= TARGET / 4 for s, e in spans)


def test_tiny_tail_joins_a_neighbour():
    body = " ".join(f"S{i} " + "w " * 8 + "end." for i in range(10))
    text = f"{body}\n\nTail."
    assert passage_spans(text) == [(0, len(text))]


def test_tiny_passage_stays_alone_when_joining_would_pass_max():
    big = "Start " + "w " * 197 + "end."  # one sentence of 199 words
    text = f"{big}\n\nTail end here."
    spans = passage_spans(text)
    check_passages(text, spans)
    assert [text[s:e] for s, e in spans] == [big, "Tail end here."]


@pytest.mark.parametrize("text", ["", " ", "\n\n \t\n", "\u00a0\u2003\n"])
def test_blank_text_gives_no_passages(text):
    assert passage_spans(text) == []
    assert chunk_document(Document(doc_id="d", title="t", text=text, source="s")) == []


@pytest.mark.parametrize("target, max_words", [
    (9, 200), (0, 200), (-5, 10), (100, 99), (100.0, 200), (100, 200.5), ("100", 200), (100, None),
])
def test_bad_sizes_are_rejected(target, max_words):
    with pytest.raises(ValueError):
        check_sizes(target, max_words)
    with pytest.raises(ValueError):
        passage_spans("Some text. More text.", target, max_words)


@pytest.mark.parametrize("target, max_words", [(10, 10), (100, 200), (100, 100), (300, 5000)])
def test_good_sizes_are_accepted(target, max_words):
    check_sizes(target, max_words)
    text = synthetic(1)
    check_passages(text, passage_spans(text, target, max_words), max_words)
