"""Draft a question from a candidate: a title that asks about the event with its date, and
resolution criteria that say what counts, who must announce or sign, and the deadline.

"The regulator is expected to publish revised transit tariffs by 30 April 2025" becomes "Will
the regulator publish revised transit tariffs by 30 April 2025?"; "we do not expect X to Y" and
"X is unlikely to Y" become "Will X Y ...?" (the report's low probability goes with it); "an
agreement on A is expected in the coming months" becomes "Will an agreement on A be reached by
D?". Nothing is cut with "...": a sentence the rules cannot turn into a question is quoted in
full. Drafts need a deadline: a candidate without one is drafted once the analyst chooses it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from tracker.domain.expectations import OTHER_OUTCOME, Candidate
from tracker.domain.fields import TITLE
from tracker.extract.dates import find_times

# --- words --------------------------------------------------------------------------------------

_DISCOURSE = re.compile(
    r"^(?:(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|finally|lastly|moreover|however|in addition|"
    r"additionally|thus|therefore|hence|meanwhile|overall|still|and|but|yet|so|also|"
    r"further(?:more)?|more specifically|specifically|in this context|as a result|on balance|"
    r"in our view|in our assessment|in short|crucially|importantly|notably|in particular|"
    r"against this background|looking ahead|in the meantime|by contrast|in turn|"
    r"in any case|nevertheless|nonetheless|for now|at the same time|as such),?\s+)+",
    re.IGNORECASE,
)
#: A leading subordinate clause ("Although this was on the agenda, ..."), dropped from titles.
_LEAD_CLAUSE = re.compile(
    r"^(?:although|though|while|whereas|despite|after|as|given|with|since|because|once|in|at|"
    r"on|following|amid|regardless of|largely|driven|for|over|during|under|beyond|"
    r"notwithstanding|according to|\w+ing|\w+ed)\b[^,]{0,200},\s+",
    re.IGNORECASE,
)
_CONDITION = re.compile(
    r"^(?P<cond>(?:if|should|unless|provided(?: that)?|in the event that)\b[^,]{2,200}),\s+",
    re.IGNORECASE,
)
_JUDGE = re.compile(
    r"^(?:we|i|the (?:bank|committee|board|authors?|report|council|government|fund))\s+"
    r"(?:\w+ly\s+|now\s+|still\s+|also\s+|continue to\s+)*"
    r"(?:(?:do|does) not |don't |doesn't |no longer |would )?"
    r"(?:expects?|anticipates?|forecasts?|predicts?|sees?|thinks?|believes?|assess(?:es)?|"
    r"judges?|projects?)\s+(?:that\s+)?(?P<rest>.+)$",
    re.IGNORECASE,
)
_IMPERSONAL = re.compile(
    r"^(?:it is|it's|it seems|it looks|it remains)\s+(?:\w+\s+){0,3}?"
    r"(?:likely|unlikely|expected|possible|probable|certain|improbable|doubtful|"
    r"(?:a|an) (?:\w+\s+){0,2}(?:possibility|chance|bet))\s+that\s+(?P<rest>.+)$"
    r"|^(?:there (?:is|are|remains)\s+|(?:we\s+)?(?:put|see|place|estimate|assess|give)\s+)?"
    r"(?:\S+\s+){0,5}?"
    r"(?:chance|probability|possibility|likelihood|risk|prospect|odds)s?\s+that\s+(?P<rest2>.+)$"
    r"|^(?:this|that|it) (?:is|does) not (?:to say|mean) that\s+(?P<rest3>.+)$",
    re.IGNORECASE,
)
_NOUN_EVENT = re.compile(
    r"^(?:there (?:is|are|remains)\s+|(?:we\s+)?(?:put|see|place|estimate|assess|give)\s+)?"
    r"(?:\S+\s+){0,5}?"
    r"(?:expectations?|prospects?|chances?|probability|possibility|likelihood|risk|odds)\s+"
    r"(?:for|of)\s+(?P<np>.+)$",
    re.IGNORECASE,
)
_MODALS = r"will|shall|would|may|might|could|should|is going to|are going to|is to|are to"
_RAISING = (
    r"expected|likely|unlikely|very likely|highly likely|very unlikely|highly unlikely|"
    r"almost certain|certain|set|due|scheduled|poised|forecast|projected|anticipated|bound|"
    r"going|planned|slated|on course|on track|liable|understood|thought|believed|favou?red"
)
_BE = r"is|are|was|were|seems?|appears?|looks?|remains?|seemed|appeared"
_RAISED = re.compile(
    rf"^(?P<subj>.+?)\s+(?:{_BE})\s+(?:\w+ly\s+|still\s+|now\s+|also\s+|not\s+|no longer\s+)*"
    rf"(?:{_RAISING})\s+to\s+(?P<pred>.+)$",
    re.IGNORECASE,
)
_INTENDS = re.compile(
    r"^(?P<subj>.+?)\s+(?:wants?|intends?|aims?|plans?|hopes?|seeks?|wishes|is determined|"
    r"are determined|is keen|are keen|has pledged|have pledged|has vowed|have vowed|has promised|"
    r"have promised|is committed|are committed)\s+to\s+(?P<pred>.+)$",
    re.IGNORECASE,
)
_MODAL = re.compile(
    rf"^(?P<subj>.+?)\s+(?:{_MODALS})\s+(?:\w+ly\s+|still\s+|also\s+|not\s+|no longer\s+|"
    rf"soon\s+|then\s+|now\s+)*(?P<pred>.+)$",
    re.IGNORECASE,
)
_WONT = re.compile(r"^(?P<subj>.+?)\s+(?:won't|shan't)\s+(?P<pred>.+)$", re.IGNORECASE)
_SCHEDULED = re.compile(
    rf"^(?P<subj>.+?)\s+(?:{_BE})\s+(?:\w+ly\s+|still\s+|now\s+|also\s+|not\s+|no longer\s+)*"
    rf"(?:{_RAISING}|in (?:prospect|the offing|the pipeline)|on the cards|possible|probable|"
    r"imminent|in sight|(?:a|an) (?:\w+\s+){0,2}(?:possibility|prospect|risk))"
    r"(?:\s+to\s+take\s+place|\s+to\s+happen|\s+to\s+come)?\s*(?:(?:for|on|in|at|by)\s*)?"
    r"(?P<tail>(?<=\s)(?:at|in|during|on|from|after|under|within)\s+.+)?$",
    re.IGNORECASE,
)
#: Verbs read in the present tense after "that" ("the probability that prices rise").
_VERBS = (
    r"rise|fall|collapse|hold|win|lose|remain|stay|reach|sign|agree|approve|pass|cut|raise|"
    r"increase|decrease|decline|grow|shrink|exceed|resign|leave|join|launch|default|strike|"
    r"return|resume|end|start|begin|take|make|meet|announce|publish|adopt|ratify|invade|"
    r"attack|withdraw|occur|happen|fail|succeed|become|go|come|keep|secure|lift|impose|extend|"
    r"expire|topple|survive|recover|slow|accelerate|tighten|ease|hike|lower|deliver|complete|"
    r"finish|open|close|call|form|break|enter|gain|drop|spread|escalate|expand|move|shift|"
    r"stall|weaken|strengthen|merge|rebound|settle|ban|block|release|vote|elect|appoint|"
    r"dissolve|reopen|restart|visit|deploy|halt|stop|suspend|renew|overtake"
)


def _present(verb: str) -> re.Pattern[str]:
    """A clause "SUBJECT VERB rest" with the verb matching `verb` (a present-tense form)."""
    return re.compile(
        rf"^(?P<subj>(?:\S+\s+){{0,6}}?\S+)\s+(?P<verb>{verb})(?P<rest>(?:\s+.*)?)$",
        re.IGNORECASE,
    )


_PRESENT = _present(rf"(?:{_VERBS})(?:s|es)?|\w+ies")
#: The same, with the verb in the third person singular ("the strike spreads", not "the" +
#: "strike"): tried first.
_PRESENT_S = _present(rf"(?:{_VERBS})(?:s|es)")
_NP_TO = re.compile(r"^(?P<subj>.+?)\s+to\s+(?P<pred>.+)$", re.IGNORECASE)
#: Words in a predicate that carry the report's confidence, not the event.
_HEDGE_WORDS = re.compile(
    r"\b(?:probably|likely|very likely|most likely|almost certainly|certainly|possibly|"
    r"perhaps|presumably|in all likelihood|(?<!will )still)\s+",
    re.IGNORECASE,
)
#: A trailing clause that qualifies the event rather than naming it.
_QUALIFIER = re.compile(
    r"(?:,|\s+\u2013|\s+\u2014|;)\s*(?:which|while|although|though|but|as|thereby|not least|given|"
    r"despite|even|after|since|because|following|amid|in part|partly|with|whereas|"
    r"especially|particularly|reflecting|driven|thus|so that|in order|leaving|ahead of|"
    r"possibly|perhaps|probably|likely|if|unless|and we|we|set|scheduled|due|planned|expected|"
    r"held|to be held|where|when|who|whose|including|notably)\b.*$|;.*$",
    re.IGNORECASE,
)
#: The verb that makes a noun event happen: "an agreement" is reached, "an election" held.
EVENT_VERBS: tuple[tuple[str, str], ...] = (
    (r"agreement|deal|accord|compromise|settlement|consensus|understanding|breakthrough",
     "be reached"),
    (r"election|elections|vote|referendum|ballot|poll|meeting|summit|talks|conference|"
     r"session|hearing|round|negotiations|visit|ceremony|exchange|review", "take place"),
    (r"decision|announcement|statement|proposal|offer|change|appointment|arrest", "be made"),
    (r"report|forecast|draft|plan|strategy|list|update|data|figures|results|guidance",
     "be published"),
    (r"law|bill|budget|legislation|resolution|reform|package|amendment|treaty|mandate|"
     r"sanctions|tariffs?|rules?|regulation|measures", "be adopted"),
    (r"ceasefire|truce|moratorium|freeze", "be agreed"),
    (r"increase|rise|hike|cut|reduction|decrease|fall|decline|recovery|downturn|recession|"
     r"default|devaluation|shortage|strike|offensive|attack|escalation|resumption|return|"
     r"restoration|withdrawal|opening|launch|start|collapse|release", "happen"),
)  # fmt: skip
_EVENT_VERBS = [(re.compile(rf"\b(?:{p})\b", re.I), verb) for p, verb in EVENT_VERBS]
_ACTOR_WORDS = re.compile(
    r"\b(?:government|regulator|bank|board|committee|ministry|minister|ministers|parliament|"
    r"council|court|commission|authority|authorities|president|presidency|party|parties|union|"
    r"company|opposition|leaders?|agency|mission|army|forces|assembly|cabinet|administration|"
    r"secretariat|office|fund|organisation|organization|alliance|coalition|state|states|"
    r"country|countries|regime|senate|congress|chamber|operator|companies|firms?)\b",
    re.IGNORECASE,
)
_BY_ACTORS = re.compile(
    r"\b(?P<verb>signed|announced|published|confirmed|approved|ratified|adopted|agreed|declared|"
    r"endorsed|issued|certified)\s+by\s+(?P<who>(?:the\s+)?[^,;.]+?)"
    r"(?=\s*(?:[,;.]|$|\s(?:on|in|by|before|at|within|during|after|no later)\b))",
    re.IGNORECASE,
)
_COMMON = frozenset(
    (
        *("the", "a", "an", "this", "that", "these", "those", "its", "their", "our", "his"),
        *("her", "some", "any", "no", "further", "new", "most", "many", "several", "both"),
        *("all", "each", "every", "another", "other", "such", "one", "two", "three", "four"),
        *("five", "six", "local", "national", "regional", "there", "it", "we", "they", "he"),
        *("she", "more", "less", "fewer", "much", "few"),
    )
)
_COMMON_SUFFIX = re.compile(
    r"(?:ions?|ments?|ness|ity|ities|ies|ures?|ances?|ences?|ings?|ices|ers|ors|ages?|als?|ists?|"
    r"ants?|ents?|ics|ships?|hoods?|ors|ies|ates|ses)$",
    re.IGNORECASE,
)
#: "the December meeting": a month naming an event stays in the title.
_ADJECTIVAL = re.compile(
    r"\s+(?:meeting|summit|session|election|elections|vote|talks|conference|council|review|"
    r"deadline|round|hearing|plenary)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][\w'\u2019-]*")


def proper_names(text: str) -> frozenset[str]:
    """Words the text capitalises in the middle of a sentence and never writes in lower case
    ("Azerbaijan", "Brussels"): they keep their capital at the start of a drafted question."""
    capital: set[str] = set()
    lower: set[str] = set()
    for match in re.finditer(r"(?<![.!?:\n]\s)(?<![.!?:\n])(?<=\s)([A-Za-z][\w'\u2019-]*)", text):
        word = re.sub(r"['\u2019]s$", "", match.group(1))
        before = text[max(0, match.start() - 3) : match.start()]
        if re.search(r"[.!?:\n\"\u201c*#]\s*$", before):
            continue
        (capital if word[:1].isupper() else lower).add(word.lower())
    for match in _WORD.finditer(text):
        if match.group(0)[:1].islower():
            lower.add(re.sub(r"['\u2019]s$", "", match.group(0).lower()))
    return frozenset(capital - lower)


def _lower_first(phrase: str, names: Iterable[str]) -> str:
    """The phrase with its first word in lower case, unless that word is a name: capitalised
    in the middle of a sentence of the report, an acronym, or a word with no sign of being a
    common one (a determiner, a plural, a common noun ending such as -ion or -ment)."""
    words = phrase.split(" ", 1)
    first = words[0]
    bare = re.sub(r"['\u2019]s$", "", first.strip("\u201c\u2018\"'(").lower())
    common = (
        bare in _COMMON
        or bool(_COMMON_SUFFIX.search(bare))
        or (bare.endswith("s") and not bare.endswith("ss") and len(bare) > 3)
    )
    keep = (
        first == "I"
        or any(c.isupper() for c in first[1:])  # "EU", "McKinsey"
        or bare in names
        or not common
    )
    if keep:
        return phrase
    return first[:1].lower() + first[1:] + (" " + words[1] if len(words) > 1 else "")


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- the event a sentence states ----------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """What a sentence expects: a subject and a predicate in the base form ("publish revised
    transit tariffs"), or a noun event ("an agreement on A") with the verb that makes it happen,
    and the condition it depends on, if any."""

    subject: str
    predicate: str
    condition: str = ""
    noun: bool = False  # "there be": a noun event with no sensible verb

    @property
    def plural(self) -> bool:
        """Whether the subject takes a plural verb (its head noun is plural, or "A and B")."""
        head = re.split(
            r"\s+(?:of|in|on|among|for|with|from|between|to|at|by|over|under|about|that|which)\s+",
            self.subject,
            maxsplit=1,
        )[0]
        if re.search(r"\band\b", head) and not re.match(r"(?i)the\s+\w+\s+and\s+\w+\s+of", head):
            return True
        last = head.split()[-1].lower().strip("\u201d\"'") if head.split() else ""
        if last in ("we", "they", "both", "many", "several", "few", "others", "people", "police"):
            return True
        return (
            last.endswith("s")
            and not last.endswith(("ss", "us", "is", "news", "ics", "'s", "\u2019s"))
            and len(last) > 3
        )


def _tidy(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"\s+([,.;:])", r"\1", text)
    text = re.sub(r"\(\s*\)", "", text)
    return text.strip(" ,;:.\u2013\u2014-")


def _without_times(text: str, published: date | None) -> str:
    """The text without its time expressions (the title restates the deadline itself)."""
    if published is None:
        published = date(2000, 1, 1)
    spans = [
        (t.start, t.end)
        for t in find_times(text, published=published)
        if t.day is not None and not _ADJECTIVAL.match(text[t.end :])
    ]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + text[end:]
    text = re.sub(
        r"\s+(?:by|on|in|before|until|at|for|within|during|beyond|through|over)\s*(?=[,.;]|$)",
        "",
        text,
    )
    return _tidy(text)


def _core(plain: str) -> tuple[str, str]:
    """The main clause of a sentence (discourse markers and leading subordinate clauses
    dropped) and a leading condition ("if X"), if any."""
    text = plain.rstrip().rstrip(".!")
    condition = ""
    for _ in range(4):
        before = text
        text = _DISCOURSE.sub("", text)
        found = _CONDITION.match(text)
        if found and not condition:
            condition = found.group("cond")
            text = text[found.end() :]
        lead = _LEAD_CLAUSE.match(text)
        if lead and not re.search(rf"\b(?:{_MODALS}|expected|likely)\b", lead.group(0), re.I):
            text = text[lead.end() :]
        if text == before:
            break
    return text, condition


def _predicate(text: str) -> str:
    text = _QUALIFIER.sub("", text)
    text = _HEDGE_WORDS.sub("", text)
    text = re.sub(r"^(?:not|no longer|never)\s+", "", text, flags=re.I)
    text = re.sub(r"^(?:be able to|manage to|continue to|try to)\s+", lambda m: m.group(0), text)
    return _tidy(text)


def _noun_event(np: str) -> Event:
    np = _tidy(_QUALIFIER.sub("", np))
    np = _tidy(
        re.sub(
            r"\s+(?:at|as)\s+(?:about\s+|around\s+|roughly\s+)?\S+(?:\s+in\s+\S+|\s+to\s+\S+(?:\s+against)?|\s+per\s?cent)?$",
            "",
            np,
        )
    )
    coming = re.match(r"(?i)^(?:a|an)\s+(?:coming|possible|potential|likely|eventual)\s+", np)
    if coming:
        np = _with_article(np[coming.end() :])
    head = re.split(r"\s+(?:of|on|in|for|with|between|from|to|by|at|over)\s+", np, maxsplit=1)[0]
    for pattern, verb in _EVENT_VERBS:
        if pattern.search(head):
            return Event(np, verb)
    return Event(np, "", noun=True)


def _with_article(np: str, plural: bool = False) -> str:
    if plural:
        return np
    if re.match(r"(?i)^(?:a|an|the|this|these|those|its|their|any|some|further|more|new)\b", np):
        return np
    if re.match(r"(?i)^\w+s\b", np):
        return np  # a plural: "talks", "elections"
    return ("an " if np[:1].lower() in "aeiou" else "a ") + np


def read_event(plain: str, *, published: date | None = None) -> Event | None:
    """The event a sentence expects, or None when no rule reads it."""
    core, condition = _core(plain)
    core = _without_times(core, published)

    def found(event: Event | None) -> Event | None:
        if event is None or not event.subject or (not event.predicate and not event.noun):
            return None
        if len(event.subject.split()) > 25:
            return None
        return Event(event.subject, event.predicate, condition, event.noun)

    def clause(text: str, np_ok: bool = False) -> Event | None:
        text = _tidy(text)
        odds = re.match(
            r"(?i)^(?:the\s+)?(?:odds|chances)\s+(?:are\s+|of\s+)?\S+\s+to\s+\S+\s+"
            r"(?:against|on|in favou?r of)?\s*(?P<np>.+)$",
            text,
        )
        if odds:
            np = odds.group("np")
            if that := re.match(r"(?i)^that\s+(?P<rest>.+)$", np):
                return clause(that.group("rest"))  # "the odds are 3 to 1 that the bill passes"
            return _noun_event(np)
        if m := _IMPERSONAL.match(text):
            return clause(m.group("rest") or m.group("rest2") or m.group("rest3"))
        if m := _JUDGE.match(text):
            return clause(m.group("rest"), np_ok=True)
        if m := _NOUN_EVENT.match(text):
            return _noun_event(m.group("np"))
        if m := (_RAISED.match(text) or _INTENDS.match(text)):
            return Event(_tidy(m.group("subj")), _predicate(m.group("pred")))
        if m := _SCHEDULED.match(text):
            event = _noun_event(m.group("subj"))
            tail = _tidy(_QUALIFIER.sub("", m.group("tail") or ""))
            if tail and not event.noun:
                return Event(event.subject, f"{event.predicate} {tail}")
            return event

        if m := (_MODAL.match(text) or _WONT.match(text)):
            subject = _tidy(m.group("subj"))
            if not re.search(r"\b(?:that|which|who|whether|when|what)$", subject, re.I):
                return Event(subject, _predicate(m.group("pred")))
        if (
            (m := _NP_TO.match(text))
            and len(m.group("subj").split()) <= 12
            # "to the ports" is a place, not an infinitive ("the government to call ...").
            and not re.match(r"(?i)(?:the|a|an|its|their|his|her|our|this|that)\b", m.group("pred"))
        ):
            return Event(_tidy(m.group("subj")), _predicate(m.group("pred")))
        m = _PRESENT_S.match(text) or _PRESENT.match(text)
        if (
            m
            and m.group("subj").lower() not in _COMMON
            and not re.search(rf"\b(?:{_MODALS}|to|is|are|was|were)\b", m.group("subj"), re.I)
        ):
            verb = _base(m.group("verb"))
            return Event(_tidy(m.group("subj")), _predicate(f"{verb}{m.group('rest')}"))
        if (
            np_ok
            and len(text.split()) <= 20
            and not re.search(r"\b(?:is|are|was|were|has|have|had)\b", text, re.I)
        ):
            return _noun_event(text)  # "We expect an agreement on energy arrangements"
        return None

    return found(clause(core))


def _base(verb: str) -> str:
    """The base form of a verb in the present tense ("rises" -> "rise", "falls" -> "fall")."""
    low = verb.lower()
    stems = _VERBS.split("|")
    if low in stems:
        return verb
    for ending in ("es", "s"):
        if low.endswith(ending) and low[: -len(ending)] in stems:
            return verb[: -len(ending)]
    return verb


# --- conjugation --------------------------------------------------------------------------------


def _third_person(predicate: str, *, plural: bool) -> str:
    """The predicate with its first verb agreeing with the subject ("publish" -> "publishes")."""
    adverb = re.match(
        r"(?i)(?:already|still|also|finally|eventually|again|actually|soon)\s+", predicate
    )
    if adverb:  # "already be in place" -> "is already in place"; "finally sign" -> "finally signs"
        rest_of = _third_person(predicate[adverb.end() :], plural=plural)
        if predicate[adverb.end() :].lower().startswith("be "):
            verb, _, after = rest_of.partition(" ")
            return f"{verb} {adverb.group(0)}{after}"
        return adverb.group(0) + rest_of
    words = predicate.split(" ", 1)
    verb, rest = words[0], (" " + words[1] if len(words) > 1 else "")
    low = verb.lower()
    if low == "be":
        return ("are" if plural else "is") + rest
    if plural:
        return predicate
    if low == "have":
        return "has" + rest
    if low in ("do", "go"):
        return verb + "es" + rest
    if re.search(r"(?:s|sh|ch|x|z|o)$", low):
        return verb + "es" + rest
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ies" + rest
    return verb + "s" + rest


def _statement(event: Event, names: Iterable[str]) -> str:
    subject = _lower_first(event.subject, names)
    if event.noun:
        return f"{_with_article(subject, event.plural)} {'are' if event.plural else 'is'} in place"
    if event.predicate.startswith("be "):
        subject_np = (
            _with_article(subject, event.plural) if event.predicate in _NOUN_VERBS else subject
        )
        return f"{subject_np} {_third_person(event.predicate, plural=event.plural)}"
    if event.predicate in ("take place", "happen"):
        np = _with_article(subject, event.plural) if _is_bare(subject) else subject
        return f"{np} {_third_person(event.predicate, plural=event.plural)}"
    return f"{subject} {_third_person(event.predicate, plural=event.plural)}"


_NOUN_VERBS = frozenset(verb for _pattern, verb in EVENT_VERBS)


def _is_bare(np: str) -> bool:
    return not re.match(r"(?i)^(?:a|an|the|this|these|those|its|their|any|some)\b", np)


# --- drafts -------------------------------------------------------------------------------------


def _title_event(event: Event, names: Iterable[str], when: str) -> str:
    subject = _lower_first(event.subject, names)
    if event.noun:
        question = f"Will there be {_with_article(subject)} by {when}?"
    elif event.predicate in _NOUN_VERBS:
        np = _with_article(subject) if _is_bare(subject) and not event.plural else subject
        question = f"Will {np} {event.predicate} by {when}?"
    else:
        question = f"Will {subject} {event.predicate} by {when}?"
    if event.condition:
        condition = event.condition[:1].upper() + event.condition[1:]
        question = f"{condition}, {question[:1].lower()}{question[1:]}"
    return question


def _fallback_title(plain: str, when: str) -> str:
    return f"Will this happen by {when}: \u201c{_tidy(plain)}\u201d?"


def _option_list(options: Sequence[str]) -> list[str]:
    return [o for o in options if o != OTHER_OUTCOME]


def _set_topic(plain: str) -> str:
    found = re.search(
        r"\b(?:scenarios?|options?|outcomes?|possibilities|paths?)\s+(?:for|of|on|regarding)\s+"
        r"(?P<topic>[^:.;,]+)",
        plain,
        re.IGNORECASE,
    )
    return _without_times(found.group("topic"), None) if found else ""


def draft_title(
    candidate: Candidate,
    deadline: date,
    options: Sequence[str] = (),
    *,
    names: Iterable[str] = (),
    published: date | None = None,
) -> str:
    """A question about the event with its date: "Will the regulator publish revised transit
    tariffs by 30 April 2025?". With options: "Which of these will happen by D: A, B or C?"
    (or, when the report names what the scenarios are for, "Which scenario for X ..."). A title
    over the size limit falls back to a short question that points at the quote. `names`:
    proper_names(text) of the report, so that names keep their capitals."""
    when = _long_date(deadline)
    options = tuple(options) or candidate.options
    plain = candidate.sentence.plain
    if options:
        named = _option_list(options)
        topic = _set_topic(plain)
        if topic:
            title = f"Which scenario for {topic} will come about by {when}?"
        else:
            listed = ", ".join(named[:-1]) + " or " + named[-1] if len(named) > 1 else named[0]
            title = f"Which of these will happen by {when}: {listed}?"
        if len(title) <= TITLE.limit:
            return title
        return f"Which of the report's {len(named)} scenarios will come about by {when}?"
    event = read_event(plain, published=published)
    title = _title_event(event, names, when) if event else _fallback_title(plain, when)
    if len(title) <= TITLE.limit:
        return title
    return f"Will the development quoted from the report happen by {when}?"


def _actors(plain: str) -> tuple[str, str] | None:
    found = _BY_ACTORS.search(plain)
    if found is None:
        return None
    return found.group("verb").lower(), _tidy(found.group("who"))


def _head(subject: str) -> str:
    return re.split(
        r"\s+(?:of|in|on|among|for|with|from|between|to|at|by)\s+", subject, maxsplit=1
    )[0]


def _evidence(event: Event | None, plain: str, names: Iterable[str]) -> str:
    actors = _actors(plain)
    if actors:
        return f"an official announcement by {actors[1]} or credible news reporting"
    if (
        event is not None
        and not event.noun
        and (
            _ACTOR_WORDS.search(event.subject)
            or any(w.lower() in names for w in _WORD.findall(_head(event.subject)))
        )
    ):
        subject = _lower_first(event.subject, names)
        return f"an official announcement by {subject} or credible news reporting"
    return "an official announcement, official figures or credible news reporting"


def draft_criteria(
    candidate: Candidate,
    deadline: date,
    options: Sequence[str] = (),
    *,
    names: Iterable[str] = (),
    published: date | None = None,
) -> str:
    """Resolution criteria: what counts, who must announce or sign (the actors the sentence
    names: "signed by X and Y"), and the deadline restated as a date. With options, every
    option in full; "none of these" covers anything else, including nothing by the deadline."""
    when = _long_date(deadline)
    options = tuple(options) or candidate.options
    plain = candidate.sentence.plain
    names = frozenset(names)
    if options:
        listed = "; ".join(f"{i}. {o}" for i, o in enumerate(options, 1))
        catch_all = (
            f" \u201c{OTHER_OUTCOME}\u201d covers anything else, including none of the others "
            "by the deadline."
            if options[-1] == OTHER_OUTCOME
            else ""
        )
        return (
            f"Resolves to the first of these to come about on or before {when} (UTC), as shown "
            f"by an official announcement or credible news reporting: {listed}.{catch_all}"
        )
    event = read_event(plain, published=published)
    evidence = _evidence(event, plain, names)
    actors = _actors(plain)
    signed = f" It counts only if {actors[0]} by {actors[1]}." if actors else ""
    if event is None:
        return (
            f"Resolves YES if what this passage expects happens on or before {when} (UTC), as "
            f"shown by {evidence}: \u201c{plain}\u201d; NO otherwise.{signed}"
        )
    statement = _statement(event, names)
    condition = ""
    if event.condition:
        condition = (
            f" The report expects it only {event.condition[:1].lower()}{event.condition[1:]}: "
            "the question does not depend on that condition."
        )
    return (
        f"Resolves YES if {statement} on or before {when} (UTC), as shown by {evidence}; "
        f"NO otherwise.{signed}{condition}"
    )
