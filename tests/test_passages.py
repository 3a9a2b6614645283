"""Passages decoded once and kept: what the cache gives is what the index stores, for every
segment and after merges; the engine answers the same with the cache as without it."""
from __future__ import annotations

import numpy as np
import pytest

from search.engine import Engine
from search.indexer import index_corpus
from search.maintenance import add, remove
from search.passages import Passage, PassageCache, footprint
from search.stored import stored_fields
from search.termcodes import term_code
from support import make_corpus

QUESTIONS = ["Who created the Star City spinoff?", "When does Star City premiere?",
             "How many seasons has For All Mankind had?", "Where is Star City set?",
             "Which network streams the series?", "Soviet space program secret city",
             "What did the cosmonauts find on the Moon?"]


def same_passage(a: Passage, b: Passage) -> bool:
    return (a.fields == b.fields and a.text == b.text and list(a.sentences) == list(b.sentences)
            and np.array_equal(a.codes, b.codes) and np.array_equal(a.lengths, b.lengths)
            and np.array_equal(a.word_codes, b.word_codes)
            and (a.starts is None) == (b.starts is None)
            and (a.starts is None or np.array_equal(a.starts, b.starts)))


def article(title: str, body: str) -> str:
    return f"{title}\n\n{body}\n"


@pytest.fixture
def folders(tmp_path):
    corpus = make_corpus(tmp_path / "corpus", {
        f"doc{n}.txt": article(f"Article {n}", f"The rover number {n} crossed crater {n} at dawn. "
                                                f"Its camera saw a comet in {1990 + n}.")
        for n in range(6)})
    index = tmp_path / "index"
    index_corpus(corpus, index)
    return corpus, index


def test_cache_gives_what_each_segment_stores_and_keeps_the_most_recent_within_its_bytes(folders, tmp_path):
    corpus, index = folders
    engine = Engine(index)
    extra = make_corpus(tmp_path / "more", {"mars.txt": article("Mars", "A volcano on Mars erupted in 2004."),
                                            "venus.txt": article("Venus", "Clouds of acid hide Venus.")})
    add(corpus, index, [extra / "mars.txt"])
    add(corpus, index, [extra / "venus.txt"])  # one more segment each
    reader = engine.index.searcher().reader()
    assert len(reader.leaf_readers()) >= 2
    everything = list(range(reader.doc_count_all()))
    room = sum(footprint(Passage.from_fields(f)) for f in stored_fields(reader, everything[-3:]))
    cache = PassageCache(max_bytes=room)  # room for the last three
    first = cache.read(reader, everything)
    assert all(same_passage(p, Passage.from_fields(f)) for p, f in zip(first, stored_fields(reader, everything)))
    assert len(cache) == 3 and cache.held == room
    last = everything[-3:]
    again = cache.read(reader, last)
    assert all(a is b for a, b in zip(again, first[-3:]))  # kept, not read again
    assert cache.held == room  # and not counted again
    assert all(a is not b for a, b in zip(cache.read(reader, everything[:1]), first[:1]))  # pushed out
    engine.close()


def test_cache_never_serves_a_passage_of_a_merged_or_replaced_segment(folders, tmp_path):
    corpus, index = folders
    engine = Engine(index)
    assert [h.citation.doc_id for h in engine.ask("comet", k=10).results]  # fills the cache
    extra = make_corpus(tmp_path / "more", {f"m{n}.txt": article(f"More {n}", f"A comet tail number {n}.")
                                            for n in range(10)})
    for n in range(10):  # enough commits that Whoosh merges segments, renumbering passages
        add(corpus, index, [extra / f"m{n}.txt"])
    remove(index, ["doc0"])
    searcher = engine.index.searcher()
    reader = searcher.reader()
    live = [n for n in range(reader.doc_count_all()) if not reader.is_deleted(n)]
    read = engine.index._passages.read(reader, live)
    assert all(same_passage(p, Passage.from_fields(f)) for p, f in zip(read, stored_fields(reader, live)))
    fresh = Engine(index)
    fresh.index._passages = PassageCache(0)
    for question in ["comet tail", "rover crater dawn", "comet 1993"]:
        assert engine.ask(question).to_dict() | {"took_ms": 0} == fresh.ask(question).to_dict() | {"took_ms": 0}
    engine.close()
    fresh.close()


def test_no_room_keeps_nothing_and_a_negative_size_is_refused(engine):
    reader = engine.index.searcher().reader()
    cache = PassageCache(0)
    a, b = cache.read(reader, [0]), cache.read(reader, [0])
    assert same_passage(a[0], b[0]) and a[0] is not b[0] and len(cache) == 0 and cache.held == 0
    with pytest.raises(ValueError):
        PassageCache(-1)


def test_engine_answers_alike_with_and_without_kept_passages(bundled_index, monkeypatch):
    """Kept passages carry what the re-ranker worked out from them (the marks of a kind of
    answer, whether a sentence asks): asked again, and by questions of other kinds, the answers
    are those of an engine that keeps nothing."""
    kept = Engine(bundled_index)
    monkeypatch.setenv("QA_SEARCH_PASSAGE_CACHE_MB", "0")
    plain = Engine(bundled_index)
    assert plain.index._passages.max_bytes == 0
    for _ in range(2):
        for question in QUESTIONS:
            ours, theirs = kept.ask(question, k=10).to_dict(), plain.ask(question, k=10).to_dict()
            ours.pop("took_ms"), theirs.pop("took_ms")
            assert ours == theirs
    assert len(kept.index._passages) > 0 and any(p.memo for p in kept.index._passages.passages())
    kept.close()
    plain.close()


def test_one_code_lookup_agrees_with_the_terms_and_bigrams_it_joins():
    from search.questions import read_question
    for text in QUESTIONS + ["moon moon landing of the moon", "a", "Who?"]:
        q = read_question(text, {t: 1.0 + n for n, t in enumerate(sorted({*text.lower().split()}))})
        codes, bits, places = q.code_lookup
        weighted = {term_code(t): b for t, b in q.term_bits.items()}
        paired = sorted({t for pair in q.bigrams for t in pair})
        place = {term_code(t): n for n, t in enumerate(paired)}
        assert len(set(codes.tolist())) == len(codes)
        for code, bit, number in zip(codes.tolist(), bits.tolist(), places.tolist()):
            assert bit == weighted.get(code, 0)
            assert number == place.get(code, -1)
        assert set(codes.tolist()) == set(weighted) | set(place)
        terms, keys = q.bigram_keys
        assert terms == len(paired)
        assert keys.tolist() == sorted(paired.index(a) * terms + paired.index(b) for a, b in q.bigrams)


def test_footprint_counts_the_text_and_every_stored_bytes_field(engine):
    """Sentence vectors are stored bytes too: a passage holding them costs that much more."""
    reader = engine.index.searcher().reader()
    plain = Passage.from_fields({k: v for k, v in stored_fields(reader, [0])[0].items() if k != "vec"})
    with_vectors = Passage.from_fields({**plain.fields, "vec": bytes(384 * 4 * 3)})
    assert footprint(with_vectors) - footprint(plain) == 384 * 4 * 3
    assert footprint(plain) > len(plain.text) + len(plain.fields["tcodes"])
