"""stored.stored_fields gives what Whoosh's reader gives, on one segment and on several."""
import pytest
from whoosh import index
from whoosh.fields import ID, STORED, TEXT, Schema

from search.stored import stored_fields


def make_index(path, commits):
    ix = index.create_in(str(path), Schema(pid=ID(stored=True, unique=True), text=TEXT(stored=True),
                                           sents=STORED, gone=STORED))
    n = 0
    for size in commits:
        writer = ix.writer()
        for _ in range(size):
            writer.add_document(pid=f"p{n}", text=f"passage {n} about the moon", sents=[[0, n]], gone=n)
            n += 1
        writer.commit(merge=False)
    return ix


@pytest.mark.parametrize("commits", [[12], [5, 4, 7]])
def test_same_fields_as_whoosh_in_any_order(tmp_path, commits):
    ix = make_index(tmp_path, commits)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        docnums = list(range(reader.doc_count_all()))[::-1] + [3, 3]
        assert stored_fields(reader, docnums) == [searcher.stored_fields(n) for n in docnums]
        assert len(list(reader.leaf_readers())) == len(commits)


def test_a_field_the_schema_lost_is_dropped_as_whoosh_drops_it(tmp_path):
    ix = make_index(tmp_path, [3, 3])
    with ix.searcher() as searcher:
        reader = searcher.reader()
        for leaf, _ in reader.leaf_readers():
            if "gone" in leaf.schema:  # the leaves may share one schema
                leaf.schema.remove("gone")
        found = stored_fields(reader, [0, 4])
        assert found == [searcher.stored_fields(0), searcher.stored_fields(4)]
        assert "gone" not in found[0] and found[1]["pid"] == "p4"


def test_rejects_a_negative_docnum(tmp_path):
    with make_index(tmp_path, [2]).searcher() as searcher:
        with pytest.raises(ValueError):
            stored_fields(searcher.reader(), [-1])
