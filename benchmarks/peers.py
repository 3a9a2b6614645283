"""Peer search libraries scored like our engine, each indexing the gold SQuAD paragraphs.

Run from the repository root (needs the `bench` extra):

    python -m benchmarks.peers [--squad PATH] [--peers NAME ...] [--json] [--plot PATH]

Our engine runs first, in the same process, through `search.benchmark.evaluate_squad` (the
same code as `qa-search eval --squad`: our own chunking, the same ask() the web app calls);
`--no-engine` leaves it out.

Every peer gets the same passages (one per SQuAD paragraph, doc_id = article title) and
the same free-text questions; only `search` is timed. Peers pick no answer sentence, so the
same naive selector (`first_best_sentence`) is applied to each top passage after the timed
call: a baseline for our engine's answer-sentence@1, not a property of the peer.

Tokenization matters most for rank_bm25, which has none of its own: with lowercased regex
words it lands about 0.04 below the issue's R@1 (0.818); `rank_bm25+stem`, the same
ranking over our analyzer's terms, lands within 0.01. The other peers use their own
analyzers and match the issue's figures within 0.01.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from search import analysis, evaluation
from search.answers import best_sentence
from search.evaluation import Report
from search.metrics import Ranked

# Shared data sits beside the checkout: ../shared/ from the repository root.
DEFAULT_SQUAD = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "squad-dev-a.json"
DEFAULT_KS = (1, 5, 10, 20)

Passage = tuple[str, str]  # (passage text, doc_id)

# rank_bm25 ships no tokenizer. Lowercased runs of word characters: the tokenization its
# README shows (a whitespace split) but without punctuation glued to words ("pi?" vs "pi").
_WORD = re.compile(r"\w+")


def simple_words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class RankBM25:
    """rank_bm25.BM25Okapi with default parameters (k1=1.5, b=0.75, epsilon=0.25)."""

    name = "rank_bm25"
    tokenize = staticmethod(simple_words)

    def build(self, passages: Sequence[Passage]) -> None:
        from rank_bm25 import BM25Okapi

        self.passages = list(passages)
        self.bm25 = BM25Okapi([self.tokenize(text) for text, _ in self.passages])

    def search(self, question: str, k: int) -> list[Passage]:
        import numpy as np

        scores = self.bm25.get_scores(self.tokenize(question))
        return [self.passages[i] for i in np.argsort(-scores, kind="stable")[:k]]


class RankBM25Stemmed(RankBM25):
    """BM25Okapi over our own analyzer's terms (stop words out, Snowball stems): ranking alone compared."""

    name = "rank_bm25+stem"
    tokenize = staticmethod(analysis.terms)


class BM25S:
    """bm25s (its default Lucene BM25) with the PyStemmer English stemmer and its "en" stop words."""

    name = "bm25s"

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, return_ids=False, show_progress=False)

    def build(self, passages: Sequence[Passage]) -> None:
        import bm25s
        import Stemmer

        self.passages = list(passages)
        self.stemmer = Stemmer.Stemmer("english")
        self.retriever = bm25s.BM25()
        self.retriever.index(self._tokens([text for text, _ in self.passages]), show_progress=False)

    def search(self, question: str, k: int) -> list[Passage]:
        vocab = self.retriever.vocab_dict
        tokens = [t for t in self._tokens([question])[0] if t in vocab]
        if not tokens:  # bm25s refuses a query with no known token
            return []
        ids, _ = self.retriever.retrieve([tokens], k=min(k, len(self.passages)), show_progress=False)
        return [self.passages[i] for i in ids[0]]


class Tantivy:
    """tantivy in memory, en_stem tokenizer, default BM25; the question parsed leniently as an OR query."""

    name = "tantivy"

    def build(self, passages: Sequence[Passage]) -> None:
        import tantivy

        builder = tantivy.SchemaBuilder()
        builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
        builder.add_integer_field("pos", stored=True)
        self.passages = list(passages)
        self.index = tantivy.Index(builder.build())
        writer = self.index.writer(heap_size=50_000_000, num_threads=1)
        for pos, (text, _) in enumerate(self.passages):
            writer.add_document(tantivy.Document(body=text, pos=pos))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, question: str, k: int) -> list[Passage]:
        # Query syntax characters (: " ( ) - + ^ ...) are replaced by spaces; en_stem splits
        # on them anyway, so only the operators they would form are lost.
        query, _ = self.index.parse_query_lenient(" ".join(simple_words(question)), ["body"])
        hits = self.searcher.search(query, k).hits
        return [self.passages[self.searcher.doc(address)["pos"][0]] for _, address in hits]


class Whoosh:
    """Whoosh 2.7.4 in RAM, BM25F defaults, StemmingAnalyzer; OR of the question's analyzed terms."""

    name = "whoosh"

    def build(self, passages: Sequence[Passage]) -> None:
        from whoosh.analysis import StemmingAnalyzer
        from whoosh.fields import NUMERIC, TEXT, Schema
        from whoosh.filedb.filestore import RamStorage

        self.passages = list(passages)
        self.analyzer = StemmingAnalyzer()
        schema = Schema(body=TEXT(analyzer=self.analyzer), pos=NUMERIC(stored=True))
        self.index = RamStorage().create_index(schema)
        with self.index.writer() as writer:
            for pos, (text, _) in enumerate(self.passages):
                writer.add_document(body=text, pos=pos)
        self.searcher = self.index.searcher()  # BM25F is the default weighting

    def search(self, question: str, k: int) -> list[Passage]:
        from whoosh.query import Or, Term

        terms = dict.fromkeys(t.text for t in self.analyzer(question))
        if not terms:
            return []
        hits = self.searcher.search(Or([Term("body", t) for t in terms]), limit=k)
        return [self.passages[hit["pos"]] for hit in hits]


class Lucene:
    """Lucene BM25 through pyserini (benchmarks/lucene.py), in a temporary folder; when it can run here."""

    name = "lucene"

    def build(self, passages: Sequence[Passage]) -> None:
        import tempfile

        from . import lucene

        self.passages = list(passages)
        self._folder = tempfile.TemporaryDirectory(prefix="lucene-peer-")
        lucene.build(((str(pos), text, str(pos)) for pos, (text, _) in enumerate(self.passages)),
                     Path(self._folder.name))
        self.searcher = lucene.Searcher(Path(self._folder.name))

    def search(self, question: str, k: int) -> list[Passage]:
        return [self.passages[int(pos)] for pos in self.searcher.search(question, k)]


PEERS = {peer.name: peer for peer in (RankBM25, RankBM25Stemmed, BM25S, Tantivy, Whoosh, Lucene)}


def first_best_sentence(question: str, passage: str) -> str:
    """The first sentence of passage holding the most distinct analyzed question terms."""
    return best_sentence(passage, 0, dict.fromkeys(analysis.terms(question), 1.0)).text


def with_answer_sentence(question: str, ranked: list[Ranked]) -> list[Ranked]:
    """The top passage gains the baseline answer sentence (outside the timed search)."""
    if not ranked:
        return ranked
    top = ranked[0]
    return [replace(top, answer_sentence=first_best_sentence(question, top.text))] + ranked[1:]


def run_peer(peer, passages: Sequence[Passage], questions, ks, progress: bool = True) -> Report:
    """Build the peer over passages (timed) and evaluate it on questions."""
    start = time.perf_counter()
    peer.build(passages)
    build_seconds = time.perf_counter() - start
    return evaluation.evaluate(peer.search, questions, ks, progress, name=peer.name,
                               passages=[text for text, _ in passages], build_seconds=build_seconds,
                               annotate=with_answer_sentence)


def run_peers(squad_path: Path | str = DEFAULT_SQUAD, ks: Sequence[int] = DEFAULT_KS,
              names: Sequence[str] | None = None, limit: int | None = None, progress: bool = True) -> list[Report]:
    """One Report per peer on the SQuAD file, in PEERS order (or the order of names)."""
    _, questions = evaluation.load_squad(squad_path)
    questions = questions[:limit] if limit else questions
    passages = [(text, doc_id) for doc_id, text in evaluation.gold_paragraphs(squad_path)]
    unknown = set(names or ()) - set(PEERS)
    if unknown:
        raise ValueError(f"unknown peers {sorted(unknown)}; choose from {sorted(PEERS)}")
    return [run_peer(PEERS[name](), passages, questions, ks, progress) for name in (names or default_peers())]


def default_peers() -> list[str]:
    """Every peer, but Lucene only where it can run (it needs Java 21+ and pyserini)."""
    from . import lucene

    why = lucene.available()
    if why:
        print(f"lucene left out: {why}", file=sys.stderr)
    return [name for name in PEERS if name != Lucene.name or not why]


def plot_recall(reports: Sequence[Report], path: Path | str, max_k: int = 20,
                title: str = "Answer recall@k") -> None:
    """Answer recall@k for k = 1..max_k, one line per system, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on benchmark machines
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for report in reports:
        curve = report.recall[:max_k]
        ax.plot(range(1, len(curve) + 1), curve, marker="o", markersize=3, label=report.name)
    ax.set_xlabel("k (passages returned)")
    ax.set_ylabel("answer recall@k")
    ax.set_xticks(range(1, max_k + 1))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right")
    ax.set_title(title)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def _engine_report(squad: str, ks: Sequence[int], limit: int | None) -> Report:
    from search import benchmark

    return benchmark.evaluate_squad(squad, ks, limit=limit)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default=str(DEFAULT_SQUAD), help="SQuAD v1.1 JSON file")
    parser.add_argument("--ks", type=int, nargs="+", default=list(DEFAULT_KS), help="recall cut-offs")
    parser.add_argument("--peers", nargs="+", choices=sorted(PEERS), help="peers to run (default: all)")
    parser.add_argument("--limit", type=int, help="only the first N questions (quick runs)")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON instead")
    parser.add_argument("--plot", metavar="PATH", help="also draw recall@k for k = 1..20 to this PNG")
    parser.add_argument("--no-engine", action="store_true", help="peers only, without our engine")
    args = parser.parse_args(argv)
    ks = sorted(set(args.ks) | ({20} if args.plot else set()))  # the plot needs the curve up to 20
    if args.peers and Lucene.name in args.peers:  # said before the engine's minute of work
        from . import lucene

        why = lucene.available()
        if why:
            parser.error(f"lucene cannot run here: {why}")
    reports = [] if args.no_engine else [_engine_report(args.squad, ks, args.limit)]
    reports += run_peers(args.squad, ks, args.peers, args.limit)
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], indent=2))
    else:
        print(evaluation.markdown_table(reports, args.ks))
    if args.plot:
        plot_recall(reports, args.plot, title=f"Answer recall@k on {Path(args.squad).name} (peers index the gold paragraphs)")
        print(f"recall plot written to {args.plot}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
