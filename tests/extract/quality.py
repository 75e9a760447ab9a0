"""Precision and recall of the expectation extractor on the labelled corpus in corpus/.

python -m tests.extract.quality      # prints the table that docs/extraction.md shows
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tracker.extract.expectations import THRESHOLD, score_sentences

CORPUS = Path(__file__).parent / "corpus"


@dataclass(frozen=True)
class Quality:
    """Counts over the corpus: a sentence is found when it scores at least THRESHOLD."""

    passages: int
    sentences: int
    expectations: int
    true_positives: int
    false_positives: int
    missed: list[str]
    wrongly_found: list[str]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expectations if self.expectations else 0.0


def measure(threshold: float = THRESHOLD, *, corpus: Path = CORPUS) -> Quality:
    """Score every sentence of every labelled passage and compare with the labels."""
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    passages = sentences = expectations = tp = fp = 0
    missed: list[str] = []
    wrong: list[str] = []
    for name, label in labels.items():
        if name.startswith("_"):
            continue
        text = (corpus / name).resolve().read_text(encoding="utf-8")
        wanted = label["expectations"]
        published = date.fromisoformat(label["published"])
        passages += 1
        matched: set[str] = set()
        for sentence, score in score_sentences(text, published=published):
            sentences += 1
            gold = [w for w in wanted if sentence.plain.startswith(w)]
            matched.update(gold)
            if gold:
                expectations += 1
                if score >= threshold:
                    tp += 1
                else:
                    missed.append(f"{name}: {sentence.plain[:70]} ({score})")
            elif score >= threshold:
                fp += 1
                wrong.append(f"{name}: {sentence.plain[:70]} ({score})")
        unmatched = set(wanted) - matched
        if unmatched:
            raise AssertionError(f"{name}: labels match no sentence: {sorted(unmatched)}")
    return Quality(passages, sentences, expectations, tp, fp, missed, wrong)


HELD_OUT = CORPUS / "held-out"


def table(development: Quality, held_out: Quality) -> str:
    """The figures as the Markdown table docs/extraction.md carries."""
    rows = [
        "| corpus | passages | sentences | expectations | found | of them right | precision | recall |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, q in (("development", development), ("held out", held_out)):
        rows.append(
            f"| {name} | {q.passages} | {q.sentences} | {q.expectations} "
            f"| {q.true_positives + q.false_positives} | {q.true_positives} "
            f"| {q.precision:.2f} | {q.recall:.2f} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    development, held_out = measure(), measure(corpus=HELD_OUT)
    print(table(development, held_out))
    for result in (development, held_out):
        for line in result.missed:
            print("missed:", line)
        for line in result.wrongly_found:
            print("wrongly found:", line)
