"""Find the expectations in a report: a deterministic, explainable scorer of its sentences.

Every sentence gets points for what marks a forecast (cue words such as "expect", "likely",
"will", "set for", "scenario", "in the coming months", "next"; the report's own emphasis;
words of estimative probability and stated chances; a date or horizon still to come;
alternatives) and loses points for what marks background (past tense, a date already gone, a
negated cue). Each point is kept as a reason, so the ranking can be read and argued with.

Besides the score, each candidate carries what the report says about it: the probability it is
credited with (a stated chance, or estimative words read through the yardstick in force), its
stance (a forecast, or only a conditional, an intention, or a disclaimed expectation, which
are not credited), the deadline its own words give (tracker/extract/dates.py; none borrowed
from a neighbour), the options of a scenario set (in full, with "none of these" unless the
report says the set is exhaustive), and a drafted title and criteria (tracker/extract/drafts.py).
No model, no network: the same text always gives the same candidates. The tables are
documented in docs/extraction.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction

from tracker.domain.expectations import (
    OTHER_OUTCOME,
    Candidate,
    Reason,
    Sentence,
    SuggestedDeadline,
    SuggestedProbability,
)
from tracker.domain.yardsticks import Term, Yardstick, get_yardstick
from tracker.extract.dates import find_times
from tracker.extract.drafts import draft_criteria, draft_title, proper_names
from tracker.extract.sentences import split_sentences

# --- the tables ---------------------------------------------------------------------------------

#: Forward-looking cues: (pattern, weight, label). Patterns are case-insensitive, on word bounds.
CUES: tuple[tuple[str, float, str], ...] = (
    (r"expect(?:s|ed|ing|ation|ations)?", 3.0, "expect"),
    (r"anticipat(?:e|es|ed|ion)", 2.5, "anticipate"),
    (r"forecast(?:s|ed)?|predict(?:s|ed|ion)?|projected|projections?|favou?red to|"
     r"we (?:assess|judge)|assess(?:es|ed)? that",
     2.0, "forecast"),
    (r"set for|scheduled|slated|due to|poised to|on course to|on track to", 2.5, "set for"),
    (r"planned|plans? to|is to|are to|intends? to|aims? to|wants? to|hopes? to|seeks? to",
     1.5, "planned"),
    (r"scenarios?|options?|best case|worst case|base case", 2.0, "scenario"),
    (r"in the coming (?:days|weeks|months|year|years)|in the months ahead|"
     r"in the weeks ahead", 2.0, "in the coming months"),
    (r"next", 1.5, "next"),
    (r"soon|upcoming|forthcoming|coming", 1.5, "soon"),
    (r"will|shall|won't", 1.5, "will"),
    (r"would|could|(?-i:may)|might", 0.5, "may"),
    (r"prospects?|outlook|chances?|odds|probability|risk of", 1.0, "prospect"),
)  # fmt: skip

#: tracker's own readings of words outside both yardsticks: (pattern, low, high, label).
CONVENTIONS: tuple[tuple[str, float, float, str], ...] = (
    (r"set for|scheduled|slated|due to", 0.80, 0.95, "very likely (a fixed date)"),
    (r"justified expectation|firm expectation|strong expectation", 0.55, 0.80,
     "likely (an expectation)"),
    (r"expect(?:s|ed|ation|ations)?|anticipat(?:e|es|ed)", 0.55, 0.80, "likely (an expectation)"),
    (r"will|shall", 0.80, 0.95, "very likely (\u201cwill\u201d)"),
    (r"it is possible that|(?-i:may)|might|could|possibl[ey]|a possibility", 0.20, 0.55,
     "possible (may, might, could)"),
)  # fmt: skip
#: "will not", "won't": the complement of "will".
WILL_NOT = (0.05, 0.20, "very unlikely (\u201cwill not\u201d)")
#: A negated expectation: "we do not expect X", "X is not expected".
NOT_EXPECTED_LABEL = "unlikely (expected not to)"

#: Past-tense and other marks of background (what already happened).
BACKGROUND = re.compile(
    # Not after "be"/"been": "will be signed" is a future passive, not the past.
    r"(?<!\bbe )(?<!\bbeen )\b(?:was|were|had|did|met|took|offered|sought|used|convened|"
    r"organi[sz]ed|failed|freed|has been|have been|has adopted|have adopted|returned|signed|"
    r"agreed|announced)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(
    r"\b(?:never|not|nor|without|no longer|n't|cannot)\b(?:\W+(?!doubt)\w+){0,2}\W+$",
    re.IGNORECASE,
)
NOT_EXPECTED = re.compile(
    r"\b(?:(?:do|does|did)(?: not|n't)|don't|doesn't)\s+(?:now\s+|currently\s+)?"
    r"(?:expect|anticipate|foresee|see|think)\b"
    r"|\b(?:is|are|was|were|be)(?: not|n't)\s+(?:\w+\s+)?(?:expected|anticipated|foreseen)\b"
    r"|\bno longer expected\b|\bnot (?:be )?expected\b",
    re.IGNORECASE,
)
WILL_NOT_PATTERN = re.compile(r"\b(?:will not|won't|shall not|will no longer)\b", re.IGNORECASE)
DISCLAIMER = re.compile(
    r"\bnot to say that\b|\bdoes not mean that\b|\bis not (?:a|our) (?:forecast|prediction)\b|"
    r"\bwe are not (?:predicting|forecasting|saying)\b|\bshould not be read as\b",
    re.IGNORECASE,
)
CONDITIONAL = re.compile(
    r"^\W*(?:(?:and|but|yet|however|thus),?\s+)?(?:if|unless|should|were|in the event (?:that|of)|"
    r"provided(?: that)?|assuming(?: that)?|as long as|only if|in case)\b"
    r"|^\W*without\b[^,]{3,120},"
    r"|(?<!\beven )(?<!\bas )(?<!\bwhat )\b(?:if|unless|provided that|as long as|only if|"
    r"in the event that|on condition that)\b(?!\s+(?:any|not|anything|so|at all)\b)",
    re.IGNORECASE,
)
#: "unclear if", "ask if": "if" meaning "whether" does not make a sentence conditional.
NOT_CONDITIONAL = re.compile(
    r"\b(?:unclear|uncertain|clear|ask(?:ed|s)?|see|know|wonder(?:s|ed)?|decide|check)\s+if\b",
    re.IGNORECASE,
)
INTENTION = re.compile(
    r"\b(?:wants?|wanted|intends?|intended|aims?|aimed|plans?|planned|hopes?|hoped|seeks?|"
    r"sought|wishes|wish|is determined|are determined|is keen|are keen|has pledged|have pledged|"
    r"has vowed|have vowed|has promised|have promised|is committed|are committed)\s+to\b",
    re.IGNORECASE,
)
#: "We expect", "likely", a stated chance ...: the report's own judgement, which overrides an
#: actor's intention ("the board wants to cut, but we expect it to wait" is a forecast).
JUDGEMENT = re.compile(
    r"\b(?:we|i|the (?:bank|authors?|report))\s+(?:\w+\s+)?(?:expect|anticipate|forecast|"
    r"predict|assess|judge|think|believe|see)\b|\bexpected\b|\blikely\b|\bprobabl[ey]\b|"
    r"\bchance\b|\bodds\b|\bper ?cent\b|%",
    re.IGNORECASE,
)

#: Hedges outside the yardsticks that still mark a judgement about the future.
POSSIBLE = re.compile(
    r"\b(?:it is possible that|(?:is|are|remains?|seems?) (?:\w+ )?possible|possibly|"
    r"(?-i:may)|might|could)\b",
    re.IGNORECASE,
)
LEAD_CLAUSE = re.compile(
    r"^\W*(?:with|as|after|since|while|although|though|once|given|despite|following)\b[^,]*,",
    re.IGNORECASE,
)
#: A sentence announcing a list of expectations ("two main expectations") rather than one.
SUMMARY = re.compile(
    r"\b(?:two|three|four|five|several|a few|main|key|the following)\s+(?:main\s+|key\s+)?"
    r"(?:expectations|scenarios|developments)\b",
    re.IGNORECASE,
)

#: Points for the other signals.
HEDGE_POINTS = 3.0
MAY_POINTS = 1.5  # "may", "might", "could": a weaker hedge than "possible"
#: A conditional or an intention is a candidate, marked as such (and not credited).
STANCE_POINTS = {"conditional": 2.5, "intention": 1.5}
SUMMARY_POINTS = -2.5
EMPHASIS_POINTS = 1.5
FUTURE_DATE_POINTS = 2.0
HORIZON_POINTS = 1.5
ALTERNATIVES_POINTS = 2.0
PAST_DATE_POINTS = -2.5
BACKGROUND_POINTS = -1.0  # per past-tense word, at most three
NEGATED_POINTS = -3.0
CONTEXT_POINTS = 0.5  # a sentence right after an announced expectation, in the same section
#: A sentence scoring at least this is listed as a candidate.
THRESHOLD = 3.0


def _word(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


_CUES = [(_word(p), w, label) for p, w, label in CUES]
_CONVENTIONS = [(_word(p), low, high, label) for p, low, high, label in CONVENTIONS]

# --- stated chances -----------------------------------------------------------------------------

_PERCENT = r"(?:%|\s*per\s?cent\b|\s*percent\b)"
_NUM = r"\d{1,3}(?:\.\d+)?"
_CHANCE_WORD = r"(?:chances?|probability|likelihood|odds|risk|likely|confidence|certainty)"
_CHANCE_AHEAD = r"(?:chance|probability|likelihood|odds|confidence)"
_SMALL = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "a": 1, "an": 1,
}  # fmt: skip
_SMALL_WORD = r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten)"
_FRACTIONS = {
    "a half": Fraction(1, 2), "one half": Fraction(1, 2), "half": Fraction(1, 2),
    "a third": Fraction(1, 3), "one third": Fraction(1, 3), "one-third": Fraction(1, 3),
    "two thirds": Fraction(2, 3), "two-thirds": Fraction(2, 3),
    "a quarter": Fraction(1, 4), "one quarter": Fraction(1, 4), "one-quarter": Fraction(1, 4),
    "three quarters": Fraction(3, 4), "three-quarters": Fraction(3, 4),
}  # fmt: skip
_NUMERIC: tuple[tuple[re.Pattern[str], str], ...] = (
    # "60-70%", "60 to 70 per cent"
    (re.compile(rf"\b(?P<a>{_NUM})\s*(?:%|per ?cent|percent)?\s*(?:-|\u2013|to)\s*"
                rf"(?P<b>{_NUM}){_PERCENT}", re.I), "range"),
    (re.compile(rf"\b(?P<a>{_NUM}){_PERCENT}", re.I), "percent"),
    # "one in three", "1-in-3"
    (re.compile(rf"\b(?P<a>{_SMALL_WORD}|a)[- ]in[- ](?P<b>{_SMALL_WORD})\b", re.I), "in"),
    # "3 to 1 against", "odds of 3 to 1", "3-1 on"
    (re.compile(rf"\b(?P<a>{_SMALL_WORD})(?:\s+to\s+|-|:)(?P<b>{_SMALL_WORD})"
                rf"(?:\s+(?P<side>against|on|in favou?r))?", re.I), "odds"),
    (re.compile(r"\b(?P<a>" + "|".join(sorted(_FRACTIONS, key=len, reverse=True)) + r")\b",
                re.I), "fraction"),
)  # fmt: skip


def _count(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else _SMALL[word]


def _near_chance(text: str, start: int, end: int) -> bool:
    """A number is a chance only next to a word of chance: "a 15 per cent chance", "the
    probability is 15%", "with chances near 55%", "odds of 3 to 1" (not "inflation of 3%",
    not "likely to grow by less than 2 percent")."""
    after = text[end : end + 40]
    before = text[max(0, start - 60) : start]
    return bool(
        re.match(rf"\W*(?:\w+\W+){{0,2}}\b{_CHANCE_WORD}\b", after, re.I)
        or re.search(rf"\b{_CHANCE_AHEAD}\w*\s+(?:\w+\s+){{0,5}}$", before, re.I)
        or re.search(
            rf"\b{_CHANCE_AHEAD}\b.*\b(?:is|are|at|be|of|stands at|put at)\s+"
            r"(?:about\s+|around\s+|roughly\s+|near\s+|approximately\s+|only\s+|just\s+)?$",
            text[:start],
            re.I,
        )
    )


def _stated_chance(text: str, yardstick: Yardstick) -> SuggestedProbability | None:
    for pattern, form in _NUMERIC:
        for match in pattern.finditer(text):
            if not _near_chance(text, match.start(), match.end()):
                continue
            words = match.group(0).strip()
            if form == "range":
                low, high = float(match["a"]) / 100, float(match["b"]) / 100
            elif form == "percent":
                low = high = float(match["a"]) / 100
            elif form == "in":
                low = high = _count(match["a"]) / _count(match["b"])
            elif form == "odds":
                around = text[max(0, match.start() - 20) : match.start()] + " " + match.group(0)
                if not re.search(r"\bodds\b|\bagainst\b|\bon\b|\bfavou?r", around, re.I):
                    continue  # "2 to 3 degrees": only odds are read as odds
                a, b = _count(match["a"]), _count(match["b"])
                against = (match["side"] or "").lower() == "against"
                low = high = (b / (a + b)) if against else (a / (a + b))
            else:
                low = high = float(_FRACTIONS[match["a"].lower()])
            if not 0 <= low <= high <= 1:
                continue
            middle = (low + high) / 2
            return SuggestedProbability(
                round(low, 4), round(high, 4), words,
                f"a stated chance; {yardstick.name}: {yardstick.describe(middle)}",
            )  # fmt: skip
    return None


# --- estimative words ---------------------------------------------------------------------------


def _negated(text: str, start: int) -> bool:
    return bool(NEGATION.search(text[:start]))


def _from_term(
    term: Term, words: str, yardstick: Yardstick, label: str = ""
) -> SuggestedProbability:
    how = label or (
        f"{term.name} ({yardstick.name})"
        if yardstick.own_word(words)
        else f"{term.name}, the nearest {yardstick.name} term"
    )
    return SuggestedProbability(term.low, term.high, words, how)


def _term(yardstick: Yardstick, name: str) -> Term:
    found = yardstick.term(name)
    assert found is not None, name  # both yardsticks list "unlikely" and "very unlikely"
    return found


def _estimative(text: str, yardstick: Yardstick) -> SuggestedProbability | None:
    for start, end, term in yardstick.find(text):
        words = text[start:end]
        if words.lower() == "remote" and not re.match(
            r"\s+(?:chance|possibility|prospects?)", text[end:], re.I
        ):
            continue  # "remote areas"
        if _negated(text, start):
            if term.midpoint > 0.5:  # "not very likely", "not almost certain"
                return _from_term(_term(yardstick, "unlikely"), f"not {words}", yardstick)
            continue
        denied = re.match(r"\s+(?:will not|won't|not|will no longer|shall not)\b", text[end:], re.I)
        if denied and term.midpoint > 0.5:
            # "probably will not": the mirror of the range, read as the nearest term.
            mirror = 1 - term.midpoint
            nearest = min(yardstick.terms, key=lambda t: abs(t.midpoint - mirror))
            return _from_term(
                nearest, words + denied.group(0), yardstick,
                f"{nearest.name}, the nearest {yardstick.name} term to \u201c{words} not\u201d",
            )  # fmt: skip
        return _from_term(term, words, yardstick)
    return None


def read_probability(
    text: str, *, yardstick: Yardstick | None = None
) -> SuggestedProbability | None:
    """The probability a sentence states, as a range: a stated chance ("a 15 per cent chance",
    "60-70%", "one in three", "odds of 3 to 1", "two-thirds probability"), else its estimative
    words read through `yardstick` (ICD 203 by default; a synonym as the nearest term), else a
    negated expectation ("we do not expect X": X is unlikely), else tracker's conventions for
    "expect", "will", "will not", "may" (docs/extraction.md). None when it says nothing."""
    yardstick = yardstick or get_yardstick(None)
    stated = _stated_chance(text, yardstick)
    if stated is not None:
        return stated
    words = _estimative(text, yardstick)
    if words is not None:
        return words
    negated = NOT_EXPECTED.search(text)
    if negated:
        unlikely = _term(yardstick, "unlikely")
        return SuggestedProbability(
            unlikely.low, unlikely.high, negated.group(0), NOT_EXPECTED_LABEL
        )
    will_not = WILL_NOT_PATTERN.search(text)
    readings: list[tuple[int, int, SuggestedProbability]] = []
    if will_not:
        low, high, label = WILL_NOT
        readings.append(
            (will_not.start(), 2, SuggestedProbability(low, high, will_not.group(0), label))
        )
    for order, (pattern, low, high, label) in enumerate(_CONVENTIONS):
        for match in pattern.finditer(text):
            if not _negated(text, match.start()):
                # A schedule or an expectation speaks for the sentence wherever it is (the
                # first of them); among the other words, "will not" and then the first.
                readings.append(
                    (
                        match.start(),
                        0 if order < 3 else 3,
                        SuggestedProbability(low, high, match.group(0), label),
                    )
                )
                break
    if not readings:
        return None
    return min(readings, key=lambda r: (r[1], r[0]))[2]


def read_stance(text: str) -> str:
    """What the report does with the event: "disclaimed" ("this is not to say that we expect
    X"), "conditional" ("if X, Y will ..."), "intention" ("the board wants to ...", unless the
    report judges it: "we expect the board to ..."), else "forecast"."""
    if DISCLAIMER.search(text):
        return "disclaimed"
    if CONDITIONAL.search(text) and not NOT_CONDITIONAL.search(text):
        return "conditional"
    if INTENTION.search(text) and not JUDGEMENT.search(text):
        return "intention"
    return "forecast"


# --- scenario sets ------------------------------------------------------------------------------

_ALTERNATIVE_SPLIT = re.compile(
    r",?\s+or\s+(?:instead|else),?\s+|,\s*or\s+|;\s*or\s+|;\s+|,\s+(?=\S)|\s+or\s+", re.IGNORECASE
)
#: Alternatives are looked for in this many characters of a sentence at most.
ALTERNATIVES_SPAN = 2_000
_EITHER = re.compile(r"\beither\s+(.+?)\s+or\s+(.+?)(?:[.;]|$)", re.IGNORECASE)
_SET_WORDS = re.compile(
    r"\b(?:scenarios?|options?|alternatives?|outcomes?|possibilities|paths?)\b", re.I
)
_EXHAUSTIVE = re.compile(
    r"\b(?:only (?:two|three|four) (?:possible )?(?:scenarios|options|outcomes|possibilities|ways)|"
    r"no (?:third|other|further) (?:option|outcome|scenario|possibility|way)|"
    r"one (?:or|of) the (?:other|two|three)|there is no alternative|exhaustive)\b",
    re.IGNORECASE,
)
#: The labels of a scenario in a set: "Best case:", "Most likely scenario:", "Scenario 2:".
SCENARIO_LABEL = re.compile(
    r"^\W*(?:(?:in|under)\s+(?:the|a|our)\s+|(?:the|our|a)\s+)?(?P<label>(?:best|worst|base|central|"
    r"most likely|most probable|least likely|alternative|upside|downside|optimistic|pessimistic|"
    r"baseline|middle|main|second|third|first|benign|severe|low|high|mid)[- ](?:case|scenario)"
    r"(?:\s+scenario)?|scenario\s+(?:[A-Z1-9]|one|two|three|four)\b|"
    r"(?:most|least) likely)"
    r"(?:\s*\([^)]*\))?(?:\s*[:\u2013\u2014-]\s*|\s*,\s*|\s+is\s+(?:that\s+)?|\s+would\s+be\s+"
    r"(?:that\s+)?|\W*\s+)",
    re.IGNORECASE,
)
_BULLET_BEFORE = re.compile(r"(?:^|\n)[ \t]*(?:[-*\u2022\u2023\u25aa]|\d+[.)]|[a-z][.)])[ \t]+$")


def _clean_option(text: str) -> str:
    text = " ".join(text.replace("*", "").split())
    text = re.sub(r"^(?:either|or)\s+", "", text, flags=re.IGNORECASE)
    return text.strip(" .;:,")


def _alternatives(text: str) -> tuple[str, ...]:
    """Options a sentence sets side by side ("either A or B"; "two scenarios: A, or instead,
    B"), every one in full; () when there are none."""
    plain = text.replace("*", "")[:ALTERNATIVES_SPAN]
    parts: list[str] = []
    if ":" in plain and _SET_WORDS.search(plain.split(":", 1)[0]):
        listed = plain.split(":", 1)[1]
        # "A, or instead, B": the clause inside an option keeps its commas only when the list
        # is joined by "or instead"/"or else"/"; or"; otherwise commas separate options too.
        joiner = re.search(r",?\s+or\s+(?:instead|else),?\s+|;\s*(?:or\s+)?", listed, re.I)
        if joiner:
            parts = re.split(r",?\s+or\s+(?:instead|else),?\s+|;\s*(?:or\s+)?", listed, flags=re.I)
        else:
            parts = [p for p in _ALTERNATIVE_SPLIT.split(listed) if p.strip()]
    if len(parts) < 2:
        match = _EITHER.search(plain)
        if match and not re.match(r"\s*(?:option|way|scenario)\b", match.group(1), re.I):
            rest = re.split(r",?\s+or\s+(?:instead|else),?\s+", match.group(2), flags=re.I)
            parts = [match.group(1), *rest]
    options: list[str] = []
    for part in parts:
        option = _clean_option(part)
        if option and option.lower() not in (x.lower() for x in options):
            options.append(option)
    return tuple(options) if len(options) >= 2 else ()


def _is_list_item(source: str, sentence: Sentence) -> bool:
    return bool(_BULLET_BEFORE.search(source[max(0, sentence.start - 12) : sentence.start]))


@dataclass(frozen=True)
class _Set:
    """A scenario set made of several sentences: indexes into the sentence list."""

    members: tuple[int, ...]  # every sentence it covers (an introduction included)
    options: tuple[str, ...]
    exhaustive: bool


def _scenario_sets(source: str, sentences: list[Sentence]) -> list[_Set]:
    """Scenario sets spread over sentences or list items: consecutive labelled scenarios
    ("Best case: ...", "Most likely: ...", "Worst case: ..."), and list items after a sentence
    that announces scenarios or options and ends with a colon."""
    found: list[_Set] = []
    used: set[int] = set()
    index = 0
    while index < len(sentences):
        sentence = sentences[index]
        intro = sentence.text.rstrip().endswith(":") and _SET_WORDS.search(sentence.text)
        if intro and index + 1 < len(sentences):
            items = []
            j = index + 1
            while (
                j < len(sentences)
                and _is_list_item(source, sentences[j])
                and sentences[j].paragraph - sentences[index].paragraph <= 1 + (j - index)
            ):
                items.append(j)
                j += 1
            if len(items) >= 2:
                options = tuple(_scenario_text(sentences[i]) for i in items)
                found.append(
                    _Set((index, *items), options, bool(_EXHAUSTIVE.search(sentence.text)))
                )
                used.update((index, *items))
                index = j
                continue
        if SCENARIO_LABEL.match(sentence.plain):
            run = [index]
            j = index + 1
            while (
                j < len(sentences)
                and SCENARIO_LABEL.match(sentences[j].plain)
                and (sentences[j].paragraph - sentences[run[-1]].paragraph <= 2)
            ):
                run.append(j)
                j += 1
            if len(run) >= 2:
                start = run[0]
                # The sentence that announces the set ("We see three scenarios.") belongs to it.
                if (
                    start > 0
                    and _SET_WORDS.search(sentences[start - 1].text)
                    and start - 1 not in used
                    and (sentences[start].paragraph - sentences[start - 1].paragraph <= 1)
                ):
                    start -= 1
                members = tuple(range(start, run[-1] + 1))
                options = tuple(_scenario_text(sentences[i]) for i in run)
                exhaustive = any(_EXHAUSTIVE.search(sentences[i].text) for i in members)
                found.append(_Set(members, options, exhaustive))
                used.update(members)
                index = j
                continue
        index += 1
    return found


def _scenario_text(sentence: Sentence) -> str:
    """A scenario in full, without its label ("Best case: a ceasefire holds" -> "a ceasefire
    holds"); the label is kept when nothing else is left."""
    plain = sentence.plain
    label = SCENARIO_LABEL.match(plain)
    rest = plain[label.end() :] if label else plain
    rest = _clean_option(rest)
    if len(rest.split()) < 2:
        rest = _clean_option(plain)
    return rest[:1].upper() + rest[1:] if rest and plain[:1].isupper() and not label else rest


def _merge(source: str, sentences: list[Sentence], members: tuple[int, ...]) -> Sentence:
    first, last = sentences[members[0]], sentences[members[-1]]
    return Sentence(
        source[first.start : last.end], first.start, last.end, first.paragraph, first.section
    )


# --- reading one sentence -----------------------------------------------------------------------


def _read(
    sentence: Sentence, published: date
) -> tuple[float, list[Reason], SuggestedDeadline | None]:
    text = sentence.text
    reasons: list[Reason] = []
    covered: list[tuple[int, int]] = []

    def add(signal: str, words: str, points: float) -> None:
        reasons.append(Reason(signal, words, points))

    for pattern, weight, _label in _CUES:
        for match in pattern.finditer(text):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in covered):
                continue  # "in the coming months" is one cue, not also "coming"
            covered.append(span)
            if _negated(text, match.start()) and BACKGROUND.search(text):
                # "there was never any expectation": background, not a forecast.
                add("negated", match.group(0), NEGATED_POINTS)
            else:
                # "it is not expected that ..." still forecasts (that it will not happen).
                add("cue", match.group(0), weight)
            break  # each cue counts once per sentence
    for passage in sentence.emphasis:
        add("emphasis", passage, EMPHASIS_POINTS)
        break
    hedge = _stated_chance(text, _ICD) or _estimative(text, _ICD)
    if hedge is not None:
        add("hedge", hedge.words, HEDGE_POINTS)
    elif possible := POSSIBLE.search(text):
        add("hedge", possible.group(0), HEDGE_POINTS if "ssib" in possible.group(0) else MAY_POINTS)
    stance = read_stance(sentence.plain)
    if stance in ("conditional", "intention"):
        add(stance, stance, STANCE_POINTS[stance])
    summary = SUMMARY.search(text)
    if summary:
        add("summary", summary.group(0), SUMMARY_POINTS)

    deadline: SuggestedDeadline | None = None
    times = find_times(text, published=published)
    for time in times:
        if time.past and time.day is not None and BACKGROUND.search(text):
            add("background", time.phrase, PAST_DATE_POINTS)
            break
    # A time in a leading subordinate clause ("With the rains due to start in June, cholera
    # cases are likely to rise in the coming weeks") dates the circumstance, not the event.
    lead = LEAD_CLAUSE.match(text)
    if lead and any(t.start >= lead.end() and not t.past for t in times):
        times = [t for t in times if t.start >= lead.end()]
    for wanted, signal, points in (
        (lambda t: t.day is not None and not t.vague, "date", FUTURE_DATE_POINTS),
        (lambda t: t.vague, "horizon", HORIZON_POINTS),
        (lambda t: t.day is None, "", 0.0),
    ):
        chosen = [t for t in times if not t.past and wanted(t)]
        if chosen:
            deadline = chosen[0].deadline
            if signal:
                add(signal, chosen[0].phrase, points)
            break

    past = [
        m.group(0)
        for m in BACKGROUND.finditer(text)
        if not re.match(r"\s+to\b", text[m.end() :])  # "if there were to be": not the past
    ][:3]
    for word in past:
        add("background", word, BACKGROUND_POINTS)
    return sum(r.points for r in reasons), reasons, deadline


_ICD = get_yardstick(None)


# --- the whole text -----------------------------------------------------------------------------


@dataclass
class _Found:
    score: float
    order: int
    sentence: Sentence
    reasons: list[Reason]
    deadline: SuggestedDeadline | None
    options: tuple[str, ...] = ()
    exhaustive: bool = False


def _score_all(text: str, sentences: list[Sentence], published: date) -> list[_Found]:
    read = [_read(s, published) for s in sentences]
    found = []
    for index, sentence in enumerate(sentences):
        score, reasons, deadline = read[index]
        # A sentence right after an announced expectation (same section, same or next
        # paragraph) often carries it on: "First, ... there is a justified expectation ...".
        # It gains a little score; it does not take the earlier sentence's date.
        before = read[index - 1] if index else None
        if (
            before is not None
            and sentences[index - 1].section == sentence.section
            and sentence.paragraph - sentences[index - 1].paragraph <= 2
            and any(r.signal == "cue" and r.words.lower().startswith("expect") for r in before[1])
            and score > 0
        ):
            reasons.append(Reason("context", sentences[index - 1].text[:40], CONTEXT_POINTS))
            score += CONTEXT_POINTS
        options = _alternatives(sentence.text)
        if options:
            reasons.append(Reason("alternatives", " | ".join(options), ALTERNATIVES_POINTS))
            score += ALTERNATIVES_POINTS
            # "two scenarios: A, or B" lists them: it is not a summary of what follows.
            for reason in [r for r in reasons if r.signal == "summary"]:
                reasons.remove(reason)
                score -= reason.points
        found.append(
            _Found(score, index, sentence, reasons, deadline, options,
                   bool(options and _EXHAUSTIVE.search(sentence.text)))
        )  # fmt: skip
    return found


def scan_text(
    text: str,
    *,
    published: date,
    yardstick: Yardstick | None = None,
    threshold: float = THRESHOLD,
) -> list[Candidate]:
    """The sentences of `text` that look like expectations, best first (rank from 1).

    `published` is the day the report came out: dates without a year and vague horizons are
    read from it. `yardstick` reads the report's estimative words (ICD 203 by default).
    Candidates score at least `threshold`; ties keep the order of the text. A scenario set
    spread over several sentences or list items is one candidate whose sentence spans them.
    """
    yardstick = yardstick or get_yardstick(None)
    sentences = split_sentences(text)
    found = _score_all(text, sentences, published)
    for scenario_set in _scenario_sets(text, sentences):
        members = [found[i] for i in scenario_set.members]
        best = max(members, key=lambda f: f.score)
        merged = _merge(text, sentences, scenario_set.members)
        reasons = [
            *best.reasons,
            Reason("alternatives", " | ".join(scenario_set.options), ALTERNATIVES_POINTS),
        ]
        reasons = [r for r in reasons if r.signal != "summary"]
        deadline = next(
            (f.deadline for f in members if f.deadline is not None and f.deadline.day), None
        ) or next((f.deadline for f in members if f.deadline is not None), None)
        combined = _Found(
            sum(r.points for r in reasons), members[0].order, merged, reasons, deadline,
            scenario_set.options, scenario_set.exhaustive,
        )  # fmt: skip
        for i in scenario_set.members:
            found[i] = combined
    unique: dict[int, _Found] = {id(f): f for f in found}
    chosen = sorted(
        (f for f in unique.values() if f.score >= threshold), key=lambda f: (-f.score, f.order)
    )
    names = proper_names(text)
    candidates = []
    for rank, f in enumerate(chosen, start=1):
        plain = f.sentence.plain
        stance = read_stance(plain)
        probability = (
            None if stance == "disclaimed" else read_probability(plain, yardstick=yardstick)
        )
        options = (*f.options, OTHER_OUTCOME) if f.options and not f.exhaustive else f.options
        candidate = Candidate(
            rank, round(f.score, 2), f.sentence, tuple(f.reasons), probability, f.deadline,
            options, stance=stance, exhaustive=f.exhaustive,
        )  # fmt: skip
        if f.deadline is not None and f.deadline.day is not None:
            candidate = replace(
                candidate,
                title=draft_title(candidate, f.deadline.day, names=names),
                criteria=draft_criteria(candidate, f.deadline.day, names=names),
            )
        candidates.append(candidate)
    return candidates


def score_sentences(text: str, *, published: date) -> list[tuple[Sentence, float]]:
    """Every sentence with its score (for evaluating the extractor on a labelled corpus)."""
    sentences = split_sentences(text)
    return [(f.sentence, round(f.score, 2)) for f in _score_all(text, sentences, published)]
