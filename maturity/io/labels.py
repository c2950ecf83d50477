"""Option labels and question texts as the tools show them, matched back to our codes and ids.

Form tools (Google Forms, Microsoft Forms, a LimeSurvey export with "full answers", the
interview workbook) write what the respondent saw: an option's *label* in one of the
questionnaire's languages, a question's text as its column header. This module matches them
back, exactly after Unicode (NFC) and whitespace normalisation (:func:`normalize`): a label that
two options share is ambiguous, an unknown one is an error with the closest label suggested.

It also holds the words every exporter shows for the special answers ("not applicable",
"don't know", yes/no) and for the profile fields, in Italian and English (other languages fall
back to English), so that what an exporter writes is what a reader recognises.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from maturity.questionnaire import DONT_KNOW_CODE, NA_CODE, PROFILE_FIELDS

if TYPE_CHECKING:  # pragma: no cover
    from maturity.questionnaire import Item, Questionnaire

__all__ = [
    "PROFILE_LABELS",
    "SEPARATORS",
    "SPECIAL_LABELS",
    "HeaderIndex",
    "LabelIndex",
    "Unmatched",
    "normalize",
    "profile_label",
    "special_label",
    "split_labels",
    "word",
]

_SPACE = re.compile(r"\s+")
#: How form tools join the labels of a multiple choice (Google ", ", Microsoft ";").
SEPARATORS = (", ", ",", "; ", ";")

#: Words for the special answers and yes/no, per language (English is the fallback).
SPECIAL_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {NA_CODE: "Not applicable", DONT_KNOW_CODE: "Don't know", "yes": "Yes", "no": "No"},
    "it": {NA_CODE: "Non applicabile", DONT_KNOW_CODE: "Non so", "yes": "Sì", "no": "No"},
}

#: Labels of the profile fields, per language (English is the fallback).
PROFILE_LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "respondent_id": "Respondent id",
        "company": "Company",
        "sector": "Sector (NACE/ATECO code)",
        "employees": "Employees",
        "turnover": "Turnover (million EUR)",
        "balance_sheet": "Balance sheet total (million EUR)",
        "region": "Region (NUTS code)",
        "date": "Date of the assessment",
    },
    "it": {
        "respondent_id": "Codice del rispondente",
        "company": "Impresa",
        "sector": "Settore (codice ATECO/NACE)",
        "employees": "Addetti",
        "turnover": "Fatturato (milioni di euro)",
        "balance_sheet": "Totale di bilancio (milioni di euro)",
        "region": "Regione (codice NUTS)",
        "date": "Data della valutazione",
    },
}

#: Other words the exporters write, per language.
_WORDS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "profile": "Company profile",
        "one_of": "one of the list",
        "several": "several: answer each option",
        "number": "a number",
        "from": "from",
        "to": "to",
        "text": "free text",
        "yes_no": "yes or no",
        "asked_if": "asked only if",
        "answer": "answer",
        "answer_of": "the answer to",
        "profile_of": "the company's",
        "respondent": "Respondent",
        "question": "Question",
        "answers": "Allowed answers",
        "condition": "Asked if",
        "id": "id",
        "selected": "selected",
    },
    "it": {
        "profile": "Profilo dell'impresa",
        "one_of": "una voce dell'elenco",
        "several": "più voci: rispondete per ciascuna",
        "number": "un numero",
        "from": "da",
        "to": "a",
        "text": "testo libero",
        "yes_no": "sì o no",
        "asked_if": "da porre solo se",
        "answer": "risposta",
        "answer_of": "la risposta a",
        "profile_of": "dell'impresa:",
        "respondent": "Rispondente",
        "question": "Domanda",
        "answers": "Risposte ammesse",
        "condition": "Da porre se",
        "id": "id",
        "selected": "scelta",
    },
}


def _lang_table(table: Mapping[str, Mapping[str, str]], lang: str) -> Mapping[str, str]:
    return table.get(lang, table["en"])


def special_label(code: str, lang: str) -> str:
    """The label of ``n/a``, ``dont_know``, ``yes`` or ``no`` in ``lang``."""
    return _lang_table(SPECIAL_LABELS, lang)[code]


def profile_label(name: str, lang: str) -> str:
    """The label of a profile field (or ``respondent_id``) in ``lang``."""
    return _lang_table(PROFILE_LABELS, lang)[name]


def word(key: str, lang: str) -> str:
    """A word the exporters write (``"profile"``, ``"number"``, ...) in ``lang``."""
    return _lang_table(_WORDS, lang)[key]


def normalize(text: str) -> str:
    """A label as matched: Unicode NFC, runs of white space (any kind) as one space, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class Unmatched:
    """Why a cell matched no code: ``what`` in words, and the closest label, if any."""

    found: str
    why: str
    closest: str | None = None

    def message(self) -> str:
        """The problem in words, with the suggestion."""
        tail = f"; did you mean '{self.closest}'?" if self.closest else ""
        return f"{self.why}{tail}"


@dataclass
class LabelIndex:
    """Labels (in every language), codes and special answers of one item → its codes.

    ``lookup`` gives the code of one label (or code); ``codes_of`` splits a multiple-choice
    cell (labels joined by ``", "`` or ``";"``) into codes. A text that two codes share is
    ambiguous and refused.
    """

    item_id: str
    _by_text: dict[str, set[str]] = field(default_factory=dict)
    _shown: dict[str, str] = field(default_factory=dict)
    _holds_separator: dict[tuple[str, ...], bool] = field(default_factory=dict)
    _folded: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, item: Item, languages: Sequence[str]) -> LabelIndex:
        """The index of an item's labels in ``languages`` (with its codes and specials)."""
        idx = cls(item.id)
        langs = list(dict.fromkeys([*languages, "en", "it"]))
        if item.kind == "boolean":
            for code in ("yes", "no"):
                idx.add(code, code, fold=True)
                for lang in langs:
                    idx.add(special_label(code, lang), code)
            for extra, code in (("si", "yes"), ("sì", "yes"), ("true", "yes"), ("false", "no")):
                idx.add(extra, code, fold=True)
        for o in item.options:
            idx.add(o.code, o.code, fold=True)
            for lang in languages:
                if lang in o.label:
                    idx.add(o.label[lang], o.code)
        for code, allowed in ((NA_CODE, item.na), (DONT_KNOW_CODE, item.dont_know)):
            if allowed:
                idx.add(code, code, fold=True)
                for lang in langs:
                    idx.add(special_label(code, lang), code)
        return idx

    def add(self, text: str, code: str, *, fold: bool = False) -> None:
        """Add one text that stands for ``code``. Labels match exactly (after
        :func:`normalize`); a code (``fold``) also in another case, when that is unambiguous.
        """
        key = normalize(text)
        if fold:
            self._folded.add(key)
        self._holds_separator.clear()
        self._by_text.setdefault(key, set()).add(code)
        self._shown.setdefault(key, key)

    def lookup(self, text: str) -> str | Unmatched:
        """The code of one label or code, or why there is none."""
        key = normalize(text)
        found = self._by_text.get(key)
        if found is None:
            folded = [k for k in self._folded if k.casefold() == key.casefold()]
            codes = set().union(*(self._by_text[k] for k in folded)) if folded else set()
            if len(codes) == 1:
                return next(iter(codes))
            close = difflib.get_close_matches(key, list(self._shown), n=1, cutoff=0.5)
            return Unmatched(
                key,
                f"'{key}' is not an option of '{self.item_id}'",
                close[0] if close else None,
            )
        if len(found) > 1:
            return Unmatched(
                key,
                f"'{key}' is ambiguous for '{self.item_id}': it is the label of "
                f"{', '.join(sorted(found))}; write the option code instead",
            )
        return next(iter(found))

    def _plain_split(self, s: str, separators: Sequence[str]) -> list[str] | None:
        """The codes when no label holds a separator and every piece is a known label (the
        split is then the only one); ``None`` to take the general path.
        """
        seps = sorted(separators, key=len, reverse=True)
        key = tuple(seps)
        if key not in self._holds_separator:
            self._holds_separator[key] = any(sep in k for k in self._by_text for sep in seps)
        if self._holds_separator[key]:
            return None
        pattern = "|".join(re.escape(sep) for sep in seps)
        out: list[str] = []
        for piece in re.split(pattern, s):
            found = self._by_text.get(piece.strip())
            if found is None or len(found) != 1:
                return None
            out.append(next(iter(found)))
        return out

    def codes_of(self, text: str, separators: Sequence[str] = SEPARATORS) -> list[str] | Unmatched:
        """The codes of a multiple-choice cell: labels joined by ``", "`` or ``";"`` (or
        ``separators``).
        """
        s = normalize(text).rstrip(";").strip()
        if not s:
            return []
        if s in self._by_text:
            whole = self.lookup(s)
            if isinstance(whole, str):
                return [whole]
        fast = self._plain_split(s, separators)
        if fast is not None:
            return fast
        parts = split_labels(s, self._by_text, separators)
        if parts is None:
            # report the piece after the longest run of labels that reads
            start = _longest_prefix(s, self._by_text, separators)
            piece = re.split(r",\s?|;", s[start:], maxsplit=1)[0].strip()
            r = self.lookup(piece)
            if isinstance(r, Unmatched):
                return r
            return Unmatched(s, f"'{s}' is not a list of options of '{self.item_id}'")
        if parts == "ambiguous":
            return Unmatched(
                s,
                f"'{s}' can be split into options of '{self.item_id}' in more than one way; "
                "write the option codes joined by '|'",
            )
        out: list[str] = []
        for p in parts:
            r = self.lookup(p)
            if isinstance(r, Unmatched):
                return r
            out.append(r)
        return out


def split_labels(
    s: str, known: Iterable[str], separators: Sequence[str] = SEPARATORS
) -> list[str] | str | None:
    """Split ``s`` into known labels joined by ``", "`` or ``";"`` (labels may themselves hold
    commas). Returns the labels, ``None`` when no split exists, ``"ambiguous"`` when several do.
    """
    labels = sorted({k for k in known if k}, key=len, reverse=True)
    n = len(s)
    # ways[i]: the splits of s[i:] (at most two kept: enough to tell unique from ambiguous)
    ways: list[list[list[str]]] = [[] for _ in range(n + 1)]
    ways[n] = [[]]
    for i in range(n - 1, -1, -1):
        if i > 0 and s[i] == " ":
            continue
        found: list[list[str]] = []
        for lab in labels:
            if not s.startswith(lab, i):
                continue
            j = i + len(lab)
            if j == n:
                found.append([lab])
            else:
                for sep in separators:
                    if s.startswith(sep, j) and j + len(sep) <= n and ways[j + len(sep)]:
                        found.extend([lab, *w] for w in ways[j + len(sep)])
                        break
            if len(found) > 1:
                break
        ways[i] = found[:2]
    if not ways[0]:
        return None
    return "ambiguous" if len(ways[0]) > 1 else ways[0][0]


def _longest_prefix(s: str, known: Iterable[str], separators: Sequence[str]) -> int:
    """Where the longest run of labels joined by separators at the start of ``s`` ends (the
    start of the next piece).
    """
    labels = sorted({k for k in known if k}, key=len, reverse=True)
    reach = {0}
    best = 0
    frontier = [0]
    while frontier:
        i = frontier.pop()
        for lab in labels:
            if s.startswith(lab, i):
                j = i + len(lab)
                for sep in separators:
                    if s.startswith(sep, j):
                        k = j + len(sep)
                        if k not in reach:
                            reach.add(k)
                            best = max(best, k)
                            frontier.append(k)
                        break
    return best


@dataclass
class HeaderIndex:
    """Column headers → our column names: ids, profile fields and their labels, item texts in
    every language (exactly, after :func:`normalize`).
    """

    q: Questionnaire
    _map: dict[str, set[str]] = field(default_factory=dict)
    #: text → the languages it is written in (none for ids and names)
    _langs: dict[str, set[str]] = field(default_factory=dict)
    #: the languages of the headers matched so far, each written in one language only
    seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        from maturity.responses import ID_COLUMN, META_COLUMNS

        for name in (ID_COLUMN, *META_COLUMNS, *PROFILE_FIELDS):
            self._add(name, name)
        for lang in {*self.q.languages, "en", "it"}:
            table = _lang_table(PROFILE_LABELS, lang)
            for name, label in table.items():
                self._add(label, name, lang)
        for item in self.q.items:
            self._add(item.id, item.id)
            for lang in self.q.languages:
                if lang in item.text:
                    self._add(item.text[lang], item.id, lang)

    def _add(self, text: str, name: str, lang: str | None = None) -> None:
        key = normalize(text)
        self._map.setdefault(key, set()).add(name)
        if lang is not None:
            self._langs.setdefault(key, set()).add(lang)

    def language(self) -> str | None:
        """The language of the file's headers: the one language of every matched header
        written in one language only (question texts, profile labels), or ``None`` when they
        are in several languages or none is a text.
        """
        return next(iter(self.seen)) if len(self.seen) == 1 else None

    def lookup(self, header: str) -> str | Unmatched | None:
        """Our column for ``header``; ``None`` when nothing matches; :class:`Unmatched` when
        ambiguous. A match in one language only counts towards :meth:`language`.
        """
        key = normalize(header)
        found = self._map.get(key)
        if not found:
            return None
        langs = self._langs.get(key, set())
        if len(langs) == 1:
            self.seen |= langs
        if len(found) > 1:
            return Unmatched(
                header, f"the header '{header}' matches {', '.join(sorted(found))}; rename it"
            )
        return next(iter(found))

    def closest(self, header: str) -> str | None:
        """The closest known header (for suggestions)."""
        close = difflib.get_close_matches(normalize(header), list(self._map), n=1, cutoff=0.6)
        return close[0] if close else None
