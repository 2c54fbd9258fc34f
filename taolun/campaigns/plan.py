"""The plan file format (YAML) and its schema.

A plan says which themes are discussed, which categories and dimensions classify findings, which
stages run when, and every requirement: who (``applies_to``) must do what (``evidence``) by when
(``due``). Loading checks the file against the schema and names the bad key and why.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BUILTIN_DIR = Path(__file__).resolve().parent / "plans"
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
UnitKindName = Literal["province", "city", "district", "street", "department", "unit", "community", "other"]
PersonRoleName = Literal["leading_cadre", "party_member", "cadre"]
ActivityKindName = Literal["study", "seminar", "training", "inspection"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(Strict):
    start: dt.date
    end: dt.date


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
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _window(self) -> StageSpec:
        if self.end < self.start:
            raise ValueError(f"stage '{self.key}': end {self.end} is before start {self.start}")
        return self


class UnitSelector(Strict):
    """Units chosen by kind, tag and subtree (unit codes). Empty lists do not restrict."""

    kinds: list[UnitKindName] = []
    tags: list[str] = []
    exclude_tags: list[str] = []
    subtrees: list[str] = Field(default=[], description="Unit codes whose subtrees are included.")
    root: bool = Field(default=False, description="Only the campaign's root unit itself.")


class PersonSelector(Strict):
    """People chosen by campaign role, and optionally by their unit."""

    roles: list[PersonRoleName] = Field(min_length=1)
    units: UnitSelector | None = None


class AppliesTo(Strict):
    units: UnitSelector | None = None
    people: PersonSelector | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> AppliesTo:
        if (self.units is None) == (self.people is None):
            raise ValueError("give exactly one of 'units' or 'people'")
        return self


class ActivityEvidence(Strict):
    kind: Literal["activity"]
    activity_kind: ActivityKindName
    count: int = Field(default=1, ge=1)
    role: Literal["host", "attendee"] = "host"
    records: list[Literal["minutes", "speeches", "photos", "opinions", "attendance"]] = []


class ResearchTopicEvidence(Strict):
    kind: Literal["research_topic"]
    status: list[Literal["registered", "in_progress", "reported", "accepted"]] = ["reported", "accepted"]
    count: int = Field(default=1, ge=1)


class SelfExaminationEvidence(Strict):
    kind: Literal["self_examination"]
    count: int = Field(default=1, ge=1)


class ProblemEvidence(Strict):
    kind: Literal["problem"]
    count: int = Field(default=1, ge=1)
    status: list[Literal["confirmed", "rectifying", "done", "closed"]] = ["confirmed", "rectifying", "done", "closed"]
    with_measures: bool = False


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
    due: dt.date
    weight: Decimal = Field(default=Decimal(1), ge=0, le=1000, max_digits=6, decimal_places=2)

    @property
    def subject(self) -> str:
        return "unit" if self.applies_to.units is not None else "person"


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
    themes: list[ThemeSpec] = Field(min_length=1)
    shortcomings: list[Item] = []
    dimensions: list[Item] = []
    stages: list[StageSpec] = Field(min_length=1)
    requirements: list[RequirementSpec] = []
    safeguards: list[Principle] = []

    @field_validator("themes", "shortcomings", "dimensions", "stages", "requirements")
    @classmethod
    def _unique_keys(cls, items: list[Item]) -> list[Item]:
        seen: set[str] = set()
        for item in items:
            if item.key in seen:
                raise ValueError(f"key '{item.key}' is used twice")
            seen.add(item.key)
        return items

    @model_validator(mode="after")
    def _consistent(self) -> PlanSpec:
        if self.period.end < self.period.start:
            raise ValueError(f"period: end {self.period.end} is before start {self.period.start}")
        stages = {s.key: s for s in self.stages}
        for stage in self.stages:
            if stage.start < self.period.start or stage.end > self.period.end:
                raise ValueError(f"stage '{stage.key}' ({stage.start} – {stage.end}) lies outside the period")
        for req in self.requirements:
            if req.stage not in stages:
                raise ValueError(
                    f"requirement '{req.key}': stage '{req.stage}' is not defined (stages: {', '.join(stages)})"
                )
            if not (self.period.start <= req.due <= self.period.end):
                raise ValueError(f"requirement '{req.key}': due {req.due} lies outside the period")
        return self


class PlanError(ValueError):
    """A plan file that cannot be used; ``problems`` lists each bad key and why."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def _location(loc: tuple[int | str, ...], data: object) -> str:
    """``requirements[3] (leader-research-topic).applies_to.people.roles[0]`` from a pydantic loc."""
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("key"), str):
                    label += f" ({node['key']})"
            else:
                node = None
            parts.append(label)
        else:
            node = node.get(part) if isinstance(node, dict) else None
            # Discriminated unions add the tag to the path; it is not a key in the file.
            if (
                part
                in {"activity", "research_topic", "self_examination", "problem", "article", "news_post", "discussion"}
                and parts
                and parts[-1].endswith("evidence")
            ):
                continue
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "(top level)"


def parse_plan(text: str) -> PlanSpec:
    """Parse and validate a plan's YAML text. Raises PlanError naming each bad key and why."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise PlanError([f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from exc
    if not isinstance(data, dict):
        raise PlanError(["(top level): a plan is a mapping of keys (key, title, period, themes, stages, …)"])
    try:
        return PlanSpec.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown key (check its spelling against docs/plan-format.md)"
            elif err["type"] == "missing":
                message = "required key is missing"
            problems.append(f"{_location(err['loc'], data)}: {message}")
        raise PlanError(problems) from exc


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


def json_schema() -> dict:
    return PlanSpec.model_json_schema()
