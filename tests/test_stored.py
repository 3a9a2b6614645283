"""stored.stored_fields gives what Whoosh's reader gives, on one segment and on several."""
import pytest
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage

from search.stored import stored_fields


def make_index(path, commits, mmap=True):
    # The engine opens indexes without mmap (search/builds.py): stored.py then reads with
    # os.pread; with mmap it falls back to Whoosh's per-document reader. Both are checked.
    ix = FileStorage(str(path), supports_mmap=mmap).create_index(Schema(pid=ID(stored=True, unique=True), text=TEXT(stored=True),
                                           sents=STORED, gone=STORED))
    n = 0
    for size in commits:
        writer = ix.writer()
        for _ in range(size):
            writer.add_document(pid=f"p{n}", text=f"passage {n} about the moon", sents=[[0, n]], gone=n)
            n += 1
        writer.commit(merge=False)
    return ix


@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("commits", [[12], [5, 4, 7]])
def test_same_fields_as_whoosh_in_any_order(tmp_path, commits, mmap):
    ix = make_index(tmp_path, commits, mmap)
    with ix.searcher() as searcher:
        reader = searcher.reader()
        docnums = list(range(reader.doc_count_all()))[::-1] + [3, 3]
        assert stored_fields(reader, docnums) == [searcher.stored_fields(n) for n in docnums]
        assert len(list(reader.leaf_readers())) == len(commits)


@pytest.mark.parametrize("mmap", [False, True])
def test_a_field_the_schema_lost_is_dropped_as_whoosh_drops_it(tmp_path, mmap):
    ix = make_index(tmp_path, [3, 3], mmap)
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


@pytest.mark.parametrize("commits", [[4], [2, 3]])
def test_segments_opened_without_mmap_are_read_with_pread(tmp_path, commits):
    from search import stored

    ix = make_index(tmp_path, commits, mmap=False)
    with ix.searcher() as searcher:
        for leaf, _ in searcher.reader().leaf_readers():
            read = stored._pread_column(leaf._perdoc)
            assert read is not None
            assert [read(n) for n in range(leaf.doc_count_all())] == \
                [leaf.stored_fields(n) for n in range(leaf.doc_count_all())]
