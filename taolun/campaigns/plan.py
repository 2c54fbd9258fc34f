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

BUILTIN_DIR = Path(__file__).resolve().parent / "plans"
Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date_text(value: Any) -> Any:
    """Dates are written ``YYYY-MM-DD``; a bare number is not silently read as a Unix timestamp."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.match(value.strip()):
        return value.strip()
    raise ValueError(f"write the date as YYYY-MM-DD, e.g. 2018-10-15 (got {value!r})")


PlanDate = Annotated[dt.date, BeforeValidator(_date_text)]
UnitKindName = Literal["province", "city", "district", "street", "department", "unit", "community", "other"]
PersonRoleName = Literal["leading_cadre", "party_member", "cadre"]
ActivityKindName = Literal["study", "seminar", "training", "inspection"]


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
            raise ValueError(f"end {self.end} is before start {self.start}")
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
            raise ValueError("'root: true' selects the campaign's root unit alone; remove kinds/tags/subtrees")
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
            raise ValueError("give exactly one of 'units' or 'people'")
        return self


class ActivityEvidence(Strict):
    kind: Literal["activity"]
    activity_kind: ActivityKindName
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
    due: PlanDate
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
    themes_intro: str = ""
    themes: list[ThemeSpec] = Field(min_length=1)
    shortcomings: list[Item] = []
    dimensions: list[Item] = []
    stages_intro: str = ""
    stages: list[StageSpec] = Field(min_length=1)
    requirements: list[RequirementSpec] = []
    safeguards: list[Principle] = []

    @field_validator("themes", "shortcomings", "dimensions", "stages", "requirements")
    @classmethod
    def _unique_keys(cls, items: list[Item]) -> list[Item]:
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if item.key in seen:
                raise ValueError(f"[{index}].key: '{item.key}' is used twice (also at [{seen[item.key]}])")
            seen[item.key] = index
        return items

    @model_validator(mode="after")
    def _consistent(self) -> PlanSpec:
        # Each problem on its own line, starting with the path of the key at fault (see parse_plan).
        problems: list[str] = []
        if self.period.end < self.period.start:
            problems.append(f"period.end: {self.period.end} is before period.start {self.period.start}")
        stages = {s.key: s for s in self.stages}
        for i, stage in enumerate(self.stages):
            if stage.start < self.period.start or stage.end > self.period.end:
                problems.append(
                    f"stages[{i}] ({stage.key}): window {stage.start} – {stage.end} lies outside the period "
                    f"{self.period.start} – {self.period.end}"
                )
        for i, req in enumerate(self.requirements):
            if req.stage not in stages:
                problems.append(
                    f"requirements[{i}] ({req.key}).stage: '{req.stage}' is not defined (stages: {', '.join(stages)})"
                )
            if not (self.period.start <= req.due <= self.period.end):
                problems.append(
                    f"requirements[{i}] ({req.key}).due: {req.due} lies outside the period "
                    f"{self.period.start} – {self.period.end}"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def subtree_codes(self) -> set[str]:
        """Every unit code a requirement names in ``subtrees`` (they must exist under the root unit)."""
        codes: set[str] = set()
        for req in self.requirements:
            selector = req.applies_to.units or (req.applies_to.people.units if req.applies_to.people else None)
            if selector is not None:
                codes.update(selector.subtrees)
        return codes


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


class PlanLoader(yaml.SafeLoader):
    """YAML as plan authors expect it: dates stay text (so pydantic names a bad one) and a key
    written twice in one mapping is an error instead of the last one silently winning."""


PlanLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_unique_mapping(loader: PlanLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is written twice in the same mapping", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


PlanLoader.add_constructor("tag:yaml.org,2002:map", _construct_unique_mapping)  # type: ignore[arg-type]


def parse_plan(text: str) -> PlanSpec:
    """Parse and validate a plan's YAML text. Raises PlanError naming each bad key and why."""
    try:
        data = yaml.load(text, Loader=PlanLoader)  # noqa: S506 (PlanLoader is a SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or exc
        if isinstance(exc, yaml.constructor.ConstructorError):
            raise PlanError([f"{where}{problem}"]) from exc
        raise PlanError([f"{where}not valid YAML ({problem})"]) from exc
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
            location = _location(err["loc"], data)
            for line in message.splitlines():
                if line.startswith("["):
                    # "[3].key: …" from a list validator: attach it to the list's path.
                    index = int(line[1 : line.index("]")])
                    problems.append(f"{_location((*err['loc'], index), data)}{line[line.index(']') + 1 :]}")
                elif not err["loc"]:
                    problems.append(line)  # cross-checks already start with the key's path
                else:
                    problems.append(f"{location}: {line}")
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


@functools.cache
def evidence_adapter() -> TypeAdapter[Any]:
    return TypeAdapter(Evidence)


def json_schema() -> dict:
    return PlanSpec.model_json_schema()
