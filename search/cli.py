"""The `qa-search` command: index, ask and serve (also `python -m search`)."""
from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from . import settings
from .errors import SearchError
from .jsonio import dumps
from .models import SearchResponse


def _progress(total: int, label: str):
    """A tqdm bar of documents with the passages/s so far, on a terminal; silence elsewhere (pipes, CI logs)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    bar = tqdm(total=total, unit=label, file=sys.stderr, leave=False)

    def update(done: int, passages: int) -> None:
        elapsed = bar.format_dict["elapsed"]
        if elapsed:
            bar.set_postfix_str(f"{passages / elapsed:,.0f} passages/s", refresh=False)
        bar.update(done - bar.n)
    return update


def cmd_index(args) -> int:
    if args.check:
        return cmd_check(args)
    from .corpus import corpus_files
    from .maintenance import rescan
    corpus = Path(args.corpus)
    total = len(corpus_files(corpus)) if corpus.is_dir() else 0
    report = rescan(corpus, Path(args.index), rebuild=args.rebuild, progress=_progress(total, "doc"))
    if report.rebuilt:
        rate = report.passages / report.seconds if report.seconds else 0.0
        _print_notes(report)
        print(f"indexed {report.documents} documents as {report.passages} passages in "
              f"{report.seconds:.2f} s ({rate:,.0f} passages/s) into {args.index} ({report.rebuilt})")
        return 0
    return _print_update(report, args.index)


def _print_notes(report) -> None:
    for problem in report.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)


def _print_update(report, index) -> int:
    """What an incremental update did, one line per kind of change, then the totals."""
    _print_notes(report)
    for label, ids in (("added", report.added), ("updated", report.replaced), ("removed", report.removed)):
        if ids:
            shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
            print(f"{label} {len(ids)}: {shown}")
    if report.rebuilt:
        print(f"rebuilt the index ({report.rebuilt})")
    elif not (report.added or report.replaced or report.removed):
        print("the index is up to date")
    print(f"{report.documents} documents, {report.passages} passages in {index} ({report.seconds:.2f} s)")
    return 0


def cmd_check(args) -> int:
    from .indexcheck import check_index
    report = check_index(Path(args.corpus), Path(args.index))
    for finding in report.findings:
        print(f"problem: {finding.problem}\n  repair: {finding.repair}")
    if report.ok:
        print(f"ok: {report.documents} documents, {report.passages} passages in {args.index} match {args.corpus}")
        return 0
    return 1


def cmd_add(args) -> int:
    from .maintenance import add
    return _print_update(add(Path(args.corpus), Path(args.index), args.paths), args.index)


def cmd_remove(args) -> int:
    from .maintenance import remove
    return _print_update(remove(Path(args.index), args.doc_ids), args.index)


def format_text(response: SearchResponse) -> str:
    """The response for people: rank, answer sentence, citation, passage; as the web page does,
    it says so when no passage answers well, and offers the spelling suggestion."""
    spelling = f' Did you mean "{response.suggestion}"?' if response.suggestion else ""
    if not response.results:
        return f'No passages match "{response.query}".{spelling}'
    lines = []
    if not response.answered:
        lines += [f'No good answer found: none of the passages holds enough of "{response.query}" to answer it; '
                  f"the ones below share only some of its words.{spelling}", ""]
    for hit in response.results:
        c = hit.citation
        when = f", {c.date}" if c.date else ""
        lines.append(f"[{hit.rank}] {hit.answer.text}")
        lines.append(f"    — {c.title} ({c.url or c.source}{when}; chars {c.start}–{c.end}) score {hit.score}")
        lines.extend(textwrap.wrap(hit.text, 96, initial_indent="    ", subsequent_indent="    ",
                                   max_lines=4, placeholder=" …"))
        lines.append("")
    count = len(response.results)
    lines.append(f"{count} result{'s' if count != 1 else ''} in {response.took_ms} ms")
    return "\n".join(lines)


def cmd_ask(args) -> int:
    from .engine import Engine
    engine = Engine(args.index)
    try:
        response = engine.ask(args.question, k=args.k)
    finally:
        engine.close()
    print(dumps(response.to_dict()) if args.json else format_text(response))
    return 0


def cmd_serve(args) -> int:
    from .freshness import why_rebuild
    from .serve import serve
    corpus, index = Path(args.corpus), Path(args.index)
    reason = why_rebuild(corpus, index) if corpus.is_dir() else None
    if reason:
        print(f"building the index from {corpus} ({reason}) …", file=sys.stderr)
        cmd_index(argparse.Namespace(corpus=str(corpus), index=str(index), rebuild=False, check=False))
    serve(index, args.host, args.port, args.workers)
    return 0


def cmd_eval(args) -> int:
    from . import benchmark
    from .evaluation import check_ks, markdown_table
    try:
        ks = check_ks(int(k) for k in args.k.split(","))
        floors = benchmark.parse_floors(args.fail_under)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.squad:
        report = benchmark.evaluate_squad(args.squad, ks)
    else:
        report = benchmark.evaluate_questions(args.questions, args.index, ks)
    print(dumps(report.to_dict()) if args.json else markdown_table([report], ks))
    missed = benchmark.shortfalls(report, floors)
    for line in missed:
        print(f"quality floor: {line}", file=sys.stderr)
    return 1 if missed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa-search", description="Ask questions of a folder of articles.")
    sub = parser.add_subparsers(dest="command", required=True)

    def folders(p, corpus=True):
        if corpus:
            p.add_argument("--corpus", default=str(settings.default_corpus()),
                           help="folder of articles (default: %(default)s, env QA_SEARCH_CORPUS)")
        p.add_argument("--index", default=str(settings.default_index()),
                       help="index folder (default: %(default)s, env QA_SEARCH_INDEX)")

    p = sub.add_parser("index", help="build the index, or bring it up to date with the corpus")
    folders(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--rebuild", action="store_true", help="build from scratch instead of re-scanning changed files")
    mode.add_argument("--check", action="store_true",
                      help="verify the index against the corpus and say how to repair it (changes nothing)")
    p.set_defaults(run=cmd_index)

    p = sub.add_parser("add", help="index files (copying them into the corpus when they are elsewhere)")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".txt, .md, .html or .jsonl files")
    folders(p)
    p.set_defaults(run=cmd_add)

    p = sub.add_parser("remove", help="take documents out of the index by id (they stay out of re-scans)")
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID", help="document ids, as search results cite them")
    folders(p, corpus=False)
    p.set_defaults(run=cmd_remove)

    p = sub.add_parser("ask", help="ask a question and print ranked, cited passages")
    p.add_argument("question", help="the question, in plain words")
    p.add_argument("-k", type=int, default=settings.get("k_default"),
                   help=f"number of passages (1..{settings.get('k_max')}, default %(default)s)")
    p.add_argument("--json", action="store_true", help="print the JSON endpoint's body instead of text")
    folders(p, corpus=False)
    p.set_defaults(run=cmd_ask)

    p = sub.add_parser("serve", help="serve the web app with gunicorn, building the index when needed")
    folders(p)
    p.add_argument("--host", default=settings.get("host"), help="address (default: %(default)s)")
    p.add_argument("--port", type=int, default=settings.get("port"), help="port (default: %(default)s)")
    p.add_argument("--workers", type=int, default=settings.get("workers"),
                   help="gunicorn sync workers (default: %(default)s)")
    p.set_defaults(run=cmd_serve)

    p = sub.add_parser("eval", help="measure answer quality on a benchmark question set")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--squad", help="a SQuAD v1.1 JSON file: its articles are indexed in a temp dir")
    source.add_argument("--questions", help="a JSONL question set (id, question, answers, sources) "
                                            "asked against --index")
    p.add_argument("--k", default="1,5,10,20", help="cut-offs for answer recall (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--fail-under", action="append", default=[], metavar="METRIC=VALUE",
                   help="exit 1 when a metric is below VALUE (repeatable), e.g. R@1=0.86")
    folders(p, corpus=False)
    p.set_defaults(run=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        settings.check_environment()  # before the parser, whose defaults read settings
        args = build_parser().parse_args(argv)
        return args.run(args)
    except SearchError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2 if exc.status == 400 else 1
    except KeyboardInterrupt:
        return 130
