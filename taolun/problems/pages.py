"""What one problem's pages show: loading it for a viewer, the detail page's parts and forms, its history.

The detail page is read in a fixed number of queries whatever the number of measures, updates,
evidence files and extension requests; permissions are asked once per problem (a measure's progress
rule is the problem's: its managers and anyone answering for the problem or one of its measures).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors, services
from .forms import (
    ActionForm,
    CloseForm,
    DecisionForm,
    EvidenceForm,
    ExtensionForm,
    FinishForm,
    MeasureForm,
    ProgressForm,
    ReasonForm,
)
from .lights import FINISHED, measure_light
from .models import (
    Extension,
    ExtensionStatus,
    Measure,
    Problem,
    ProblemStatus,
)

MEASURES_OPEN = (ProblemStatus.FOUND, ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING)
REPORTING = (ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING)


@dataclasses.dataclass(frozen=True)
class Move:
    """A status move offered on the page: the rule it needs, its form and its words."""

    action: str
    perm: str
    button: Any
    form: Callable[..., django_forms.Form]
    message: Any
    danger: bool = False


MOVES: dict[str, Move] = {
    "confirm": Move(
        "confirm", "problems.confirm_problem", _("确认问题"), ActionForm, _("问题已确认，请按措施推进整改。")
    ),
    "dismiss": Move(
        "dismiss",
        "problems.confirm_problem",
        _("不予认定"),
        lambda *a, **k: ReasonForm(*a, label=_("不予认定的理由"), **k),
        _("问题已不予认定。"),
        danger=True,
    ),
    "restore": Move("restore", "problems.confirm_problem", _("恢复为已查摆"), ActionForm, _("问题已恢复为已查摆。")),
    "finish": Move("finish", "problems.change_problem", _("整改完成，申请核验销号"), FinishForm, _("已提交核验销号。")),
    "close": Move("close", "problems.verify_problem", _("核验通过，销号"), CloseForm, _("问题已销号。")),
    "reject": Move(
        "reject",
        "problems.verify_problem",
        _("核验未通过，退回整改"),
        lambda *a, **k: ReasonForm(*a, label=_("未通过的原因"), **k),
        _("已退回继续整改。"),
        danger=True,
    ),
    "reopen": Move(
        "reopen",
        "problems.verify_problem",
        _("重新整改"),
        lambda *a, **k: ReasonForm(*a, label=_("重新整改的原因"), **k),
        _("问题已重新进入整改。"),
        danger=True,
    ),
}


def load_problem(request: HttpRequest, pk: int, perm: str = "") -> Problem:
    """The problem with what its page shows, if the viewer may see it (404 otherwise); 403 without ``perm``."""
    try:
        problem = selectors.problem_for_page(pk)
    except Problem.DoesNotExist as exc:
        raise Http404 from exc
    user = request.user
    if not user.has_perm("problems.view_problem", problem):
        raise Http404
    if perm and not user.has_perm(perm, problem):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    return problem


def measure_form(problem: Problem, data: Any = None, measure: Measure | None = None, **kwargs: Any) -> MeasureForm:
    return MeasureForm(data, people=selectors.owner_choices(problem), measure=measure, **kwargs)


def progress_form(measure: Measure, data: Any = None, files: Any = None) -> ProgressForm:
    return ProgressForm(data, files, auto_id=f"id_m{measure.pk}_%s")


def form_for(key: str, problem: Problem, measures: list[Measure], data: Any = None, files: Any = None) -> Any:
    """The detail page's form ``key`` (empty, or bound to ``data``), with the ids it has on that page."""
    auto_id = f"id_{key}_%s"
    if key == "measure":
        return measure_form(problem, data, auto_id=auto_id)
    if key == "evidence":
        return EvidenceForm(data, files, measures=measures, auto_id=auto_id)
    if key == "extension":
        return ExtensionForm(data, auto_id=auto_id)
    if key == "decide":
        return DecisionForm(data, auto_id=auto_id)
    return MOVES[key].form(data, auto_id=auto_id)


def can_request_extension(problem: Problem, extensions: list[Extension]) -> bool:
    return (
        problem.status in REPORTING
        and problem.deadline is not None
        and timezone.localdate() <= problem.deadline
        and not any(e.status == ExtensionStatus.PENDING for e in extensions)
    )


def detail_context(request: HttpRequest, pk: int, *, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the detail page shows; ``bound`` forms (with their errors) replace the empty ones."""
    bound = bound or {}
    problem = load_problem(request, pk)
    user = request.user
    status = problem.status
    can = {
        "change": user.has_perm("problems.change_problem", problem),
        "report": user.has_perm("problems.report_progress", problem),
        "verify": user.has_perm("problems.verify_problem", problem),
        "decide": user.has_perm("problems.decide_extension", problem),
    }
    measures = selectors.measures_of(problem)
    finished = status in FINISHED
    reporting = can["report"] and status in REPORTING
    for measure in measures:
        measure.light = measure_light(measure, problem_finished=finished)  # type: ignore[attr-defined]
        key = f"progress-{measure.pk}"
        measure.form_key = key  # type: ignore[attr-defined]
        if key in bound or reporting:
            measure.progress_form = bound.get(key) or progress_form(measure)  # type: ignore[attr-defined]
    evidence = list(selectors.evidence_of(problem))
    extensions = list(selectors.extensions_of(problem))
    pending = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)

    def form(key: str) -> Any:
        return bound.get(key) or form_for(key, problem, measures)

    moves = []
    for action in services.TRANSITIONS.get(status, {}).values():
        move = MOVES.get(action)
        if move is not None and user.has_perm(move.perm, problem):
            moves.append((move, form(action)))
    # A refused move stays on the page with its reason, even when the status no longer offers it.
    moves += [(MOVES[key], bound[key]) for key in bound if key in MOVES and all(m.action != key for m, _f in moves)]
    measures_open = status in MEASURES_OPEN
    context: dict[str, Any] = {
        "problem": problem,
        "measures": measures,
        "evidence": evidence,
        "images": [e for e in evidence if e.is_image and e.thumbnail],
        "documents": [e for e in evidence if not (e.is_image and e.thumbnail)],
        "extensions": extensions,
        "pending": pending,
        "missing": services.missing_clarities(problem) if status == ProblemStatus.FOUND else [],
        "can": can,
        "moves": moves,
        "open_form": next(iter(bound), ""),
        "measures_open": measures_open,
        "reporting": reporting,
        "can_browse": user.has_perm("problems.browse_ledger"),
        "topic_visible": bool(
            problem.research_topic_id and user.has_perm("research.view_topic", problem.research_topic)
        ),
        "activity_visible": bool(
            problem.opinion_id and user.has_perm("activities.view_activity", problem.opinion.activity)  # type: ignore[union-attr]
        ),
        "evidence_deletable": can["change"] and status not in (ProblemStatus.DONE, ProblemStatus.CLOSED),
    }
    # A bound form is always shown: its errors say why, even when the section would now be hidden.
    if "measure" in bound or (can["change"] and measures_open):
        context["measure_form"] = form("measure")
    if "evidence" in bound or (can["report"] and status not in (ProblemStatus.CLOSED, ProblemStatus.DISMISSED)):
        context["evidence_form"] = form("evidence")
    if "extension" in bound or (can["report"] and can_request_extension(problem, extensions)):
        context["extension_form"] = form("extension")
    if "decide" in bound or (can["decide"] and pending is not None):
        context["decide_form"] = form("decide")
    return context


# —— history ——
