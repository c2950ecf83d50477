"""Scoring models: how answers become maturity scores, in a YAML file of their own.

A model is bound to a questionnaire id and a range of its versions; it sets the score range,
an aggregation operator and the weights of the children of every node, named maturity levels,
and the policy for missing answers. :func:`load_model` checks all of it against the
questionnaire and returns a frozen :class:`ScoringModel`. The format is described in
``docs/reference/scoring-model-format.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from maturity.errors import Problem, suggest
from maturity.operators import OPERATORS
from maturity.questionnaire import ROOT_ID, Dimension, Item, Questionnaire
from maturity.questionnaire.binding import bind_questionnaire
from maturity.spec.check import Checker
from maturity.spec.versions import version_matches
from maturity.spec.yamlio import Document, read_yaml
from maturity.text import Text
from maturity.weights import AHP_METHODS, AHPError, AHPResult, ahp, parse_judgement

__all__ = [
    "FORMAT",
    "Level",
    "NodeRule",
    "ScoringModel",
    "load_model",
    "parse_model",
    "version_matches",
]

#: The format tag of scoring-model files.
FORMAT = "maturity/scoring-model@1"
_TOP_REQUIRED = ("format", "id", "version", "title", "questionnaire", "range", "levels")
_TOP_OPTIONAL = (
    "description",
    "authors",
    "license",
    "sources",
    "default",
    "nodes",
    "items",
    "combine",
)
_NODE_KEYS = ("operator", "weights", "p", "thresholds", "min_coverage", "importance", "levels")
_DEFAULT_KEYS = ("operator", "weights", "p", "missing", "dont_know", "min_coverage")

MissingPolicy = Literal["renormalize", "lowest"]
DontKnowPolicy = Literal["missing", "lowest"]


@dataclass(frozen=True, slots=True)
class Level:
    """A named maturity level: scores from ``min`` up to the next level's ``min``."""

    code: str
    min: float
    label: Text
    description: Text | None = None


@dataclass(frozen=True, slots=True)
class NodeRule:
    """How one node is scored: operator and parameters, its children and their weights."""

    node: str
    operator: str
    children: tuple[str, ...]
    weights: tuple[float, ...]
    weight_source: Literal["equal", "explicit", "ahp"] = "equal"
    ahp: AHPResult | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    min_coverage: float = 0.0
    importance: float = 1.0
    #: What each level asks of this node, by level code (``nodes.<id>.levels`` in the file):
    #: a dimension's own words for the model's levels; empty when the file gives none.
    level_descriptions: Mapping[str, Text] = field(default_factory=dict)

    def weight_of(self, child: str) -> float:
        """The normalised weight of a child."""
        return self.weights[self.children.index(child)]


@dataclass(frozen=True)
class ScoringModel:
    """A validated scoring model bound to a questionnaire."""

    id: str
    version: str
    title: Text
    questionnaire: Questionnaire = field(repr=False, compare=False)
    questionnaire_versions: str
    range: tuple[float, float]
    levels: tuple[Level, ...]
    rules: Mapping[str, NodeRule]
    missing: MissingPolicy = "renormalize"
    dont_know: DontKnowPolicy = "missing"
    combine: Literal["mean", "median"] = "mean"
    description: Text | None = None
    authors: tuple[str, ...] = ()
    license: str | None = None
    file: str = field(default="<string>", compare=False)
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    @cached_property
    def nodes(self) -> tuple[str, ...]:
        """Scored nodes, children before parents (the root last)."""
        order: list[str] = []

        def visit(node: str) -> None:
            for c in self.rules[node].children:
                if c in self.rules:
                    visit(c)
            order.append(node)

        visit(ROOT_ID)
        return tuple(order)

    @property
    def top_nodes(self) -> tuple[str, ...]:
        """The scored dimensions directly under the root, in questionnaire order."""
        return tuple(c for c in self.rules[ROOT_ID].children if c in self.rules)

    @property
    def items(self) -> tuple[str, ...]:
        """Scored items, in questionnaire order."""
        return tuple(i.id for i in self.questionnaire.items if i.id in self._item_parent)

    @cached_property
    def _item_parent(self) -> dict[str, str]:
        return {c: n for n, r in self.rules.items() for c in r.children if c not in self.rules}

    def level_of(self, score: float) -> Level | None:
        """The level a score falls in (None for a missing score)."""
        if score != score:  # NaN
            return None
        found = self.levels[0]
        for lv in self.levels:
            if score >= lv.min - 1e-9:
                found = lv
        return found

    def level_description(self, node: str, code: str) -> Text | None:
        """What level ``code`` means for ``node``: the node's own description of that level
        (``nodes.<id>.levels``), else the model's description of the level (``levels``), else
        None.
        """
        rule = self.rules.get(node)
        if rule is not None and code in rule.level_descriptions:
            return rule.level_descriptions[code]
        for lv in self.levels:
            if lv.code == code:
                return lv.description
        raise KeyError(f"no level '{code}' (levels: {', '.join(lv.code for lv in self.levels)})")

    def node_title(self, node: str) -> Text:
        """The title of a node (the questionnaire's title for the root)."""
        return self.questionnaire.node(node).title

    def __repr__(self) -> str:
        return (
            f"<ScoringModel {self.id}@{self.version} for {self.questionnaire.id} "
            f"{self.questionnaire_versions}: range {self.range[0]:g}-{self.range[1]:g}, "
            f"{len(self.rules)} nodes, {len(self.levels)} levels>"
        )


def scored_children(node: Dimension) -> tuple[str, ...]:
    """The children of a node that can carry a score: scored items, then sub-dimensions."""
    out = [i.id for i in node.items if i.scored]
    out += [d.id for d in node.dimensions if any(i.scored for i in d.all_items())]
    return tuple(out)


class _ModelLoader:
    def __init__(self, doc: Document, questionnaire: Questionnaire | None, strict: bool) -> None:
        self.doc = doc
        self.c = Checker(doc, strict=strict)
        self.q = questionnaire

    def load(self) -> ScoringModel:
        c = self.c
        top = c.document(
            required=_TOP_REQUIRED,
            optional=_TOP_OPTIONAL,
            what="a mapping (the scoring model)",
            format=FORMAT,
        )
        mid = c.ident(("id",), top.get("id")) if "id" in top else None
        version = c.version(("version",), top.get("version")) if "version" in top else None
        q, versions = self.bind(top.get("questionnaire"))
        c.languages = q.languages if q else ()
        title = c.text(("title",), top.get("title")) if "title" in top else None
        description = c.text(("description",), top["description"]) if "description" in top else None
        authors = (
            tuple(a for p, v in c.items(("authors",), top["authors"]) if (a := c.string(p, v)))
            if "authors" in top
            else ()
        )
        lic = c.string(("license",), top["license"]) if "license" in top else None
        rng = self.range(top.get("range")) if "range" in top else None
        defaults = self.defaults(top.get("default", {}))
        combine = (
            c.choice(("combine",), top["combine"], ("mean", "median"))
            if "combine" in top
            else "mean"
        )
        if "items" in top:
            im = c.mapping(("items",), top["items"], optional=("mapping",))
            if im and "mapping" in im:
                c.choice(("items", "mapping"), im["mapping"], ("linear",))
        levels = self.levels(top.get("levels"), rng) if "levels" in top and rng else ()
        rules: dict[str, NodeRule] = {}
        if q is not None and rng is not None:
            rules = self.rules(q, top.get("nodes", {}), defaults, levels, rng)
        c.raise_if_errors()
        assert mid and version and title and q and rng and versions is not None
        return ScoringModel(
            id=mid,
            version=version,
            title=title,
            questionnaire=q,
            questionnaire_versions=versions,
            range=rng,
            levels=levels,
            rules=rules,
            missing=defaults["missing"],
            dont_know=defaults["dont_know"],
            combine=combine or "mean",  # type: ignore[arg-type]
            description=description,
            authors=authors,
            license=lic,
            file=self.doc.file,
            warnings=c.warnings,
        )

    def bind(self, value: object) -> tuple[Questionnaire | None, str | None]:
        return bind_questionnaire(
            self.c,
            value,
            self.q,
            what="model",
            codes={"syntax": "M008", "missing": "M008", "mismatch": "M007"},
        )

    def range(self, value: object) -> tuple[float, float] | None:
        c = self.c
        seq = c.seq(("range",), value, what="[low, high]")
        if seq is None:
            return None
        if len(seq) != 2:
            c.error("S004", ("range",), detail=f"expected [low, high], found {len(seq)} values")
            return None
        lo = c.number(("range", 0), seq[0])
        hi = c.number(("range", 1), seq[1])
        if lo is None or hi is None:
            return None
        if not lo < hi:
            c.error("S004", ("range",), detail=f"low ({lo:g}) must be below high ({hi:g})")
            return None
        return (lo, hi)

    def defaults(self, value: object) -> dict[str, Any]:
        c = self.c
        out: dict[str, Any] = {
            "operator": "weighted_mean",
            "weights": "equal",
            "params": {},
            "missing": "renormalize",
            "dont_know": "missing",
            "min_coverage": 0.5,
        }
        m = c.mapping(("default",), value, optional=_DEFAULT_KEYS)
        if not m:
            return out
        p: tuple[str | int, ...] = ("default",)
        if "operator" in m:
            op = self.operator((*p, "operator"), m["operator"])
            if op:
                out["operator"] = op
        if "missing" in m:
            out["missing"] = (
                c.choice((*p, "missing"), m["missing"], ("renormalize", "lowest")) or "renormalize"
            )
        if "dont_know" in m:
            out["dont_know"] = (
                c.choice((*p, "dont_know"), m["dont_know"], ("missing", "lowest")) or "missing"
            )
        if "min_coverage" in m:
            out["min_coverage"] = self.share((*p, "min_coverage"), m["min_coverage"])
        if "weights" in m and m["weights"] != "equal":
            c.error(
                "S004",
                (*p, "weights"),
                detail="the default weights can only be "
                "'equal'; give explicit or AHP weights per node",
            )
        out["params"] = self.params(p, m, out["operator"])
        return out

    def share(self, path: tuple[str | int, ...], value: object) -> float:
        x = self.c.number(path, value)
        if x is None:
            return 0.0
        if not 0 <= x <= 1:
            self.c.error("S004", path, detail=f"must be between 0 and 1, found {x:g}")
            return 0.0
        return x

    def operator(self, path: tuple[str | int, ...], value: object) -> str | None:
        s = self.c.string(path, value)
        if s is None:
            return None
        if s not in OPERATORS:
            self.c.error(
                "M002",
                path,
                found=s,
                allowed=", ".join(OPERATORS),
                suggestion=suggest(s, OPERATORS),
            )
            return None
        return s

    def params(
        self, path: tuple[str | int, ...], m: Mapping[str, Any], operator: str
    ) -> dict[str, Any]:
        spec = OPERATORS[operator].params
        out: dict[str, Any] = {}
        if "p" in m:
            if "p" not in spec:
                self.c.error(
                    "S004",
                    (*path, "p"),
                    detail=f"'p' is a parameter of power_mean, not of {operator}",
                )
            else:
                x = self.c.number((*path, "p"), m["p"])
                if x is not None:
                    out["p"] = x
        elif "p" in spec:
            self.c.error("S002", path, name="p")
        return out

    def levels(self, value: object, rng: tuple[float, float]) -> tuple[Level, ...]:
        c = self.c
        out: list[Level] = []
        codes: set[str] = set()
        labels: dict[tuple[str, str], str] = {}  # (language, name) → the level that has it
        for p, v in c.items(("levels",), value):
            m = c.mapping(
                p,
                v,
                required=("min", "code", "label"),
                optional=("description",),
                what="a level {min, code, label}",
            )
            if m is None:
                continue
            lo = c.number((*p, "min"), m.get("min")) if "min" in m else None
            code = c.ident((*p, "code"), m.get("code")) if "code" in m else None
            label = c.text((*p, "label"), m.get("label")) if "label" in m else None
            desc = c.text((*p, "description"), m["description"]) if "description" in m else None
            if lo is None or code is None or label is None:
                continue
            if code in codes:
                c.error("M006", (*p, "code"), detail=f"duplicate level code '{code}'")
            codes.add(code)
            for lang, text in label.items():
                first = labels.setdefault((lang, text.strip().casefold()), code)
                if first != code:
                    c.error(
                        "M006",
                        (*p, "label", lang),
                        detail=f"level '{code}' has the same {lang} name as level '{first}' "
                        f"('{text}'); every level needs its own name in every language",
                    )
            if not out and lo != rng[0]:
                c.error(
                    "M006",
                    (*p, "min"),
                    detail=f"the first level must start at the "
                    f"bottom of the range ({rng[0]:g}), found {lo:g}",
                )
            if out and lo <= out[-1].min:
                c.error(
                    "M006",
                    (*p, "min"),
                    detail=f"levels must have increasing 'min'; {lo:g} comes after {out[-1].min:g}",
                )
            if lo > rng[1]:
                c.error("M006", (*p, "min"), detail=f"{lo:g} is above the range's top ({rng[1]:g})")
            out.append(Level(code, lo, label, desc))
        if isinstance(value, list) and not value:
            c.error("M006", ("levels",), detail="define at least one level")
        return tuple(out)

    def rules(
        self,
        q: Questionnaire,
        nodes_value: object,
        defaults: dict[str, Any],
        levels: tuple[Level, ...],
        rng: tuple[float, float],
    ) -> dict[str, NodeRule]:
        c = self.c
        nodes = (
            c.mapping(("nodes",), nodes_value, what="a mapping node id → rule", any_keys=True) or {}
        )
        scored = {d.id: d for d in q.root.walk() if any(i.scored for i in d.all_items())}
        # a node's mapping keys are ids, not fixed keys: check them against the questionnaire
        for key in nodes:
            if key not in scored:
                everything = [*scored, *(i.id for i in q.items)]
                if key in q and isinstance(q._index.get(key), Item):
                    hint = (
                        f" (it is an item: give item weights in its parent node '{q.parents[key]}')"
                    )
                else:
                    hint = suggest(key, everything)
                c.error(
                    "M001", ("nodes", key), key=True, found=key, questionnaire=q.id, suggestion=hint
                )
                # still check what the rule says, so that every problem shows at once
                rule = c.mapping(("nodes", key), nodes[key] or {}, optional=_NODE_KEYS)
                if rule and "operator" in rule:
                    self.operator(("nodes", key, "operator"), rule["operator"])
        rules: dict[str, NodeRule] = {}
        for node_id, node in scored.items():
            children = scored_children(node)
            spec = nodes.get(node_id, {}) or {}
            p: tuple[str | int, ...] = ("nodes", node_id)
            m = c.mapping(p, spec, optional=_NODE_KEYS) if node_id in nodes else {}
            m = m or {}
            op = self.operator((*p, "operator"), m["operator"]) if "operator" in m else None
            operator = op or defaults["operator"]
            params = (
                self.params(p, m, operator)
                if "operator" in m
                else (dict(defaults["params"]) if operator == defaults["operator"] else {})
            )
            if "p" in m and "operator" not in m:
                params = self.params(p, m, operator)
            weights, source, ahp_result = (
                self.weights(p, m.get("weights"), children)
                if "weights" in m
                else ((1.0 / len(children),) * len(children), "equal", None)
            )
            if operator == "staged":
                params.update(self.thresholds(p, m.get("thresholds"), children, levels, rng))
            elif "thresholds" in m:
                c.error(
                    "S004", (*p, "thresholds"), detail="'thresholds' belong to the staged operator"
                )
            min_cov = (
                self.share((*p, "min_coverage"), m["min_coverage"])
                if "min_coverage" in m
                else defaults["min_coverage"]
            )
            importance = (
                c.number((*p, "importance"), m["importance"], positive=True)
                if "importance" in m
                else 1.0
            )
            level_texts = (
                self.node_levels((*p, "levels"), m["levels"], node_id, levels)
                if "levels" in m
                else {}
            )
            rules[node_id] = NodeRule(
                node_id,
                operator,
                children,
                weights,
                source,
                ahp_result,
                params,
                min_cov,
                importance or 1.0,
                level_texts,
            )
        return rules

    def node_levels(
        self,
        path: tuple[str | int, ...],
        value: object,
        node_id: str,
        levels: tuple[Level, ...],
    ) -> dict[str, Text]:
        """``nodes.<id>.levels``: level code → what that level asks of this node."""
        c = self.c
        if node_id == ROOT_ID:
            c.error(
                "M006",
                path,
                detail="the overall levels are described in 'levels[].description', "
                "not under 'nodes.root.levels'",
            )
            return {}
        codes = [lv.code for lv in levels]
        m = c.mapping(path, value, optional=codes, what="a mapping level code → text")
        out: dict[str, Text] = {}
        for code, text in (m or {}).items():
            if code not in codes:
                continue  # reported by mapping() with the level codes and a suggestion
            checked = c.text((*path, code), text)
            if checked is not None:
                out[code] = checked
        return out

    def thresholds(
        self,
        path: tuple[str | int, ...],
        value: object,
        children: tuple[str, ...],
        levels: tuple[Level, ...],
        rng: tuple[float, float],
    ) -> dict[str, Any]:
        """Staged thresholds, normalised to [0, 1]: per level, per child (default: level mins)."""
        lo, hi = rng
        base = [(lv.min - lo) / (hi - lo) for lv in levels]
        table = [[b] * len(children) for b in base]
        if value is not None:
            m = self.c.mapping(
                (*path, "thresholds"),
                value,
                optional=children,
                what="a mapping child → list of thresholds",
            )
            for child, ts in (m or {}).items():
                if child not in children:
                    continue
                seq = self.c.seq((*path, "thresholds", child), ts)
                if seq is None:
                    continue
                if len(seq) != len(levels):
                    self.c.error(
                        "S004",
                        (*path, "thresholds", child),
                        detail=f"give one threshold per level ({len(levels)}), found {len(seq)}",
                    )
                    continue
                j = children.index(child)
                for k, t in enumerate(seq):
                    x = self.c.number((*path, "thresholds", child, k), t)
                    if x is not None:
                        table[k][j] = (x - lo) / (hi - lo)
        return {"thresholds": table, "values": base}

    def weights(
        self, path: tuple[str | int, ...], value: object, children: tuple[str, ...]
    ) -> tuple[tuple[float, ...], Literal["equal", "explicit", "ahp"], AHPResult | None]:
        c = self.c
        p = (*path, "weights")
        equal = (1.0 / len(children),) * len(children)
        if value == "equal":
            return equal, "equal", None
        if isinstance(value, dict) and "ahp" in value:
            return self.ahp_weights(p, value, children)
        m = c.mapping(
            p, value, what="'equal', a mapping child → weight, or {ahp, order}", any_keys=True
        )
        if m is None:
            return equal, "equal", None
        out: list[float] = []
        for child in children:
            if child not in m:
                continue
            x = c.number((*p, child), m[child], minimum=0.0)
            out.append(x if x is not None else 0.0)
        unknown = [k for k in m if k not in children]
        for k in unknown:
            c.error(
                "M001",
                (*p, k),
                key=True,
                found=k,
                questionnaire=self.q.id if self.q else "",
                suggestion=suggest(k, children) + f" (children of this node: "
                f"{', '.join(children)})",
            )
        missing = [ch for ch in children if ch not in m]
        if missing:
            c.error(
                "M003",
                p,
                detail=f"no weight for {', '.join(missing)} (give every child "
                "a weight, or use 'equal')",
            )
            return equal, "equal", None
        total = sum(out)
        if total <= 0:
            c.error("M003", p, detail="weights must not all be zero")
            return equal, "equal", None
        return tuple(x / total for x in out), "explicit", None

    def ahp_weights(
        self, p: tuple[str | int, ...], m: dict[str, Any], children: tuple[str, ...]
    ) -> tuple[tuple[float, ...], Literal["equal", "explicit", "ahp"], AHPResult | None]:
        c = self.c
        equal = (1.0 / len(children),) * len(children)
        c.mapping(p, m, required=("ahp", "order"), optional=("method", "accept_inconsistent"))
        order: list[str] = []
        for ip, v in c.items((*p, "order"), m.get("order")):
            s = c.string(ip, v)
            if s is None:
                continue
            if s not in children:
                c.error(
                    "M001",
                    ip,
                    found=s,
                    questionnaire=self.q.id if self.q else "",
                    suggestion=suggest(s, children) + f" (children of this node: "
                    f"{', '.join(children)})",
                )
            order.append(s)
        if (
            isinstance(m.get("order"), list)
            and sorted(order) != sorted(children)
            and all(o in children for o in order)
        ):
            c.error(
                "M003",
                (*p, "order"),
                detail=f"'order' must list every child once: {', '.join(children)}",
            )
        method = (
            c.choice((*p, "method"), m["method"], AHP_METHODS) if "method" in m else "eigenvector"
        )
        accept = (
            c.boolean((*p, "accept_inconsistent"), m["accept_inconsistent"])
            if "accept_inconsistent" in m
            else False
        )
        rows = c.seq((*p, "ahp"), m.get("ahp"), what="a square matrix (a list of rows)")
        if rows is None:
            return equal, "equal", None
        matrix: list[list[float]] = []
        ok = True
        for i, row in enumerate(rows):
            r = c.seq((*p, "ahp", i), row, what="a row of the matrix")
            if r is None:
                ok = False
                continue
            vals = []
            for j, cell in enumerate(r):
                raw = self.doc.raw_text((*p, "ahp", i, j))
                try:
                    vals.append(
                        parse_judgement(
                            cell if isinstance(cell, str) else (raw if raw is not None else cell)
                        )
                    )
                except (ValueError, TypeError) as exc:
                    c.error("M005", (*p, "ahp", i, j), detail=str(exc))
                    ok = False
            matrix.append(vals)
        if not ok:
            return equal, "equal", None
        if len(matrix) != len(children):
            c.error(
                "M005",
                (*p, "ahp"),
                detail=f"the matrix has {len(matrix)} rows but the "
                f"node has {len(children)} children ({', '.join(children)})",
            )
            return equal, "equal", None
        try:
            res = ahp(matrix, method=method or "eigenvector")
        except AHPError as exc:
            c.error("M005", (*p, "ahp"), detail=str(exc))
            return equal, "equal", None
        if not res.consistent and not accept:
            c.error("M004", (*p, "ahp"), cr=res.cr, lambda_max=res.lambda_max)
        if sorted(order) != sorted(children):
            return equal, "equal", None
        by_child = dict(zip(order, res.weights, strict=True))
        return tuple(by_child[ch] for ch in children), "ahp", res


def parse_model(
    text: str | bytes,
    questionnaire: Questionnaire | None = None,
    *,
    file: str = "<string>",
    strict: bool = False,
) -> ScoringModel:
    """Load a scoring model from YAML text (see :func:`load_model`)."""
    return _ModelLoader(read_yaml(text, file=file), questionnaire, strict).load()


def load_model(
    source: str | Path,
    questionnaire: Questionnaire | str | Path | None = None,
    *,
    strict: bool = False,
) -> ScoringModel:
    """Load and validate a scoring model.

    ``source`` is a path or the id of a bundled model. The model is checked against
    ``questionnaire`` (a loaded one, a path or a bundled id); when it is not given, the
    bundled questionnaire with the model's questionnaire id is used. Raises
    :class:`~maturity.errors.SpecError` listing every problem.
    """
    from maturity.bundle import resolve
    from maturity.questionnaire import load_questionnaire

    q = (
        questionnaire
        if isinstance(questionnaire, Questionnaire) or questionnaire is None
        else load_questionnaire(questionnaire)
    )
    return _ModelLoader(read_yaml(resolve(source, "scoring_model")), q, strict).load()
