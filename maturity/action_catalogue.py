"""Action catalogues: what a company can do after an assessment, as data.

A catalogue lists the services a competence centre, a digital innovation hub or a chamber of
commerce offers (orientation, assessment, training, technology transfer, R&D and innovation
projects, investments), each with its cost range, the public programme that may fund it, its
duration, its prerequisites, the companies it applies to and — what makes a plan computable —
the answers it raises: "after this course, ``em.training_plan`` is *yes*". It is bound to a
questionnaire id and a range of its versions, and every item and node it names is checked.

:func:`load_actions` reads a YAML file (or a bundled catalogue by id) and returns a frozen
:class:`ActionCatalogue`, or raises one :class:`~maturity.errors.SpecError` listing every
problem with ``file:line:col``. The format is described in
``docs/reference/action-catalogue-format.md``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from maturity.conditions import Condition
from maturity.errors import Problem, suggest
from maturity.questionnaire import Questionnaire, Source
from maturity.spec.yamlio import read_yaml
from maturity.text import Text

__all__ = [
    "ACTION_KINDS",
    "DELIVERIES",
    "FORMAT",
    "PROVIDERS",
    "Action",
    "ActionCatalogue",
    "ActionKind",
    "Effect",
    "FundingRule",
    "Programme",
    "load_actions",
    "parse_actions",
    "register_kind",
]

#: The format tag of action-catalogue files.
FORMAT = "maturity/action-catalogue@1"


@dataclass(frozen=True, slots=True)
class ActionKind:
    """A kind of action; ``delivery`` is True when an action of this kind must say how it is
    delivered (a training: in a classroom, on the job, on a demonstration line, online).
    """

    name: str
    description: str
    delivery: bool = False


#: The registry of action kinds, name → :class:`ActionKind` (see :func:`register_kind`).
ACTION_KINDS: dict[str, ActionKind] = {}


def register_kind(name: str, description: str, *, delivery: bool = False) -> ActionKind:
    """Register an action kind under the name used in catalogue files."""
    if name in ACTION_KINDS:
        raise ValueError(f"action kind '{name}' is already registered")
    kind = ActionKind(name, description, delivery)
    ACTION_KINDS[name] = kind
    return kind


register_kind("orientation", "a first visit or talk that points the company to the right services")
register_kind("assessment", "an assisted assessment, an audit or a feasibility study")
register_kind("training", "a course, with its delivery", delivery=True)
register_kind("technology_transfer", "a test-before-invest service, a demonstrator, a pilot")
register_kind("project", "an R&D or innovation project, usually co-funded")
register_kind("investment", "buying and introducing a technology (machines, software, services)")

#: How a training is delivered.
DELIVERIES: tuple[str, ...] = ("classroom", "on_the_job", "demo_line", "online", "blended")

#: Who provides an action.
PROVIDERS: tuple[str, ...] = (
    "competence_centre",
    "edih",
    "chamber_of_commerce",
    "university",
    "research_centre",
    "training_provider",
    "consultant",
    "technology_supplier",
    "in_house",
)


@dataclass(frozen=True, slots=True)
class Effect:
    """What an action does to one item's answer.

    ``to`` is the answer the item is raised to: an option code (``scale``, ``choice``), a
    number (``number``) or ``True`` (``boolean``); for a ``multi`` item ``add`` holds the option
    codes that become ticked. An answer already at or above the target is kept; see
    :meth:`maturity.planning.effects.raise_answer`.
    """

    item: str
    to: str | float | bool | None = None
    add: frozenset[str] = frozenset()

    @property
    def target_text(self) -> str:
        """The target as short text: ``roadmap``, ``50``, ``yes`` or ``backup, mfa``."""
        if self.add:
            return ", ".join(sorted(self.add))
        to = self.to
        return "yes" if to is True else f"{to:g}" if isinstance(to, float) else str(to)

    def describe(self) -> str:
        """A short text, e.g. ``st.roadmap → roadmap`` or ``so.security + backup, mfa``."""
        return f"{self.item} {'+' if self.add else '→'} {self.target_text}"


@dataclass(frozen=True, slots=True)
class FundingRule:
    """One rule of a programme: the share of the cost it funds, at most ``cap`` euro per
    action, for the companies its condition ``when`` holds for (every company when None).
    """

    share: float
    cap: float | None = None
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class Programme:
    """A public funding programme (a voucher, a tax credit, a call for projects).

    The first rule whose condition holds for the company's profile applies. Below
    ``min_cost`` an action gets nothing; ``cap_per_company`` caps what one company receives
    from the programme within one plan (None: no such cap).
    """

    id: str
    title: Text
    rules: tuple[FundingRule, ...]
    min_cost: float = 0.0
    cap_per_company: float | None = None
    url: str | None = None
    note: str | None = None

    def rule_for(self, profile: Mapping[str, object]) -> FundingRule | None:
        """The rule that applies to a company (``profile`` as seen by conditions)."""
        for rule in self.rules:
            if rule.when is None or rule.when.evaluate({}, profile) is True:
                return rule
        return None

    def funding(self, cost: float, profile: Mapping[str, object]) -> float:
        """What the programme funds of one action costing ``cost`` euro (before the cap per
        company).
        """
        rule = self.rule_for(profile)
        if rule is None or cost < self.min_cost:
            return 0.0
        funded = cost * rule.share
        return min(funded, rule.cap) if rule.cap is not None else funded


@dataclass(frozen=True, slots=True)
class Action:
    """One action of a catalogue; see the format reference for every field.

    ``cost`` is the range ``(low, high)`` in euro; ``requires`` the actions that must be in the
    same plan and finished before it starts; ``requires_level`` the minimum level per node
    (a level code of the scoring model) the company must have reached before it starts;
    ``after`` the actions it must follow when both are in a plan; ``when`` the companies it
    applies to (profile fields only); ``improves`` the answers it raises.
    """

    id: str
    kind: str
    title: Text
    provider: str
    cost: tuple[float, float]
    duration_weeks: float
    description: Text | None = None
    delivery: str | None = None
    funding: str | None = None
    requires: tuple[str, ...] = ()
    requires_level: tuple[tuple[str, str], ...] = ()
    after: tuple[str, ...] = ()
    when: Condition | None = None
    improves: tuple[Effect, ...] = ()

    @property
    def cost_mid(self) -> float:
        """The middle of the cost range, in euro."""
        return (self.cost[0] + self.cost[1]) / 2

    @property
    def items(self) -> tuple[str, ...]:
        """The items the action raises."""
        return tuple(e.item for e in self.improves)

    def applies_to(self, profile: Mapping[str, object]) -> bool | None:
        """Whether the action applies to a company (None when its profile does not say)."""
        return True if self.when is None else self.when.evaluate({}, profile)


@dataclass(frozen=True)
class ActionCatalogue:
    """A validated action catalogue bound to a questionnaire."""

    id: str
    version: str
    title: Text
    questionnaire: Questionnaire = field(repr=False, compare=False)
    questionnaire_versions: str
    actions: tuple[Action, ...]
    programmes: tuple[Programme, ...] = ()
    description: Text | None = None
    authors: tuple[str, ...] = ()
    license: str | None = None
    sources: tuple[Source, ...] = ()
    date: _dt.date | None = None
    currency: str = "EUR"
    file: str = field(default="<string>", compare=False)
    warnings: tuple[Problem, ...] = field(default=(), compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.actions)

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __contains__(self, action_id: object) -> bool:
        return any(a.id == action_id for a in self.actions)

    @property
    def ids(self) -> tuple[str, ...]:
        """The action ids, in file order."""
        return tuple(a.id for a in self.actions)

    def action(self, action_id: str) -> Action:
        """The action with this id (KeyError with a suggestion if there is none)."""
        for a in self.actions:
            if a.id == action_id:
                return a
        raise KeyError(f"no action '{action_id}' in '{self.id}'{suggest(action_id, self.ids)}")

    def programme(self, programme_id: str) -> Programme:
        """The funding programme with this id."""
        for p in self.programmes:
            if p.id == programme_id:
                return p
        raise KeyError(f"no programme '{programme_id}' in '{self.id}'")

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for a in self.actions:
            kinds[a.kind] = kinds.get(a.kind, 0) + 1
        shown = ", ".join(f"{n} {k}" for k, n in kinds.items())
        return (
            f"<ActionCatalogue {self.id}@{self.version} for {self.questionnaire.id} "
            f"{self.questionnaire_versions}: {len(self.actions)} actions ({shown}), "
            f"{len(self.programmes)} programmes>"
        )


def parse_actions(
    text: str | bytes,
    questionnaire: Questionnaire | None = None,
    *,
    file: str = "<string>",
    strict: bool = False,
) -> ActionCatalogue:
    """Load an action catalogue from YAML text (see :func:`load_actions`)."""
    from maturity.action_loader import load_document

    return load_document(read_yaml(text, file=file), questionnaire, strict=strict)


def load_actions(
    source: str | Path,
    questionnaire: Questionnaire | str | Path | None = None,
    *,
    strict: bool = False,
) -> ActionCatalogue:
    """Load and validate an action catalogue.

    ``source`` is a path or the id of a bundled catalogue (see ``maturity.bundled``).
    The catalogue is checked against ``questionnaire`` (a loaded one, a path or a bundled id);
    when it is not given, the bundled questionnaire with the catalogue's questionnaire id is
    used. Raises :class:`~maturity.errors.SpecError` listing every problem, each with
    ``file:line:col``.
    """
    from maturity.bundle import resolve
    from maturity.questionnaire import load_questionnaire

    q = (
        questionnaire
        if isinstance(questionnaire, Questionnaire) or questionnaire is None
        else load_questionnaire(questionnaire)
    )
    from maturity.action_loader import load_document

    return load_document(read_yaml(resolve(source, "action_catalogue")), q, strict=strict)
