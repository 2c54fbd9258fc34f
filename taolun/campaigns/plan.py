"""The plan file format (YAML) and its schema.

A plan says which themes are discussed, which categories and dimensions classify findings, which
stages run when, and every requirement: who (``applies_to``) must do what (``evidence``) by when
(``due``). Loading checks the file against the schema and names the bad key and why.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from django.utils.translation import gettext as _
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .plan_problems import PlanError, PlanProblem, pydantic_problems

BUILTIN_DIR = Path(__file__).resolve().parent / "plans"
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_text(value: Any) -> Any:
    """Dates are written ``YYYY-MM-DD``; a bare number is not silently read as a Unix timestamp."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.match(value.strip()):
        return value.strip()
    raise PydanticCustomError(
        "date_text", "write the date as YYYY-MM-DD, e.g. 2018-10-15 (got {got})", {"got": repr(value)}
    )


PlanDate = Annotated[dt.date, BeforeValidator(_date_text)]
UnitKindName = Literal["province", "city", "district", "street", "department", "unit", "community", "other"]
PersonRoleName = Literal["leading_cadre", "party_member", "cadre"]
# The activity kinds every campaign has; a plan may add its own under ``activity_kinds``.
BUILTIN_ACTIVITY_KINDS = ("study", "seminar", "training", "inspection")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Strict):
    start: PlanDate
    end: PlanDate


class Principle(Strict):
    title: str = Field(min_length=1)
    text: str = ""


class Item(Strict):
    key: Key
    title: str = Field(min_length=1, max_length=200)
    description: str = ""


class ThemeSpec(Item):
    question: str = Field(min_length=1, description="The guiding question, quoted from the plan.")


class StageSpec(Item):
    start: PlanDate
    end: PlanDate

    @model_validator(mode="after")
    def _window(self) -> StageSpec:
        if self.end < self.start:
            raise PydanticCustomError(
                "stage_window", "end {end} is before start {start}", {"end": str(self.end), "start": str(self.start)}
            )
        return self


class UnitSelector(Strict):
    """Units chosen by kind, tag and subtree (unit codes).

    Every key given must hold (AND); inside one list any entry may match (OR); an empty list does not
    restrict. Selection never leaves the campaign's root unit subtree and skips inactive units.
    """

    kinds: list[UnitKindName] = Field(default=[], description="The unit's kind is one of these.")
    tags: list[str] = Field(default=[], description="The unit carries at least one of these tags.")
    exclude_tags: list[str] = Field(default=[], description="The unit carries none of these tags.")
    subtrees: list[str] = Field(default=[], description="Unit codes whose subtrees (inclusive) are included.")
    root: bool = Field(default=False, description="Only the campaign's root unit itself.")

    @model_validator(mode="after")
    def _root_alone(self) -> UnitSelector:
        if self.root and (self.kinds or self.tags or self.exclude_tags or self.subtrees):
            raise PydanticCustomError(
                "root_alone", "'root: true' selects the campaign's root unit alone; remove kinds/tags/subtrees"
            )
        return self


class PersonSelector(Strict):
    """People holding any of ``roles``, optionally only those whose unit matches ``units``."""

    roles: list[PersonRoleName] = Field(min_length=1)
    units: UnitSelector | None = None


class AppliesTo(Strict):
    units: UnitSelector | None = None
    people: PersonSelector | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AppliesTo:
        if (self.units is None) == (self.people is None):
            raise PydanticCustomError("units_or_people", "give exactly one of 'units' or 'people'")
        return self


class ActivityEvidence(Strict):
    kind: Literal["activity"]
    activity_kind: Key = Field(description="study, seminar, training, inspection, or a key from activity_kinds.")
    count: int = Field(default=1, ge=1)
    role: Literal["host", "attendee"] = "host"
    records: list[Literal["minutes", "speeches", "photos", "opinions", "attendance"]] = []
    in_batches: bool = Field(default=False, description="Held in batches (分期分批) by the person's training batch.")


class ResearchTopicEvidence(Strict):
    kind: Literal["research_topic"]
    status: list[Literal["registered", "in_progress", "reported", "accepted"]] = ["reported", "accepted"]
    count: int = Field(default=1, ge=1)


class SelfExaminationEvidence(Strict):
    kind: Literal["self_examination"]
    count: int = Field(default=1, ge=1)
    aspects: list[str] = Field(default=[], description="The aspects the self-examination must cover.")


class ProblemEvidence(Strict):
    kind: Literal["problem"]
    count: int = Field(default=1, ge=1)
    status: list[Literal["found", "confirmed", "rectifying", "done", "closed"]] = [
        "confirmed",
        "rectifying",
        "done",
        "closed",
    ]
    with_measures: bool = Field(default=False, description="Only problems with at least one rectification measure.")
    closed_on_time: bool = Field(
        default=False, description="Only problems closed (销号) whose work was done by their deadline."
    )

    @model_validator(mode="after")
    def _closed_listed(self) -> ProblemEvidence:
        if self.closed_on_time and "closed" not in self.status:
            raise PydanticCustomError(
                "closed_on_time_status", "'closed_on_time: true' counts closed problems only: add 'closed' to status"
            )
        return self


class ArticleEvidence(Strict):
    kind: Literal["article"]
    status: list[Literal["submitted", "approved", "excellent", "published"]] = ["approved", "excellent", "published"]
    count: int = Field(default=1, ge=1)


class NewsEvidence(Strict):
    kind: Literal["news_post"]
    count: int = Field(default=1, ge=1)


class DiscussionEvidence(Strict):
    kind: Literal["discussion"]
    replied_ratio: float = Field(default=1.0, ge=0, le=1)


Evidence = Annotated[
    ActivityEvidence
    | ResearchTopicEvidence
    | SelfExaminationEvidence
    | ProblemEvidence
    | ArticleEvidence
    | NewsEvidence
    | DiscussionEvidence,
    Field(discriminator="kind"),
]


class RequirementSpec(Item):
    stage: Key
    applies_to: AppliesTo
    evidence: Evidence
    due: PlanDate
    weight: Decimal = Field(default=Decimal(1), ge=0, le=1000, max_digits=6, decimal_places=2)

    @property
    def subject(self) -> str:
        return "unit" if self.applies_to.units is not None else "person"


class ActivityKindSpec(Item):
    """A kind of activity the plan adds to the built-in four (e.g. 宣讲报告会)."""


class PlanSpec(Strict):
    key: Key
    version: int = Field(default=1, ge=1)
    title: str = Field(min_length=1, max_length=200)
    short_title: str = ""
    issuer: str = ""
    basis: str = ""
    preamble: str = ""
    period: Period
    principles: list[Principle] = []
    themes_intro: str = ""
    themes: list[ThemeSpec] = Field(min_length=1)
    shortcomings: list[Item] = []
    dimensions: list[Item] = []
    activity_kinds: list[ActivityKindSpec] = []
    stages_intro: str = ""
    stages: list[StageSpec] = Field(min_length=1)
    requirements: list[RequirementSpec] = []
    safeguards: list[Principle] = []

    @field_validator("themes", "shortcomings", "dimensions", "activity_kinds", "stages", "requirements")
    @classmethod
    def _unique_keys(cls, items: list[Item]) -> list[Item]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.key in seen:
                raise PydanticCustomError(
                    "duplicate_item_key",
                    "[{index}].key: '{key}' is used twice (also at [{first}])",
                    {"index": index, "key": item.key, "first": seen[item.key]},
                )
            seen[item.key] = index
        return items

    @model_validator(mode="after")
    def _consistent(self) -> PlanSpec:
        # Each check names the key at fault by its location; parse_plan turns them into problems.
        checks: list[tuple[tuple[int | str, ...], str, dict[str, Any]]] = []
        period = {"period_start": str(self.period.start), "period_end": str(self.period.end)}
        if self.period.end < self.period.start:
            checks.append((("period", "end"), "period_order", period))
        stages = {s.key: s for s in self.stages}
        for i, extra in enumerate(self.activity_kinds):
            if extra.key in BUILTIN_ACTIVITY_KINDS:
                checks.append((("activity_kinds", i, "key"), "builtin_activity_kind", {"key": extra.key}))
        kinds = self.activity_kind_keys()
        for i, stage in enumerate(self.stages):
            if stage.start < self.period.start or stage.end > self.period.end:
                checks.append(
                    (
                        ("stages", i),
                        "stage_outside_period",
                        {**period, "start": str(stage.start), "end": str(stage.end)},
                    )
                )
        for i, req in enumerate(self.requirements):
            if req.stage not in stages:
                checks.append(
                    (("requirements", i, "stage"), "undefined_stage", {"stage": req.stage, "stages": list(stages)})
                )
            if isinstance(req.evidence, ActivityEvidence) and req.evidence.activity_kind not in kinds:
                checks.append(
                    (
                        ("requirements", i, "evidence", "activity_kind"),
                        "undefined_activity_kind",
                        {"kind": req.evidence.activity_kind, "kinds": kinds},
                    )
                )
            if not (self.period.start <= req.due <= self.period.end):
                checks.append((("requirements", i, "due"), "due_outside_period", {**period, "due": str(req.due)}))
        if checks:
            raise PydanticCustomError(
                "plan_checks", "{count} cross-checks failed", {"count": len(checks), "checks": checks}
            )
        return self

    def activity_kind_keys(self) -> list[str]:
        """The built-in activity kinds followed by those the plan adds."""
        return [*BUILTIN_ACTIVITY_KINDS, *(k.key for k in self.activity_kinds)]

    def subtree_codes(self) -> set[str]:
        """Every unit code a requirement names in ``subtrees`` (they must exist under the root unit)."""
        codes: set[str] = set()
        for req in self.requirements:
            selector = req.applies_to.units or (req.applies_to.people.units if req.applies_to.people else None)
            if selector is not None:
                codes.update(selector.subtrees)
        return codes


class PlanYAMLAliasError(yaml.composer.ComposerError):
    """An anchor (``&name``) or alias (``*name``) in a plan file."""


class PlanLoader(yaml.SafeLoader):
    """YAML as plan authors expect it: dates stay text (so pydantic names a bad one), a key written
    twice in one mapping is an error instead of the last one silently winning, and anchors and
    aliases are refused before any document is built: plans never need them, and aliases nested
    in aliases (a "billion laughs" file) would make a few hundred bytes expand into gigabytes."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise PlanYAMLAliasError(
                None,
                None,
                "YAML anchors and aliases (&name, *name) are not allowed in a plan; write the content out in full",
                event.start_mark,
            )
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class PlanDuplicateKeyError(yaml.constructor.ConstructorError):
    def __init__(self, key: Any, mark: Any) -> None:
        super().__init__(None, None, f"key '{key}' is written twice in the same mapping", mark)
        self.key = key


def _construct_unique_mapping(loader: PlanLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if key in seen:
            raise PlanDuplicateKeyError(key, key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


PlanLoader.add_constructor("tag:yaml.org,2002:map", _construct_unique_mapping)  # type: ignore[arg-type]


def _yaml_problem(exc: yaml.YAMLError) -> PlanProblem:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    place = _("第 %(line)s 行第 %(column)s 列") % {"line": mark.line + 1, "column": mark.column + 1} if mark else ""
    problem = str(getattr(exc, "problem", None) or exc)
    if isinstance(exc, PlanYAMLAliasError):
        return PlanProblem(where, problem, "yaml_alias", {}, place)
    if isinstance(exc, PlanDuplicateKeyError):
        return PlanProblem(where, problem, "yaml_duplicate_key", {"key": exc.key}, place)
    if isinstance(exc, yaml.constructor.ConstructorError):
        return PlanProblem(where, problem, "yaml_other", {"problem": problem}, place)
    return PlanProblem(where, f"not valid YAML ({problem})", "yaml_syntax", {"problem": problem}, place)


def parse_plan(text: str) -> PlanSpec:
    """Parse and validate a plan's YAML text. Raises PlanError naming each bad key and why."""
    try:
        data = yaml.load(text, Loader=PlanLoader)  # noqa: S506 (PlanLoader is a SafeLoader)
    except yaml.YAMLError as exc:
        raise PlanError([_yaml_problem(exc)]) from exc
    if not isinstance(data, dict):
        raise PlanError(
            [
                PlanProblem(
                    "(top level)",
                    "a plan is a mapping of keys (key, title, period, themes, stages, …)",
                    "not_mapping",
                    place="",
                )
            ]
        )
    try:
        return PlanSpec.model_validate(data)
    except ValidationError as exc:
        raise PlanError(pydantic_problems(exc, data)) from exc


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def builtin_plans() -> dict[str, Path]:
    """Built-in plan files by key (the file name without .yaml)."""
    return {path.stem: path for path in sorted(BUILTIN_DIR.glob("*.yaml"))}


def read_plan_source(name_or_path: str) -> str:
    """The text of a built-in plan (by key) or of a plan file on disk."""
    builtins = builtin_plans()
    if name_or_path in builtins:
        return builtins[name_or_path].read_text(encoding="utf-8")
    path = Path(name_or_path)
    if not path.exists():
        known = ", ".join(builtins) or "none"
        raise PlanError([f"no built-in plan or file named '{name_or_path}' (built-in plans: {known})"])
    return path.read_text(encoding="utf-8")


@functools.cache
def evidence_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(Evidence)


def json_schema() -> dict:
    return PlanSpec.model_json_schema()
