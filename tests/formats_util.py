"""Answers written the way each collection tool stores them, for round-trip tests.

Each writer follows the tool's conventions (and the names of our own export of the
questionnaire to that tool), independently of the readers under test.
"""

from __future__ import annotations

import csv
import io
import json

from maturity.io.export import export
from maturity.io.labels import profile_label, special_label
from maturity.responses import DONT_KNOW, NA

PROFILE = ("company", "sector", "employees", "turnover", "balance_sheet", "region", "date")


def _num(x):
    from maturity.responses import format_number

    return format_number(float(x))


def _profile_text(r, f):
    v = getattr(r.profile, f)
    if v is None:
        return ""
    if f == "date":
        return v.isoformat()
    return _num(v) if isinstance(v, float) else str(v)


def _csv(rows, delimiter=","):
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(
        rows
    )
    return buf.getvalue()


def xlsform_paths(q):
    """Each question's name → its group path, from our XLSForm export (``a/b/name``)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(export(q, to="xlsform")))
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    t, n = header.index("type"), header.index("name")
    stack, out = [], {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        kind, name = row[t] or "", row[n] or ""
        if kind == "begin_group":
            stack.append(name)
        elif kind == "end_group":
            stack.pop()
        elif name:
            out[name] = "/".join([*stack, name])
    return out


def kobo_csv(q, responses, *, split=False, separator="/"):
    """A KoboToolbox CSV export (``;``-separated, group prefixes, ``_uuid`` = the id)."""
    paths = {k: v.replace("/", separator) for k, v in xlsform_paths(q).items()}
    header = ["start", "end"]
    cols = []
    for f in PROFILE:
        if f in paths:
            header.append(paths[f])
            cols.append(("profile", f, None))
    for item in q.items:
        special = f"{item.id}__special"
        if special in paths:
            header.append(paths[special])
            cols.append(("special", item, None))
        header.append(paths[item.id])
        cols.append(("item", item, None))
        if split and item.kind == "multi":
            for code in [
                *item.codes,
                *(c for c, ok in (("n/a", item.na), ("dont_know", item.dont_know)) if ok),
            ]:
                header.append(f"{paths[item.id]}/{code}")
                cols.append(("flag", item, code))
    header += ["__version__", "_id", "_uuid", "_submission_time", "_index"]
    rows = [header]
    for k, r in enumerate(responses):
        row = ["2025-06-10T09:00:00.000+02:00", "2025-06-10T09:30:00.000+02:00"]
        for kind, obj, code in cols:
            if kind == "profile":
                row.append(_profile_text(r, obj))
                continue
            a = r.answers.get(obj.id)
            if kind == "special":
                row.append(a.code if a is NA or a is DONT_KNOW else "")
            elif kind == "flag":
                if a is None:
                    row.append("")
                elif isinstance(a, frozenset):
                    row.append("1" if code in a else "0")
                else:
                    row.append("1" if a.code == code else "0")
            else:
                row.append(_kobo_value(obj, a))
        row += ["vABC", str(300 + k), r.id, "2025-06-10T07:30:00", str(k + 1)]
        rows.append(row)
    return _csv(rows, ";")


def _kobo_value(item, a):
    if a is None:
        return ""
    if a is NA or a is DONT_KNOW:
        return "" if item.kind in ("number", "text") else a.code
    if isinstance(a, frozenset):
        return " ".join(c for c in item.codes if c in a)
    if isinstance(a, bool):
        return "yes" if a else "no"
    if isinstance(a, float):
        return _num(a)
    return a


def surveyjs_results(q, responses):
    """SurveyJS results: a JSON list of ``survey.data`` objects (ids by position)."""
    out = []
    for r in responses:
        d = {}
        for f in PROFILE:
            v = getattr(r.profile, f)
            if v is not None:
                d[f] = v.isoformat() if f == "date" else v
        for item in q.items:
            a = r.answers.get(item.id)
            if a is None:
                continue
            if a is NA or a is DONT_KNOW:
                if item.kind in ("number", "text"):
                    d[f"{item.id}__special"] = a.code
                else:
                    v = "dontknow" if a is DONT_KNOW else "n/a"
                    d[item.id] = [v] if item.kind == "multi" else v
            elif isinstance(a, frozenset):
                d[item.id] = [c for c in item.codes if c in a]
            elif isinstance(a, bool):
                d[item.id] = "yes" if a else "no"
            else:
                d[item.id] = a
        out.append(d)
    return json.dumps(out, ensure_ascii=False)


def _compact(s):
    return "".join(ch for ch in s.lower() if ch.isalnum())


def limesurvey_csv(q, responses):
    """A LimeSurvey response export with question-code headings and answer codes."""
    header = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
    header += [_compact(f) for f in PROFILE]
    cols = []
    for item in q.items:
        specials = [c for c, ok in (("n/a", item.na), ("dont_know", item.dont_know)) if ok]
        if item.kind in ("number", "text") and specials:
            header.append(_compact(item.id + "__special"))
            cols.append(("special", item, None))
        if item.kind == "multi":
            for k, code in enumerate([*item.codes, *specials], start=1):
                sub = f"SQ{k:03d}" if k <= len(item.codes) else _compact(code)
                header.append(f"{_compact(item.id)}[{sub}]")
                cols.append(("flag", item, code))
        else:
            header.append(_compact(item.id))
            cols.append(("item", item, None))
    rows = [header]
    for r in responses:
        row = [
            r.id,
            "2025-06-10 09:41:02",
            "3",
            "it",
            "123",
            "2025-06-10 09:12:44",
            "2025-06-10 09:41:02",
        ]
        for f in PROFILE:
            text = _profile_text(r, f)
            row.append(f"{text} 00:00:00" if f == "date" and text else text)
        for kind, item, code in cols:
            a = r.answers.get(item.id)
            if kind == "special":
                row.append({NA: "NA", DONT_KNOW: "DK"}.get(a, "") if a in (NA, DONT_KNOW) else "")
            elif kind == "flag":
                chosen = (
                    a if isinstance(a, frozenset) else {a.code} if a in (NA, DONT_KNOW) else set()
                )
                row.append("Y" if code in chosen else "")
            elif a is None or (a in (NA, DONT_KNOW) and item.kind in ("number", "text")):
                row.append("")
            elif a is NA:
                row.append("NA")
            elif a is DONT_KNOW:
                row.append("DK")
            elif isinstance(a, bool):
                row.append("Y" if a else "N")
            elif isinstance(a, float):
                row.append(_num(a))
            else:
                row.append(a)
        rows.append(row)
    return "\ufeff" + _csv(rows)


def forms_csv(q, responses, lang, *, separator=", "):
    """A form tool's response sheet: question texts and option labels in ``lang``."""
    header = ["Timestamp" if lang == "en" else "Informazioni cronologiche"]
    header += [profile_label(f, lang) for f in PROFILE]
    header += [i.text[lang] for i in q.items]
    rows = [header]
    for r in responses:
        row = ["10/06/2025 9.41.02"]
        row += [_profile_text(r, f) for f in PROFILE]
        for item in q.items:
            a = r.answers.get(item.id)
            if a is None:
                row.append("")
            elif a is NA or a is DONT_KNOW:
                row.append(special_label(a.code, lang))
            elif isinstance(a, frozenset):
                row.append(separator.join(o.label[lang] for o in item.options if o.code in a))
            elif isinstance(a, bool):
                row.append(special_label("yes" if a else "no", lang))
            elif isinstance(a, float):
                row.append(_num(a))
            elif item.kind in ("scale", "choice"):
                row.append(next(o.label[lang] for o in item.options if o.code == a))
            else:
                row.append(a)
        rows.append(row)
    return _csv(rows)


def fill_workbook(path, q, responses, lang):
    """Fill an interview workbook (``export --to xlsx-form``) as a consultant would."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = next(w for w in wb.worksheets if w.sheet_state == "visible")
    rows = {ws.cell(r, 1).value: r for r in range(3, ws.max_row + 1) if ws.cell(r, 1).value}
    yes, no = special_label("yes", lang), special_label("no", lang)
    for k, r in enumerate(responses):
        col = 5 + k
        ws.cell(rows["respondent_id"], col).value = r.id
        for f in PROFILE:
            v = getattr(r.profile, f)
            if v is not None and f in rows:
                cell = ws.cell(rows[f], col)
                cell.value = v
                if isinstance(v, str):
                    cell.data_type = "s"
        for item in q.items:
            a = r.answers.get(item.id)
            if a is None:
                continue
            if a is NA or a is DONT_KNOW:
                if item.kind == "multi":
                    ws.cell(rows[f"{item.id}/{a.code}"], col).value = yes
                else:
                    ws.cell(rows[item.id], col).value = special_label(a.code, lang)
            elif item.kind == "multi":
                for o in item.options:
                    ws.cell(rows[f"{item.id}/{o.code}"], col).value = yes if o.code in a else no
            elif item.kind == "boolean":
                ws.cell(rows[item.id], col).value = yes if a else no
            elif item.kind in ("scale", "choice"):
                ws.cell(rows[item.id], col).value = next(
                    o.label[lang] for o in item.options if o.code == a
                )
            else:
                cell = ws.cell(rows[item.id], col)
                cell.value = a
                if isinstance(a, str):
                    cell.data_type = "s"
    wb.save(path)


def xlsform_choices(q):
    """Each select question's name → the names of its choices, from our XLSForm export."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(export(q, to="xlsform")))
    lists = {}
    ws = wb["choices"]
    header = [c.value for c in ws[1]]
    ln, nm = header.index("list_name"), header.index("name")
    for row in ws.iter_rows(min_row=2, values_only=True):
        lists.setdefault(row[ln], set()).add(str(row[nm]))
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    t, n = header.index("type"), header.index("name")
    out = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        kind = row[t] or ""
        if kind.startswith(("select_one ", "select_multiple ")):
            out[row[n]] = lists[kind.split(" ", 1)[1]]
    return out
