"""Writes for the problem ledger: problems, their measures and progress, evidence, extensions, closing.

Every write checks its named rule (``by=None`` is the system: command line, imports, demo), runs in one
transaction, keeps the problem's rolled-up figures current and appends an audit entry on the problem,
whose entries together are the problem's versioned history. Status moves go through ``TRANSITIONS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.activities.records import delete_files
from taolun.activities.uploads import check_upload, thumbnail_of
from taolun.campaigns.models import Campaign, Dimension, Shortcoming, Theme
from taolun.core.permissions import require_perm
from taolun.core.services import actor, audit_record, changed, clean_text, notify, required_reason, snapshot
from taolun.orgs.models import Person, Unit

from .lights import behind_from, rollup
from .models import (
    EvidenceFile,
    Extension,
    ExtensionStatus,
    Measure,
    MeasureUpdate,
    Problem,
    ProblemSource,
    ProblemStatus,
)

if TYPE_CHECKING:
    from taolun.accounts.models import User

PROBLEM_FIELDS = [
    "content",
    "source",
    "source_note",
    "category",
    "theme",
    "dimension",
    "unit",
    "owner",
    "standard",
    "deadline",
    "status",
    "progress",
    "result",
    "is_public",
]
# What may be edited through ``problem_update`` (status and progress move only through their own doors).
EDITABLE = {"content", "source_note", "category", "theme", "dimension", "unit", "owner", "standard", "deadline"}
MEASURE_FIELDS = ["content", "owner", "owner_name", "starts_on", "deadline", "weight", "progress"]

# The one door for status moves: {from: {to: action}}.
TRANSITIONS: dict[str, dict[str, str]] = {
    ProblemStatus.FOUND: {ProblemStatus.CONFIRMED: "confirm", ProblemStatus.DISMISSED: "dismiss"},
    ProblemStatus.CONFIRMED: {ProblemStatus.RECTIFYING: "start", ProblemStatus.DONE: "finish"},
    ProblemStatus.RECTIFYING: {ProblemStatus.DONE: "finish"},
    ProblemStatus.DONE: {ProblemStatus.CLOSED: "close", ProblemStatus.RECTIFYING: "reject"},
    ProblemStatus.CLOSED: {ProblemStatus.RECTIFYING: "reopen"},
    ProblemStatus.DISMISSED: {ProblemStatus.FOUND: "restore"},
}
TEXT_LIMIT = 5000


def problem_audit(
    problem: Problem, action: str, by: User | None, *, before: Any = None, after: Any = None, note: str = ""
) -> None:
    """The audit entry of a change to ``problem`` or anything of it: the problem's history is these entries."""
    audit_record(
        actor=by,
        action=f"problems.{action}",
        obj=problem,
        before=before,
        after=after,
        note=note,
        unit_path=problem.unit.path,
    )


def _locked(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().select_related("unit", "campaign").get(pk=problem.pk)


def _check_move(problem: Problem, to: str) -> str:
    action = TRANSITIONS.get(problem.status, {}).get(to)
    if action is None:
        raise ValidationError(
            _("问题当前状态为“%(status)s”，不能改为“%(to)s”。")
            % {"status": problem.get_status_display(), "to": ProblemStatus(to).label}
        )
    return action


def _within_campaign(campaign: Campaign, unit: Unit) -> None:
    if not unit.path.startswith(campaign.root_unit.path):
        raise ValidationError({"unit": _("责任单位“%(unit)s”不在本次大讨论的范围内。") % {"unit": unit.name}})


def _owner_of(unit: Unit, owner: Person | None, field: str = "owner") -> Person | None:
    if owner is None:
        return None
    if not owner.is_active or not owner.unit.path.startswith(unit.path):
        raise ValidationError(
            {field: _("责任人“%(name)s”不在“%(unit)s”的名册中。") % {"name": owner.name, "unit": unit.name}}
        )
    return owner


def _of_campaign(campaign: Campaign, item: Any, field: str, label: str) -> Any:
    if item is not None and item.campaign_id != campaign.pk:
        raise ValidationError({field: _("%(label)s不属于本次大讨论。") % {"label": label}})
    return item


def _check_dates(problem: Problem, deadline: dt.date | None) -> None:
    if deadline is None:
        return
    campaign = problem.campaign
    if deadline < timezone.localdate(problem.found_at):
        raise ValidationError({"deadline": _("办结时限不能早于查摆日期。")})
    if deadline > campaign.end_date + dt.timedelta(days=366 * 3):
        raise ValidationError({"deadline": _("办结时限太远了：最多在大讨论结束后三年内。")})


def next_numbers(campaign: Campaign, count: int = 1) -> range:
    """``count`` unused problem numbers of ``campaign``; call inside a transaction (the campaign row is locked)."""
    Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    last = Problem.objects.filter(campaign=campaign).aggregate(n=Max("number"))["n"] or 0
    return range(last + 1, last + 1 + count)


def problem_refresh(problem: Problem) -> Problem:
    """Roll the measures up into the problem's progress, measure count, due date and schedule date."""
    figures = rollup(
        problem.deadline,
        problem.measures.order_by().values_list("weight", "progress", "deadline", "behind_from"),
    )
    problem.progress = figures.progress
    problem.measure_count = figures.measure_count
    problem.due_on = figures.due_on
    problem.behind_from = figures.behind_from
    Problem.objects.filter(pk=problem.pk).update(
        progress=figures.progress,
        measure_count=figures.measure_count,
        due_on=figures.due_on,
        behind_from=figures.behind_from,
        updated_at=timezone.now(),
    )
    return problem


def problem_create(
    *,
    campaign: Campaign,
    unit: Unit,
    content: str,
    source: str,
    by: User | None,
    owner: Person | None = None,
    category: Shortcoming | None = None,
    theme: Theme | None = None,
    dimension: Dimension | None = None,
    standard: str = "",
    deadline: dt.date | None = None,
    source_note: str = "",
    research_topic: Any = None,
    opinion: Any = None,
) -> Problem:
    """File a problem (status found) for ``unit``; the numbers run on within the campaign."""
    require_perm(by, "problems.add_problem", unit)
    if source not in ProblemSource.values:
        raise ValidationError({"source": _("未知的问题来源：%(source)s") % {"source": source}})
    _within_campaign(campaign, unit)
    if research_topic is not None and research_topic.campaign_id != campaign.pk:
        raise ValidationError({"research_topic": _("这个调研课题不属于本次大讨论。")})
    if opinion is not None and opinion.activity.campaign_id != campaign.pk:
        raise ValidationError({"opinion": _("这条视察意见不属于本次大讨论。")})
    problem = Problem(
        campaign=campaign,
        unit=unit,
        content=clean_text(content, "content", required=True, label=_("问题内容"), limit=TEXT_LIMIT),
        source=source,
        source_note=clean_text(source_note, "source_note", label=_("来源说明"), limit=200),
        owner=_owner_of(unit, owner),
        category=_of_campaign(campaign, category, "category", _("短板类别")),
        theme=_of_campaign(campaign, theme, "theme", _("讨论主题")),
        dimension=_of_campaign(campaign, dimension, "dimension", _("高质量维度")),
        standard=clean_text(standard, "standard", label=_("整改标准"), limit=TEXT_LIMIT),
        deadline=deadline,
        research_topic=research_topic,
        opinion=opinion,
        found_at=timezone.now(),
        created_by=actor(by),
    )
    _check_dates(problem, deadline)
    with transaction.atomic():
        problem.number = next_numbers(campaign)[0]
        problem.due_on = deadline
        problem.save()
        problem_audit(problem, "create", by, after=snapshot(problem, PROBLEM_FIELDS))
    if problem.owner is not None and problem.owner.user_id:
        _tell([problem.owner.user_id], problem, _("您被列为问题的责任人：%(title)s") % {"title": str(problem)})
    return problem


def problem_update(*, problem: Problem, by: User | None, note: str = "", **fields: Any) -> Problem:
    """Change the five clarities and the classification; once confirmed, the deadline moves only by extension."""
    require_perm(by, "problems.change_problem", problem)
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError(_("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    with transaction.atomic():
        problem = _locked(problem)
        if problem.status in (ProblemStatus.CLOSED, ProblemStatus.DISMISSED):
            raise ValidationError(_("问题当前为“%(status)s”，不能再修改。") % {"status": problem.get_status_display()})
        before = snapshot(problem, PROBLEM_FIELDS)
        campaign = problem.campaign
        if "unit" in fields and fields["unit"].pk != problem.unit_id:
            if problem.status != ProblemStatus.FOUND:
                raise ValidationError({"unit": _("问题确认后不能再改责任单位。")})
            require_perm(by, "problems.add_problem", fields["unit"])
            _within_campaign(campaign, fields["unit"])
            problem.unit = fields["unit"]
            # Measures stay with people on the new unit's roster (or become names only, kept as text).
            outside = problem.measures.filter(owner__isnull=False).exclude(
                owner__unit__path__startswith=problem.unit.path
            )
            if outside.exists():
                names = "、".join(outside.values_list("owner__name", flat=True)[:5])
                raise ValidationError(
                    {
                        "unit": _("这些整改措施的责任人不在新的责任单位名册中：%(names)s；请先修改措施。")
                        % {"names": names}
                    }
                )
        if "content" in fields:
            problem.content = clean_text(
                fields["content"], "content", required=True, label=_("问题内容"), limit=TEXT_LIMIT
            )
        if "source_note" in fields:
            problem.source_note = clean_text(fields["source_note"], "source_note", label=_("来源说明"), limit=200)
        if "standard" in fields:
            problem.standard = clean_text(fields["standard"], "standard", label=_("整改标准"), limit=TEXT_LIMIT)
        for name, label in (("category", _("短板类别")), ("theme", _("讨论主题")), ("dimension", _("高质量维度"))):
            if name in fields:
                setattr(problem, name, _of_campaign(campaign, fields[name], name, label))
        if "owner" in fields or problem.unit_id != before["unit"]:
            # A new unit keeps the owner only if they are on its roster.
            problem.owner = _owner_of(problem.unit, fields.get("owner", problem.owner))
        if "deadline" in fields and fields["deadline"] != problem.deadline:
            if problem.status != ProblemStatus.FOUND:
                raise ValidationError({"deadline": _("问题确认后，办结时限只能通过延期申请调整。")})
            _check_dates(problem, fields["deadline"])
            latest = problem.measures.aggregate(latest=Max("deadline"))["latest"]
            if fields["deadline"] is not None and latest is not None and latest > fields["deadline"]:
                raise ValidationError(
                    {"deadline": _("办结时限不能早于整改措施的完成时限 %(date)s。") % {"date": latest}}
                )
            problem.deadline = fields["deadline"]
        old, new = changed(before, snapshot(problem, PROBLEM_FIELDS))
        if not new and not old:
            return problem
        problem.save()
        problem_refresh(problem)
        problem_audit(problem, "update", by, before=old, after=new, note=note)
    return problem


def missing_clarities(problem: Problem) -> list[str]:
    """Which of the five clarities (问题内容, 责任主体, 整改标准, 整改措施, 办结时限) the problem still lacks."""
    missing = []
    if not problem.content.strip():
        missing.append(str(_("问题内容")))
    if problem.owner_id is None:
        missing.append(str(_("责任主体（责任人）")))
    if not problem.standard.strip():
        missing.append(str(_("整改标准")))
    if not problem.measures.exists():
        missing.append(str(_("整改措施")))
    if problem.deadline is None:
        missing.append(str(_("办结时限")))
    return missing


def _move(problem: Problem, to: str, by: User | None, *, note: str = "", extra: dict[str, Any] | None = None) -> str:
    action = _check_move(problem, to)
    before = {"status": problem.status}
    problem.status = to
    problem.save()
    problem_audit(problem, action, by, before=before, after={"status": to, **(extra or {})}, note=note)
    return action


def problem_confirm(*, problem: Problem, by: User | None) -> Problem:
    """Found → confirmed, once the problem has all five clarities."""
    require_perm(by, "problems.confirm_problem", problem)
    with transaction.atomic():
        problem = _locked(problem)
        _check_move(problem, ProblemStatus.CONFIRMED)
        missing = missing_clarities(problem)
        if missing:
            raise ValidationError(
                _("确认前还须写明：%(missing)s（“五个明确”缺一不可）。") % {"missing": "、".join(missing)}
            )
        problem.confirmed_at = timezone.now()
        problem.original_deadline = problem.deadline
        _move(problem, ProblemStatus.CONFIRMED, by)
    _tell_owners(problem, _("问题已确认，请按措施推进整改：%(title)s") % {"title": str(problem)})
    return problem


def problem_dismiss(*, problem: Problem, reason: str, by: User | None) -> Problem:
    """Found → dismissed (不予认定), with the reason."""
    require_perm(by, "problems.confirm_problem", problem)
    reason = required_reason(reason, _("请填写不予认定的理由。"))
    with transaction.atomic():
        problem = _locked(problem)
        problem.verification_note = reason
        _move(problem, ProblemStatus.DISMISSED, by, note=reason)
    return problem


def problem_restore(*, problem: Problem, by: User | None) -> Problem:
    require_perm(by, "problems.confirm_problem", problem)
    with transaction.atomic():
        problem = _locked(problem)
        problem.verification_note = ""
        _move(problem, ProblemStatus.FOUND, by)
    return problem


def problem_finish(*, problem: Problem, result: str, by: User | None) -> Problem:
    """Confirmed or rectifying → done, awaiting verification: every measure at 100 %, a result and evidence."""
    require_perm(by, "problems.change_problem", problem)
    result = clean_text(result, "result", required=True, label=_("完成情况"), limit=TEXT_LIMIT)
    with transaction.atomic():
        problem = _locked(problem)
        _check_move(problem, ProblemStatus.DONE)
        unfinished = problem.measures.filter(progress__lt=100).count()
        if unfinished:
            raise ValidationError(_("还有 %(n)s 项整改措施没有完成，全部完成后才能申请销号。") % {"n": unfinished})
        if not problem.evidence.exists():
            raise ValidationError(_("请先上传佐证材料，再申请核验销号。"))
        problem.result = result
        problem.done_at = timezone.now()
        _move(problem, ProblemStatus.DONE, by, extra={"result": result})
    _tell_office(problem, _("问题整改完成，请核验销号：%(title)s") % {"title": str(problem)})
    return problem


def problem_close(*, problem: Problem, by: User | None, note: str = "", publish: bool = False) -> Problem:
    """Done → closed (销号) by the office; on time when the work was done by the deadline."""
    require_perm(by, "problems.verify_problem", problem)
    with transaction.atomic():
        problem = _locked(problem)
        _check_move(problem, ProblemStatus.CLOSED)
        now = timezone.now()
        done_on = timezone.localdate(problem.done_at or now)
        problem.closed_at = now
        problem.closed_by = actor(by)
        problem.closed_on_time = problem.deadline is None or done_on <= problem.deadline
        problem.verification_note = (note or "").strip()[:500]
        problem.is_public = bool(publish)
        _move(
            problem,
            ProblemStatus.CLOSED,
            by,
            note=problem.verification_note,
            extra={"on_time": problem.closed_on_time, "is_public": problem.is_public},
        )
    _tell_owners(problem, _("问题已核验销号：%(title)s") % {"title": str(problem)})
    return problem


def problem_reject(*, problem: Problem, reason: str, by: User | None) -> Problem:
    """Done → rectifying: the verification failed, with the reason."""
    require_perm(by, "problems.verify_problem", problem)
    reason = required_reason(reason, _("请写明核验未通过的原因。"))
    with transaction.atomic():
        problem = _locked(problem)
        _check_move(problem, ProblemStatus.RECTIFYING)
        if problem.status != ProblemStatus.DONE:
            raise ValidationError(_("只有待核验的问题才能退回。"))
        problem.verification_note = reason
        problem.done_at = None
        _move(problem, ProblemStatus.RECTIFYING, by, note=reason)
    _tell_owners(problem, _("核验未通过，请继续整改：%(title)s") % {"title": str(problem)}, body=reason)
    return problem


def problem_reopen(*, problem: Problem, reason: str, by: User | None) -> Problem:
    """Closed → rectifying (the problem came back), with the reason."""
    require_perm(by, "problems.verify_problem", problem)
    reason = required_reason(reason, _("请写明重新整改的原因。"))
    with transaction.atomic():
        problem = _locked(problem)
        if problem.status != ProblemStatus.CLOSED:
            raise ValidationError(_("只有已销号的问题才能重新整改。"))
        problem.verification_note = reason
        problem.closed_at = None
        problem.closed_by = None
        problem.closed_on_time = None
        problem.done_at = None
        problem.is_public = False
        problem.reopen_count += 1
        _move(problem, ProblemStatus.RECTIFYING, by, note=reason)
    _tell_owners(problem, _("问题重新整改：%(title)s") % {"title": str(problem)}, body=reason)
    return problem


def problem_set_public(*, problem: Problem, public: bool, by: User | None) -> Problem:
    require_perm(by, "problems.verify_problem", problem)
    with transaction.atomic():
        problem = _locked(problem)
        if public and problem.status != ProblemStatus.CLOSED:
            raise ValidationError(_("只有已销号的问题才能公开。"))
        if problem.is_public != public:
            problem_audit(problem, "publish", by, before={"is_public": problem.is_public}, after={"is_public": public})
            problem.is_public = public
            problem.save(update_fields=["is_public", "updated_at"])
    return problem


# —— measures ——


def _measure_open(problem: Problem) -> None:
    if problem.status not in (ProblemStatus.FOUND, ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING):
        raise ValidationError(
            _("问题当前为“%(status)s”，不能再修改整改措施。") % {"status": problem.get_status_display()}
        )


def _check_measure_dates(problem: Problem, starts_on: dt.date, deadline: dt.date) -> None:
    if deadline < starts_on:
        raise ValidationError({"deadline": _("完成时限不能早于开始日期。")})
    if problem.deadline is not None and deadline > problem.deadline:
        raise ValidationError(
            {"deadline": _("措施的完成时限不能晚于问题的办结时限 %(date)s。") % {"date": problem.deadline}}
        )


def measure_add(
    *,
    problem: Problem,
    content: str,
    deadline: dt.date,
    by: User | None,
    owner: Person | None = None,
    owner_name: str = "",
    weight: int = 1,
    starts_on: dt.date | None = None,
) -> Measure:
    require_perm(by, "problems.change_problem", problem)
    with transaction.atomic():
        problem = _locked(problem)
        _measure_open(problem)
        starts_on = starts_on or timezone.localdate()
        _check_measure_dates(problem, starts_on, deadline)
        if weight < 1 or weight > 100:
            raise ValidationError({"weight": _("权重应在 1 到 100 之间。")})
        measure = Measure(
            problem=problem,
            content=clean_text(content, "content", required=True, label=_("整改措施"), limit=TEXT_LIMIT),
            owner=_owner_of(problem.unit, owner),
            owner_name="" if owner else clean_text(owner_name, "owner_name", label=_("责任人姓名"), limit=60),
            starts_on=starts_on,
            deadline=deadline,
            weight=weight,
            order=problem.measure_count + 1,
        )
        measure.behind_from = behind_from(starts_on, deadline, 0)
        measure.save()
        problem_refresh(problem)
        problem_audit(problem, "measure.add", by, after={"measure": measure.pk, **snapshot(measure, MEASURE_FIELDS)})
    if measure.owner is not None and measure.owner.user_id:
        _tell(
            [measure.owner.user_id], problem, _("您被列为整改措施的责任人：%(title)s") % {"title": measure.content[:60]}
        )
    return measure


def measure_change(*, measure: Measure, by: User | None, **fields: Any) -> Measure:
    """Change a measure's text, owner, dates or weight."""
    problem = measure.problem
    require_perm(by, "problems.change_problem", problem)
    allowed = {"content", "owner", "owner_name", "starts_on", "deadline", "weight"}
    if set(fields) - allowed:
        raise ValidationError(
            _("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(set(fields) - allowed))}
        )
    with transaction.atomic():
        problem = _locked(problem)
        _measure_open(problem)
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        before = snapshot(measure, MEASURE_FIELDS)
        if "content" in fields:
            measure.content = clean_text(
                fields["content"], "content", required=True, label=_("整改措施"), limit=TEXT_LIMIT
            )
        if "owner" in fields:
            measure.owner = _owner_of(problem.unit, fields["owner"])
        if "owner_name" in fields:
            measure.owner_name = clean_text(fields["owner_name"], "owner_name", label=_("责任人姓名"), limit=60)
        if measure.owner_id:
            measure.owner_name = ""
        if "weight" in fields:
            if not 1 <= int(fields["weight"]) <= 100:
                raise ValidationError({"weight": _("权重应在 1 到 100 之间。")})
            measure.weight = int(fields["weight"])
        measure.starts_on = fields.get("starts_on") or measure.starts_on
        measure.deadline = fields.get("deadline") or measure.deadline
        _check_measure_dates(problem, measure.starts_on, measure.deadline)
        measure.behind_from = behind_from(measure.starts_on, measure.deadline, measure.progress)
        old, new = changed(before, snapshot(measure, MEASURE_FIELDS))
        if not old and not new:
            return measure
        measure.save()
        problem_refresh(problem)
        problem_audit(
            problem, "measure.change", by, before={"measure": measure.pk, **old}, after={"measure": measure.pk, **new}
        )
    return measure


def measure_delete(*, measure: Measure, by: User | None) -> None:
    problem = measure.problem
    require_perm(by, "problems.change_problem", problem)
    with transaction.atomic():
        problem = _locked(problem)
        _measure_open(problem)
        if problem.status != ProblemStatus.FOUND and problem.measures.count() <= 1:
            raise ValidationError(_("已确认的问题至少要保留一项整改措施。"))
        problem_audit(
            problem, "measure.delete", by, before={"measure": measure.pk, **snapshot(measure, MEASURE_FIELDS)}
        )
        # The measure's evidence rows go with it (cascade): their files go once that is committed.
        files = [
            (f.storage, f.name)
            for item in EvidenceFile.objects.filter(measure=measure)
            for f in (item.file, item.thumbnail)
            if f and f.name
        ]
        measure.delete()
        problem_refresh(problem)
        transaction.on_commit(lambda: delete_files(files))


def measure_progress(
    *,
    measure: Measure,
    progress: int,
    note: str,
    by: User | None,
    happened_on: dt.date | None = None,
    files: Iterable[UploadedFile] = (),
) -> MeasureUpdate:
    """Record a dated progress report on a measure (with evidence files); the problem starts rectifying."""
    require_perm(by, "problems.report_progress", measure)
    if not 0 <= int(progress) <= 100:
        raise ValidationError({"progress": _("进度应在 0 到 100 之间。")})
    note = clean_text(note, "note", required=True, label=_("进展情况"), limit=TEXT_LIMIT)
    today = timezone.localdate()
    happened_on = happened_on or today
    if happened_on > today:
        raise ValidationError({"happened_on": _("进展日期不能晚于今天。")})
    if happened_on < measure.starts_on:
        raise ValidationError(
            {"happened_on": _("进展日期不能早于措施开始日期 %(date)s。") % {"date": measure.starts_on}}
        )
    files = list(files)
    checked = [check_upload(f, photo=False) for f in files]
    written: list[Any] = []
    try:
        return _progress(measure, int(progress), note, happened_on, by, list(zip(files, checked, strict=True)), written)
    except Exception:
        delete_files(written)
        raise


def _progress(
    measure: Measure,
    progress: int,
    note: str,
    happened_on: dt.date,
    by: User | None,
    files: list[Any],
    written: list[Any],
) -> MeasureUpdate:
    with transaction.atomic():
        problem = measure.problem
        problem = _locked(problem)
        if problem.status not in (ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING):
            raise ValidationError(
                _("问题确认后、完成前才能报告整改进展（当前：%(status)s）。") % {"status": problem.get_status_display()}
            )
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        before = measure.progress
        update = MeasureUpdate.objects.create(
            measure=measure, happened_on=happened_on, progress=int(progress), note=note, created_by=actor(by)
        )
        measure.progress = int(progress)
        measure.behind_from = behind_from(measure.starts_on, measure.deadline, measure.progress)
        measure.done_at = timezone.now() if measure.progress >= 100 else None
        measure.save(update_fields=["progress", "behind_from", "done_at", "updated_at"])
        problem_refresh(problem)
        problem_audit(
            problem,
            "measure.progress",
            by,
            before={"measure": measure.pk, "progress": before},
            after={"measure": measure.pk, "progress": measure.progress, "note": note, "on": happened_on},
        )
        if problem.status == ProblemStatus.CONFIRMED:
            _move(problem, ProblemStatus.RECTIFYING, by)
        for upload, check in files:
            _store_evidence(problem, upload, check, by, measure=measure, written=written)
    return update


# —— evidence ——


def _store_evidence(
    problem: Problem,
    upload: UploadedFile,
    checked: Any,
    by: User | None,
    *,
    measure: Measure | None,
    written: list[Any],
    caption: str = "",
) -> EvidenceFile:
    """Write the file (and thumbnail), noting each in ``written``: a caller whose transaction fails removes them."""
    name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or f"file.{checked.extension}"
    item = EvidenceFile(
        problem=problem,
        measure=measure,
        original_name=name,
        content_type=checked.content_type,
        size=checked.size,
        caption=(caption or "").strip()[:200],
        uploaded_by=actor(by),
    )
    item.file.save(f"upload.{checked.extension}", upload, save=False)
    written.append((item.file.storage, item.file.name))
    if checked.is_image:
        item.thumbnail.save("thumb.jpg", thumbnail_of(upload), save=False)
        written.append((item.thumbnail.storage, item.thumbnail.name))
    item.save()
    problem_audit(
        problem,
        "evidence.add",
        by,
        after={"id": item.pk, "name": name, "type": checked.content_type, "size": checked.size},
    )
    return item


def evidence_add(
    *, problem: Problem, upload: UploadedFile, by: User | None, measure: Measure | None = None, caption: str = ""
) -> EvidenceFile:
    """Keep a piece of evidence (佐证材料) after checking its size and real type."""
    require_perm(by, "problems.report_progress", measure or problem)
    if measure is not None and measure.problem_id != problem.pk:
        raise ValidationError({"measure": _("这项措施不属于该问题。")})
    checked = check_upload(upload, photo=False)
    written: list[Any] = []
    try:
        with transaction.atomic():
            problem = _locked(problem)
            if problem.status in (ProblemStatus.CLOSED, ProblemStatus.DISMISSED):
                raise ValidationError(
                    _("问题当前为“%(status)s”，不能再上传材料。") % {"status": problem.get_status_display()}
                )
            return _store_evidence(problem, upload, checked, by, measure=measure, caption=caption, written=written)
    except Exception:
        # Nothing was recorded: the files written for it go too.
        delete_files(written)
        raise


def evidence_delete(*, item: EvidenceFile, by: User | None) -> None:
    problem = item.problem
    require_perm(by, "problems.change_problem", problem)
    files = [(f.storage, f.name) for f in (item.file, item.thumbnail) if f and f.name]
    with transaction.atomic():
        problem = _locked(problem)
        if problem.status in (ProblemStatus.DONE, ProblemStatus.CLOSED):
            raise ValidationError(
                _("问题当前为“%(status)s”，佐证材料不能删除。") % {"status": problem.get_status_display()}
            )
        problem_audit(problem, "evidence.delete", by, before={"id": item.pk, "name": item.original_name})
        item.delete()
        transaction.on_commit(lambda: delete_files(files))


# —— extensions ——


def extension_request(
    *, problem: Problem, new_deadline: dt.date, reason: str, by: User | None, today: dt.date | None = None
) -> Extension:
    """Ask to move the deadline: only before it has passed, only later, one request waiting at a time."""
    require_perm(by, "problems.report_progress", problem)
    reason = required_reason(reason, _("请写明延期理由。"))
    today = today or timezone.localdate()
    with transaction.atomic():
        problem = _locked(problem)
        if problem.status not in (ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING) or problem.deadline is None:
            raise ValidationError(_("只有已确认、正在整改的问题才能申请延期。"))
        if today > problem.deadline:
            raise ValidationError(
                _("办结时限 %(date)s 已过，延期申请须在时限到期前提出。") % {"date": problem.deadline}
            )
        if new_deadline <= problem.deadline:
            raise ValidationError(
                {"new_deadline": _("申请的新时限应晚于现在的时限 %(date)s。") % {"date": problem.deadline}}
            )
        if problem.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise ValidationError(_("已有一份延期申请在等待审批。"))
        extension = Extension.objects.create(
            problem=problem,
            old_deadline=problem.deadline,
            new_deadline=new_deadline,
            reason=reason,
            requested_by=actor(by),
        )
        problem_audit(
            problem,
            "extension.request",
            by,
            after={"extension": extension.pk, "from": problem.deadline, "to": new_deadline},
            note=reason,
        )
    _tell_office(problem, _("延期申请待审批：%(title)s") % {"title": str(problem)}, body=reason)
    return extension


def extension_decide(*, extension: Extension, approve: bool, by: User | None, note: str = "") -> Extension:
    """The office approves (the deadline moves) or refuses (with a note) a waiting extension request."""
    problem = extension.problem
    require_perm(by, "problems.decide_extension", problem)
    note = (note or "").strip()[:500]
    if not approve and not note:
        raise ValidationError({"note": _("不批准时请写明意见。")})
    with transaction.atomic():
        problem = _locked(problem)
        extension = Extension.objects.select_for_update().get(pk=extension.pk)
        if extension.status != ExtensionStatus.PENDING:
            raise ValidationError(_("这份延期申请已经审批过了。"))
        if approve and problem.status not in (ProblemStatus.CONFIRMED, ProblemStatus.RECTIFYING):
            raise ValidationError(
                _("问题当前为“%(status)s”，延期申请不再适用，只能不予批准。") % {"status": problem.get_status_display()}
            )
        extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        extension.decided_at = timezone.now()
        extension.decided_by = actor(by)
        extension.decision_note = note
        extension.save()
        after: dict[str, Any] = {"extension": extension.pk, "status": extension.status}
        if approve:
            before_deadline = problem.deadline
            problem.deadline = extension.new_deadline
            problem.save(update_fields=["deadline", "updated_at"])
            # Unfinished measures that were due with the problem move with it; earlier steps keep their dates.
            moved = list(
                problem.measures.filter(deadline=extension.old_deadline, progress__lt=100).values_list("pk", flat=True)
            )
            for measure in Measure.objects.filter(pk__in=moved):
                measure.deadline = extension.new_deadline
                measure.behind_from = behind_from(measure.starts_on, measure.deadline, measure.progress)
                measure.save(update_fields=["deadline", "behind_from", "updated_at"])
            problem_refresh(problem)
            after["deadline"] = problem.deadline
            after["measures_moved"] = moved
            problem_audit(
                problem, "extension.approve", by, before={"deadline": before_deadline}, after=after, note=note
            )
        else:
            problem_audit(problem, "extension.reject", by, after=after, note=note)
    if extension.requested_by_id:
        verdict = _("已批准") if approve else _("未批准")
        _tell(
            [extension.requested_by_id],
            problem,
            _("延期申请%(verdict)s：%(title)s") % {"verdict": verdict, "title": str(problem)},
            body=note,
        )
    return extension


# —— notices ——


def _tell(user_ids: Iterable[int], problem: Problem, title: str, body: str = "") -> None:
    from taolun.accounts.models import User

    ids = sorted({i for i in user_ids if i})
    if ids:
        notify(
            recipients=User.objects.filter(pk__in=ids),
            title=title[:200],
            body=body,
            url=problem.get_absolute_url(),
            kind="problem",
            email=True,
        )


def _tell_owners(problem: Problem, title: str, body: str = "") -> None:
    ids = set(
        Measure.objects.filter(problem=problem, owner__user__isnull=False).values_list("owner__user_id", flat=True)
    )
    if problem.owner_id:
        owner_user = Person.objects.filter(pk=problem.owner_id).values_list("user_id", flat=True).first()
        ids.add(owner_user or 0)
    _tell(ids, problem, title, body)


def _tell_office(problem: Problem, title: str, body: str = "") -> None:
    from taolun.accounts.selectors import office_users_covering

    _tell(list(office_users_covering(problem.unit)), problem, title, body)
