"""Build a scale corpus from a SQuAD-layout file: real paragraphs plus synthetic passages.

Every SQuAD paragraph becomes one passage; synthetic passages (3-8 real sentences drawn at
random) fill the corpus up to the requested size. Fixed seeds make every output reproducible,
and a smaller corpus is always a prefix of a larger one, so sizes are comparable.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

SEED = 13
QUESTION_SAMPLE = 500
# Good enough for drawing sentences: split after . ! ? when the next word starts like a sentence.
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[A-Z0-9\"“(])")


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[dict, ...]


def load_squad(path: Path | str) -> list[Article]:
    """Articles of an official SQuAD v1.1 JSON file, in file order."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    articles = []
    for art in data:
        title = art["title"].replace("_", " ")
        questions = tuple(
            {"id": qa["id"], "question": qa["question"],
             "answers": sorted({a["text"] for a in qa["answers"]}), "title": title}
            for para in art["paragraphs"] for qa in para["qas"])
        articles.append(Article(title, tuple(p["context"] for p in art["paragraphs"]), questions))
    return articles


def split_sentences(text: str) -> list[str]:
    """Sentences of text by a simple regex; empty pieces are dropped."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s.strip()]


def real_passages(articles: list[Article]) -> list[dict]:
    """One record per SQuAD paragraph, ids `<title>#<n>`."""
    return [{"id": f"{a.title}#{n}", "title": a.title, "text": text}
            for a in articles for n, text in enumerate(a.paragraphs)]


def synthetic_passages(articles: list[Article], count: int, seed: int = SEED) -> list[dict]:
    """count passages of 3-8 random real sentences, titled after their first sentence's article."""
    pool = [(a.title, s) for a in articles for p in a.paragraphs for s in split_sentences(p)]
    rng = random.Random(seed)
    records = []
    for n in range(count):
        picked = [pool[rng.randrange(len(pool))] for _ in range(rng.randint(3, 8))]
        records.append({"id": f"synthetic-{n:07d}", "title": picked[0][0],
                        "text": " ".join(s for _, s in picked)})
    return records


def build_corpus(articles: list[Article], size: int, seed: int = SEED) -> list[dict]:
    """Exactly size records (or all real ones if size is smaller): real first, then synthetic."""
    real = real_passages(articles)
    if size <= len(real):
        return real[:size]
    return real + synthetic_passages(articles, size - len(real), seed)


def sample_questions(articles: list[Article], count: int = QUESTION_SAMPLE,
                     seed: int = SEED) -> list[dict]:
    """A fixed random sample of the file's questions, in sampled order."""
    questions = [q for a in articles for q in a.questions]
    return random.Random(seed).sample(questions, min(count, len(questions)))


def write_jsonl(records: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def generate(squad: Path | str, size: int, out_dir: Path | str) -> tuple[Path, Path]:
    """Write corpus-<size>.jsonl and questions.jsonl into out_dir; return both paths."""
    if size < 1:
        raise ValueError(f"size must be positive, got {size}")
    articles = load_squad(squad)
    out_dir = Path(out_dir)
    corpus = write_jsonl(build_corpus(articles, size), out_dir / f"corpus-{size}.jsonl")
    questions = write_jsonl(sample_questions(articles), out_dir / "questions.jsonl")
    return corpus, questions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", default="../shared/benchmarks/squad-dev-a.json")
    parser.add_argument("--size", type=int, default=22_000, help="total passages")
    parser.add_argument("--out", default="benchmarks/out/data", help="output folder")
    args = parser.parse_args(argv)
    corpus, questions = generate(args.squad, args.size, args.out)
    print(f"wrote {corpus} and {questions}")


if __name__ == "__main__":
    main()
