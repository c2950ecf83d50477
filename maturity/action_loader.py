"""The strict loader of action catalogues (see :mod:`maturity.action_catalogue`).

It checks every field of a catalogue against the format and against the questionnaire it is
bound to (items, nodes, option codes, value ranges, profile conditions), the references between
actions (prerequisites, orders, programmes) and their cycles, and collects every problem with
its ``file:line:col`` before raising one :class:`~maturity.errors.SpecError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maturity.action_catalogue import (
    ACTION_KINDS,
    DELIVERIES,
    FORMAT,
    PROVIDERS,
    Action,
    ActionCatalogue,
    Effect,
    FundingRule,
    Programme,
)
from maturity.conditions import Condition, ConditionSyntaxError, check, parse
from maturity.errors import Problem, format_path, list_allowed, suggest
from maturity.questionnaire import ROOT_ID, Questionnaire, Source, profile_types
from maturity.questionnaire.binding import bind_questionnaire
from maturity.questionnaire.loader import parse_sources
from maturity.spec.check import Checker
from maturity.spec.graph import cycles
from maturity.spec.yamlio import Document

__all__ = ["load_document"]

_TOP_REQUIRED = ("format", "id", "version", "title", "questionnaire", "actions")
_TOP_OPTIONAL = (
    "description",
    "authors",
    "license",
    "sources",
    "date",
    "currency",
    "programmes",
)
_ACTION_REQUIRED = ("id", "kind", "title", "provider", "cost", "duration_weeks")
_ACTION_OPTIONAL = (
    "description",
    "delivery",
    "funding",
    "requires",
    "requires_level",
    "after",
    "when",
    "improves",
)


Path_ = tuple[str | int, ...]


class _Loader:
    def __init__(self, doc: Document, questionnaire: Questionnaire | None, strict: bool) -> None:
        self.doc = doc
        self.c = Checker(doc, strict=strict)
        self.q = questionnaire
        self.asked: set[str] = set()
        self.declared: set[str] = set()  # actions with an 'improves' key
        self.programme_ids: set[str] = set()
        # (action id or None, path, requires, after) of every action, even one with problems
        self.references: list[tuple[str | None, Path_, tuple[str, ...], tuple[str, ...]]] = []

    def load(self) -> ActionCatalogue:

        c = self.c
        top = c.document(
            required=_TOP_REQUIRED,
            optional=_TOP_OPTIONAL,
            what="a mapping (the action catalogue)",
            format=FORMAT,
            hints={
                "maturity/scoring-model@1": (
                    " — this is a scoring model; give it to 'maturity validate' as it is"
                )
            },
        )
        cid = c.ident(("id",), top.get("id")) if "id" in top else None
        version = c.version(("version",), top.get("version")) if "version" in top else None
        q, versions = self.bind(top.get("questionnaire"))
        if q is None and any(p.code == "A010" for p in c.problems):
            # bound to another questionnaire (or none): checking the references against the
            # wrong one would only add a problem per profile condition and item named
            c.raise_if_errors()
        c.languages = q.languages if q else ()
        if q is not None:
            derived = {"section": "sector", "division": "sector", "size_class": "employees"}
            fields = set(q.profile_fields)
            self.asked = {k for k in profile_types() if derived.get(k, k) in fields}
        title = c.text(("title",), top.get("title")) if "title" in top else None
        description = c.text(("description",), top["description"]) if "description" in top else None
        authors = (
            tuple(a for p, v in c.items(("authors",), top["authors"]) if (a := c.string(p, v)))
            if "authors" in top
            else ()
        )
        lic = c.string(("license",), top["license"]) if "license" in top else None
        date = c.date(("date",), top["date"]) if "date" in top else None
        currency = c.choice(("currency",), top["currency"], ("EUR",)) if "currency" in top else None
        sources = self.sources(top["sources"]) if "sources" in top else ()
        programmes = self.programmes(top["programmes"]) if "programmes" in top else {}
        actions: list[Action] = []
        paths: dict[str, Path_] = {}
        seen: dict[str, int] = {}  # every action id given, even of an action with problems
        if "actions" in top:
            for p, v in c.items(("actions",), top["actions"]):
                act = self.action(p, v, q, programmes, seen)
                if act is not None:
                    actions.append(act)
                    paths[act.id] = p
                    if "improves" in v:
                        self.declared.add(act.id)
            if isinstance(top["actions"], list) and not top["actions"]:
                c.error("S004", ("actions",), detail="list at least one action")
        self.check_references(actions, paths, set(seen))
        c.raise_if_errors()
        assert cid and version and title and q and versions is not None
        return ActionCatalogue(
            id=cid,
            version=version,
            title=title,
            questionnaire=q,
            questionnaire_versions=versions,
            actions=tuple(actions),
            programmes=tuple(programmes.values()),
            description=description,
            authors=authors,
            license=lic,
            sources=sources,
            date=date,
            currency=currency or "EUR",
            file=self.doc.file,
            warnings=c.warnings,
        )

    # -- the questionnaire ----------------------------------------------------------------
    def bind(self, value: object) -> tuple[Questionnaire | None, str | None]:
        return bind_questionnaire(
            self.c,
            value,
            self.q,
            what="catalogue",
            codes={"syntax": "A010", "missing": "A010", "mismatch": "A010"},
        )

    def sources(self, value: object) -> tuple[Source, ...]:
        return parse_sources(self.c, value)

    def share(self, path: Path_, value: object) -> float | None:
        x = self.c.number(path, value)
        if x is None:
            return None
        if not 0 <= x <= 1:
            self.c.error(
                "A008", path, detail=f"a share is between 0 and 1 (0.5 is 50 %), found {x:g}"
            )
            return None
        return x

    def euro(self, path: Path_, value: object) -> float | None:
        x = self.c.number(path, value, what="an amount in euro")
        if x is None:
            return None
        if x < 0:
            self.c.error("A006", path, detail=f"an amount in euro cannot be negative, found {x:g}")
            return None
        return x

    def programmes(self, value: object) -> dict[str, Programme]:
        c = self.c
        out: dict[str, Programme] = {}
        first: dict[str, int] = {}
        for p, v in c.items(("programmes",), value):
            m = c.mapping(
                p,
                v,
                required=("id", "title", "rules"),
                optional=("min_cost", "cap_per_company", "url", "note"),
                what="a programme {id, title, rules}",
            )
            if m is None:
                continue
            pid = c.ident((*p, "id"), m.get("id")) if "id" in m else None
            if pid is not None and pid in first:
                c.error("S007", (*p, "id"), id=pid, first=first[pid])
                pid = None
            if pid is not None:
                mark = self.doc.mark((*p, "id"))
                first[pid] = mark.line if mark else 0
            title = c.text((*p, "title"), m.get("title")) if "title" in m else None
            rules: list[FundingRule] = []
            for rp, rv in c.items((*p, "rules"), m.get("rules")):
                rm = c.mapping(rp, rv, required=("share",), optional=("cap", "when"))
                if rm is None:
                    continue
                share = self.share((*rp, "share"), rm.get("share")) if "share" in rm else None
                cap = self.euro((*rp, "cap"), rm["cap"]) if "cap" in rm else None
                when = self.condition((*rp, "when"), rm["when"]) if "when" in rm else None
                if share is not None:
                    rules.append(FundingRule(share, cap, when))
            if isinstance(m.get("rules"), list) and not m["rules"]:
                c.error("A008", (*p, "rules"), detail="a programme needs at least one rule")
            min_cost = self.euro((*p, "min_cost"), m["min_cost"]) if "min_cost" in m else 0.0
            per_company = (
                self.euro((*p, "cap_per_company"), m["cap_per_company"])
                if "cap_per_company" in m
                else None
            )
            url = c.string((*p, "url"), m["url"]) if "url" in m else None
            note = c.string((*p, "note"), m["note"]) if "note" in m else None
            if pid:
                self.programme_ids.add(pid)
            if pid and title and rules:
                out[pid] = Programme(
                    pid, title, tuple(rules), min_cost or 0.0, per_company, url, note
                )
        return out

    def condition(self, path: Path_, value: object) -> Condition | None:
        """A ``when:`` over the company's profile (answers are refused)."""
        c = self.c
        s = c.string(path, value, what="a condition")
        if s is None:
            return None
        quote = 0 if self.doc.raw_text(path) is not None else 1
        m = self.doc.mark(path)

        def at(offset: int) -> dict[str, Any]:
            return {
                "file": self.doc.file,
                "line": m.line if m else None,
                "column": (m.column + offset + quote) if m else None,
                "path": format_path(path),
            }

        try:
            cond = parse(s)
        except ConditionSyntaxError as exc:
            c.problems.append(Problem.make("C001", detail=exc.message, **at(exc.offset)))
            return None
        ok = True
        for ref in sorted(cond.answer_refs):
            where = s.find(ref)
            c.problems.append(Problem.make("A009", found=ref, **at(s.rfind("answer", 0, where))))
            ok = False
        ptypes = profile_types()
        for issue in check(cond, {}, ptypes):
            if issue.kind == "unknown-item":
                continue  # reported above
            if issue.kind == "unknown-profile":
                problem = Problem.make(
                    "C002",
                    what="profile field",
                    found=issue.found,
                    suggestion=suggest(issue.found, ptypes),
                    **at(issue.offset),
                )
            else:
                problem = Problem.make("C003", detail=issue.message, **at(issue.offset))
            c.problems.append(problem)
            ok = False
        if self.q is not None:
            for name in sorted(cond.profile_refs):
                if name in ptypes and name not in self.asked:
                    c.error(
                        "Q008",
                        path,
                        found=name,
                        allowed=list_allowed(self.asked)
                        + f"; questionnaire '{self.q.id}' does not ask it",
                    )
                    ok = False
        return cond if ok else None

    def action(
        self,
        path: Path_,
        value: object,
        q: Questionnaire | None,
        programmes: Mapping[str, Programme],
        seen: dict[str, int],
    ) -> Action | None:
        c = self.c
        m = c.mapping(
            path,
            value,
            required=_ACTION_REQUIRED,
            optional=_ACTION_OPTIONAL,
            what="an action {id, kind, title, provider, cost, duration_weeks, ...}",
        )
        if m is None:
            return None
        aid = c.ident((*path, "id"), m.get("id")) if "id" in m else None
        if aid is not None and aid in seen:
            c.error("S007", (*path, "id"), id=aid, first=seen[aid])
            aid = None
        elif aid is not None:
            mark = self.doc.mark((*path, "id"))
            seen[aid] = mark.line if mark else 0
        kind = (
            self.word((*path, "kind"), m.get("kind"), ACTION_KINDS, "action kind")
            if ("kind" in m)
            else None
        )
        title = c.text((*path, "title"), m.get("title")) if "title" in m else None
        description = (
            c.text((*path, "description"), m["description"]) if "description" in m else None
        )
        provider = (
            self.word((*path, "provider"), m.get("provider"), PROVIDERS, "provider")
            if "provider" in m
            else None
        )
        delivery = None
        if "delivery" in m:
            delivery = self.word((*path, "delivery"), m["delivery"], DELIVERIES, "delivery")
            if kind is not None and not ACTION_KINDS[kind].delivery:
                c.error(
                    "S004",
                    (*path, "delivery"),
                    detail=f"'delivery' is for trainings, not for an action of kind '{kind}'",
                )
        elif kind is not None and ACTION_KINDS[kind].delivery:
            c.error("S002", path, name="delivery")
        cost = self.cost((*path, "cost"), m.get("cost")) if "cost" in m else None
        duration = (
            c.number((*path, "duration_weeks"), m.get("duration_weeks"), positive=True)
            if "duration_weeks" in m
            else None
        )
        funding = None
        if "funding" in m:
            funding = c.string((*path, "funding"), m["funding"])
            if funding is not None and funding not in programmes:
                if funding not in self.programme_ids:  # else: the programme has problems
                    c.error(
                        "A007",
                        (*path, "funding"),
                        found=funding,
                        allowed=list_allowed(self.programme_ids),
                        suggestion=suggest(funding, self.programme_ids),
                    )
                funding = None
        requires = self.id_list((*path, "requires"), m["requires"]) if "requires" in m else ()
        after = self.id_list((*path, "after"), m["after"]) if "after" in m else ()
        self.references.append((aid, path, requires, after))
        levels = (
            self.levels((*path, "requires_level"), m["requires_level"], q)
            if ("requires_level" in m)
            else ()
        )
        when = self.condition((*path, "when"), m["when"]) if "when" in m else None
        improves = self.effects((*path, "improves"), m["improves"], q) if "improves" in m else ()
        if not (aid and kind and title and provider and cost and duration):
            return None
        return Action(
            id=aid,
            kind=kind,
            title=title,
            provider=provider,
            cost=cost,
            duration_weeks=duration,
            description=description,
            delivery=delivery,
            funding=funding,
            requires=requires,
            requires_level=levels,
            after=after,
            when=when,
            improves=improves,
        )

    def word(
        self, path: Path_, value: object, allowed: Mapping[str, Any] | tuple[str, ...], what: str
    ) -> str | None:
        s = self.c.string(path, value)
        if s is None:
            return None
        if s not in allowed:
            self.c.error(
                "A005",
                path,
                what=what,
                found=s,
                allowed=", ".join(allowed),
                suggestion=suggest(s, list(allowed)),
            )
            return None
        return s

    def cost(self, path: Path_, value: object) -> tuple[float, float] | None:
        c = self.c
        if isinstance(value, int | float) and not isinstance(value, bool):
            x = self.euro(path, value)
            return None if x is None else (x, x)
        seq = c.seq(path, value, what="a cost [low, high] in euro, or one amount")
        if seq is None:
            return None
        if len(seq) != 2:
            c.error("A006", path, detail=f"expected [low, high], found {len(seq)} values")
            return None
        lo = self.euro((*path, 0), seq[0])
        hi = self.euro((*path, 1), seq[1])
        if lo is None or hi is None:
            return None
        if lo > hi:
            c.error("A006", path, detail=f"the low end ({lo:g}) is above the high end ({hi:g})")
            return None
        return (lo, hi)

    def id_list(self, path: Path_, value: object) -> tuple[str, ...]:
        out: list[str] = []
        for p, v in self.c.items(path, value):
            s = self.c.ident(p, v)
            if s is not None:
                out.append(s)
        return tuple(dict.fromkeys(out))

    def levels(
        self, path: Path_, value: object, q: Questionnaire | None
    ) -> tuple[tuple[str, str], ...]:
        c = self.c
        m = c.mapping(path, value, what="a mapping node id → level code", any_keys=True)
        out: list[tuple[str, str]] = []
        for node, code in (m or {}).items():
            p = (*path, node)
            if q is not None:
                nodes = [ROOT_ID, *(d.id for d in q.dimensions)]
                if node not in nodes:
                    c.error(
                        "A001",
                        p,
                        key=True,
                        what="dimension",
                        found=node,
                        questionnaire=q.id,
                        suggestion=suggest(node, nodes),
                    )
                    continue
            level = c.ident(p, code, rule="a level code of the scoring model, e.g. beginner")
            if level is not None:
                out.append((node, level))
        return tuple(out)

    def effects(self, path: Path_, value: object, q: Questionnaire | None) -> tuple[Effect, ...]:
        c = self.c
        out: list[Effect] = []
        seen: set[str] = set()
        for p, v in c.items(path, value):
            m = c.mapping(p, v, required=("item",), optional=("to", "add"), what="{item, to}")
            if m is None or "item" not in m:
                continue
            iid = c.string((*p, "item"), m["item"])
            if iid is None:
                continue
            if iid in seen:
                c.error("A004", (*p, "item"), detail=f"item '{iid}' is listed twice")
                continue
            seen.add(iid)
            if q is None:
                continue
            try:
                item = q.item(iid)
            except KeyError:
                c.error(
                    "A001",
                    (*p, "item"),
                    what="item",
                    found=iid,
                    questionnaire=q.id,
                    suggestion=suggest(iid, [i.id for i in q.items]),
                )
                continue
            effect = self.effect(p, m, item)
            if effect is not None:
                out.append(effect)
        return tuple(out)

    def effect(self, p: Path_, m: Mapping[str, Any], item: Any) -> Effect | None:
        c = self.c
        kind = item.kind
        if kind == "text":
            c.error("A004", (*p, "item"), detail=f"'{item.id}' is a text item; it has no score")
            return None
        if kind == "multi":
            if "to" in m:
                c.error(
                    "A004",
                    (*p, "to"),
                    detail=f"'{item.id}' is a multiple choice: list the options the action "
                    "ticks under 'add'",
                )
                return None
            if "add" not in m:
                c.error("S002", p, name="add")
                return None
            codes: list[str] = []
            allowed = [o.code for o in item.options if not o.exclusive and o.value > 0]
            for cp, cv in c.items((*p, "add"), m["add"]):
                s = c.string(cp, cv)
                if s is None:
                    continue
                if s not in allowed:
                    c.error(
                        "A004",
                        cp,
                        detail=f"'{s}' is not an option that adds points to '{item.id}' "
                        f"(options: {list_allowed(allowed)}){suggest(s, allowed)}",
                    )
                    continue
                codes.append(s)
            return Effect(item.id, add=frozenset(codes)) if codes else None
        if "add" in m:
            c.error(
                "A004", (*p, "add"), detail=f"'add' is for multiple choices; '{item.id}' is {kind}"
            )
            return None
        if "to" not in m:
            c.error("S002", p, name="to")
            return None
        value = m["to"]
        tp = (*p, "to")
        if kind in ("scale", "choice"):
            raw = value if isinstance(value, str) else self.doc.raw_text(tp)
            codes_ = [o.code for o in item.options]
            if raw not in codes_:
                c.error(
                    "A004",
                    tp,
                    detail=f"'{raw}' is not an option of '{item.id}' (options: "
                    f"{', '.join(codes_)}){suggest(str(raw), codes_)}",
                )
                return None
            lowest = min(o.value for o in item.options)
            if item.value_of(raw) <= lowest:
                c.error(
                    "A004",
                    tp,
                    detail=f"'{raw}' is the lowest answer of '{item.id}'; an action raises "
                    "an answer",
                )
                return None
            return Effect(item.id, to=raw)
        if kind == "number":
            x = c.number(tp, value)
            if x is None:
                return None
            lo = item.min if item.min is not None else float("-inf")
            hi = item.max if item.max is not None else float("inf")
            if not lo <= x <= hi:
                c.error(
                    "A004",
                    tp,
                    detail=f"{x:g} is outside the range of '{item.id}' ({lo:g} to {hi:g})",
                )
                return None
            return Effect(item.id, to=x)
        # boolean
        if value is not True:
            c.error(
                "A004",
                tp,
                detail=f"'{item.id}' is a yes/no item: an action can only make it true",
            )
            return None
        return Effect(item.id, to=True)

    # -- across actions ---------------------------------------------------------------------
    def check_references(
        self, actions: list[Action], paths: Mapping[str, Path_], given: set[str]
    ) -> None:
        c = self.c
        ids = [a.id for a in actions]
        known = set(ids)
        for aid, p, requires, after in self.references:
            for key, refs in (("requires", requires), ("after", after)):
                for k, ref in enumerate(refs):
                    if ref == aid:
                        c.error("A003", (*p, key, k), cycle=f"{aid} -> {aid}")
                    elif ref not in given:
                        c.error("A002", (*p, key, k), found=ref, suggestion=suggest(ref, given))
        # cycles through requires and after
        edges = {
            a.id: [r for r in (*a.requires, *a.after) if r in known and r != a.id] for a in actions
        }
        for cycle in cycles(edges, ids):
            c.error("A003", (*paths[cycle[0]], "id"), cycle=" -> ".join(cycle))
        needed = {r for a in actions for r in (*a.requires, *a.after)}
        for a in actions:
            if not a.improves and a.id not in needed and a.id not in self.declared:
                c.warn("A011", (*paths[a.id], "id"), id=a.id)


def load_document(
    doc: Document, questionnaire: Questionnaire | None, *, strict: bool = False
) -> ActionCatalogue:
    """Check a catalogue read from YAML and build it; raises
    :class:`~maturity.errors.SpecError` listing every problem. When ``questionnaire`` is None
    the bundled questionnaire named by the catalogue is used.
    """
    return _Loader(doc, questionnaire, strict).load()
