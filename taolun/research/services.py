"""Writes for research topics: register, write, post progress, report; the office accepts or returns.

Every write checks its named rule (``by=None`` is the system), runs in one transaction and appends an
audit entry on the topic (the topic's versioned history). Status moves go through ``TRANSITIONS``.
One topic per leader per campaign is the database's rule; the service says so in words first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.activities.records import delete_files
from taolun.activities.uploads import check_upload
from taolun.campaigns.models import Campaign, Theme
from taolun.core.permissions import require_perm
from taolun.core.services import actor, audit_record, changed, clean_text, notify, snapshot
from taolun.orgs.models import Person, Unit

from .models import ResearchTopic, TopicStatus, TopicUpdate

if TYPE_CHECKING:
    from taolun.accounts.models import User

TOPIC_FIELDS = [
    "title",
    "theme",
    "contact_unit",
    "other_members",
    "plan",
    "findings",
    "countermeasures",
    "report",
    "status",
]
EDITABLE = {"title", "theme", "contact_unit", "members", "other_members", "plan"}
TEXT_LIMIT = 20000

# The one door for status moves: {from: {to: action}}.
TRANSITIONS: dict[str, dict[str, str]] = {
    TopicStatus.DRAFT: {TopicStatus.REGISTERED: "register"},
    TopicStatus.REGISTERED: {TopicStatus.IN_PROGRESS: "start"},
    TopicStatus.IN_PROGRESS: {TopicStatus.REPORTED: "report"},
    TopicStatus.REPORTED: {TopicStatus.ACCEPTED: "accept", TopicStatus.RETURNED: "return"},
    TopicStatus.RETURNED: {TopicStatus.REPORTED: "report"},
    TopicStatus.ACCEPTED: {},
}


def topic_audit(
    topic: ResearchTopic, action: str, by: User | None, *, before: Any = None, after: Any = None, note: str = ""
) -> None:
    audit_record(
        actor=by,
        action=f"research.{action}",
        obj=topic,
        before=before,
        after=after,
        note=note,
        unit_path=topic.unit.path,
    )


def _locked(topic: ResearchTopic) -> ResearchTopic:
    return ResearchTopic.objects.select_for_update().select_related("unit", "campaign", "leader").get(pk=topic.pk)


def _check_move(topic: ResearchTopic, to: str) -> str:
    action = TRANSITIONS.get(topic.status, {}).get(to)
    if action is None:
        raise ValidationError(
            _("课题当前状态为“%(status)s”，不能改为“%(to)s”。")
            % {"status": topic.get_status_display(), "to": TopicStatus(to).label}
        )
    return action


def _move(
    topic: ResearchTopic, to: str, by: User | None, *, note: str = "", after: dict[str, Any] | None = None
) -> None:
    action = _check_move(topic, to)
    before = {"status": topic.status}
    topic.status = to
    topic.save()
    topic_audit(topic, action, by, before=before, after={"status": to, **(after or {})}, note=note)


def _campaign_units(campaign: Campaign, unit: Unit | None, field: str) -> Unit | None:
    if unit is not None and not unit.path.startswith(campaign.root_unit.path):
        raise ValidationError({field: _("“%(unit)s”不在本次大讨论的范围内。") % {"unit": unit.name}})
    return unit


def _theme(campaign: Campaign, theme: Theme | None) -> Theme | None:
    if theme is not None and theme.campaign_id != campaign.pk:
        raise ValidationError({"theme": _("讨论主题不属于本次大讨论。")})
    return theme


def _members(campaign: Campaign, members: Iterable[Person]) -> list[Person]:
    members = list(members)
    outside = [m.name for m in members if not m.unit.path.startswith(campaign.root_unit.path)]
    if outside:
        raise ValidationError(
            {"members": _("这些成员不在本次大讨论的范围内：%(names)s") % {"names": "、".join(outside)}}
        )
    if len(members) > 50:
        raise ValidationError({"members": _("课题组成员最多 50 人。")})
    return members


def topic_create(
    *,
    campaign: Campaign,
    leader: Person,
    title: str,
    by: User | None,
    theme: Theme | None = None,
    contact_unit: Unit | None = None,
    members: Iterable[Person] = (),
    other_members: str = "",
    plan: str = "",
) -> ResearchTopic:
    """Start the leader's topic (a draft). A second topic for the same leader and campaign is refused."""
    require_perm(by, "research.add_topic", leader)
    if not leader.is_leading_cadre or not leader.is_active:
        raise ValidationError({"leader": _("“%(name)s”不是在册的领导干部，不能牵头调研课题。") % {"name": leader.name}})
    _campaign_units(campaign, leader.unit, "leader")
    existing = ResearchTopic.objects.filter(campaign=campaign, leader=leader).first()
    if existing is not None:
        raise ValidationError(
            {
                "leader": _("%(name)s 在本次大讨论中已有调研课题“%(title)s”：每名领导干部牵头 1 项。")
                % {"name": leader.name, "title": existing.title}
            }
        )
    topic = ResearchTopic(
        campaign=campaign,
        leader=leader,
        unit=leader.unit,
        title=clean_text(title, "title", required=True, label=_("课题名称"), limit=200),
        theme=_theme(campaign, theme),
        contact_unit=_campaign_units(campaign, contact_unit, "contact_unit"),
        other_members=clean_text(other_members, "other_members", label=_("其他成员"), limit=500),
        plan=clean_text(plan, "plan", label=_("调研计划"), limit=TEXT_LIMIT),
        created_by=actor(by),
    )
    team = _members(campaign, members)
    try:
        with transaction.atomic():
            topic.save()
            topic.members.set(team)
            topic_audit(topic, "create", by, after={**snapshot(topic, TOPIC_FIELDS), "members": [m.pk for m in team]})
    except IntegrityError as exc:
        # Two requests raced past the check above: the database's constraint decides.
        raise ValidationError(
            {"leader": _("%(name)s 在本次大讨论中已有调研课题：每名领导干部牵头 1 项。") % {"name": leader.name}}
        ) from exc
    return topic


def topic_update(*, topic: ResearchTopic, by: User | None, **fields: Any) -> ResearchTopic:
    """Change the title, theme, contact point, team or plan while the topic is with its leader."""
    require_perm(by, "research.change_topic", topic)
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationError(_("这些字段不能在这里修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    with transaction.atomic():
        topic = _locked(topic)
        if not topic.is_editable:
            raise ValidationError(_("课题%(status)s，不能再修改。") % {"status": topic.get_status_display()})
        before = {**snapshot(topic, TOPIC_FIELDS), "members": sorted(topic.members.values_list("pk", flat=True))}
        campaign = topic.campaign
        if "title" in fields:
            topic.title = clean_text(fields["title"], "title", required=True, label=_("课题名称"), limit=200)
        if "theme" in fields:
            topic.theme = _theme(campaign, fields["theme"])
        if "contact_unit" in fields:
            topic.contact_unit = _campaign_units(campaign, fields["contact_unit"], "contact_unit")
        if "other_members" in fields:
            topic.other_members = clean_text(fields["other_members"], "other_members", label=_("其他成员"), limit=500)
        if "plan" in fields:
            topic.plan = clean_text(fields["plan"], "plan", label=_("调研计划"), limit=TEXT_LIMIT)
        members = (
            sorted(m.pk for m in _members(campaign, fields["members"])) if "members" in fields else before["members"]
        )
        old, new = changed(before, {**snapshot(topic, TOPIC_FIELDS), "members": members})
        if not old and not new:
            return topic
        topic.save()
        if "members" in fields:
            topic.members.set(members)
        topic_audit(topic, "update", by, before=old, after=new)
    return topic


def topic_register(*, topic: ResearchTopic, by: User | None) -> ResearchTopic:
    """Draft → registered: the topic has its title, theme, contact point and plan."""
    require_perm(by, "research.change_topic", topic)
    with transaction.atomic():
        topic = _locked(topic)
        missing = [
            str(label)
            for label, ok in (
                (_("讨论主题"), topic.theme_id),
                (_("联系点"), topic.contact_unit_id),
                (_("调研计划"), topic.plan.strip()),
            )
            if not ok
        ]
        if missing:
            raise ValidationError(_("登记前还须填写：%(missing)s。") % {"missing": "、".join(missing)})
        topic.registered_at = timezone.now()
        _move(topic, TopicStatus.REGISTERED, by)
    return topic


def topic_progress(
    *,
    topic: ResearchTopic,
    happened_on: dt.date,
    content: str,
    by: User | None,
    upload: UploadedFile | None = None,
) -> TopicUpdate:
    """Post one dated step of the research; the first one moves a registered topic to in progress."""
    require_perm(by, "research.change_topic", topic)
    content = clean_text(content, "content", required=True, label=_("进展情况"), limit=5000)
    today = timezone.localdate()
    if happened_on > today:
        raise ValidationError({"happened_on": _("进展日期不能晚于今天。")})
    if happened_on < topic.campaign.start_date:
        raise ValidationError(
            {"happened_on": _("进展日期不能早于大讨论开始日期 %(date)s。") % {"date": topic.campaign.start_date}}
        )
    checked = check_upload(upload, photo=False) if upload is not None else None
    written: list[Any] = []
    try:
        with transaction.atomic():
            topic = _locked(topic)
            if topic.status not in (TopicStatus.REGISTERED, TopicStatus.IN_PROGRESS, TopicStatus.RETURNED):
                raise ValidationError(
                    _("课题%(status)s，不能记录进展（先登记课题；已报送的课题等待验收）。")
                    % {"status": topic.get_status_display()}
                )
            update = TopicUpdate(topic=topic, happened_on=happened_on, content=content, created_by=actor(by))
            if upload is not None and checked is not None:
                name = (upload.name or "").replace("\\", "/").rsplit("/", 1)[-1][:200] or f"file.{checked.extension}"
                update.file.save(f"upload.{checked.extension}", upload, save=False)
                written.append((update.file.storage, update.file.name))
                update.original_name, update.content_type, update.size = name, checked.content_type, checked.size
            update.save()
            topic_audit(
                topic,
                "progress",
                by,
                after={"update": update.pk, "on": happened_on, "content": content, "file": update.original_name},
            )
            if topic.status == TopicStatus.REGISTERED:
                _move(topic, TopicStatus.IN_PROGRESS, by)
            else:
                ResearchTopic.objects.filter(pk=topic.pk).update(updated_at=timezone.now())
    except Exception:
        delete_files(written)
        raise
    return update


def topic_report(
    *, topic: ResearchTopic, findings: str, countermeasures: str, report: str = "", by: User | None
) -> ResearchTopic:
    """Hand in the final report (findings and 对策建议); a returned topic is handed in again the same way."""
    require_perm(by, "research.change_topic", topic)
    findings = clean_text(findings, "findings", required=True, label=_("调研发现"), limit=TEXT_LIMIT)
    countermeasures = clean_text(
        countermeasures, "countermeasures", required=True, label=_("对策建议"), limit=TEXT_LIMIT
    )
    report = clean_text(report, "report", label=_("调研报告"), limit=100000)
    with transaction.atomic():
        topic = _locked(topic)
        if topic.status == TopicStatus.REGISTERED or (
            topic.status == TopicStatus.IN_PROGRESS and not topic.updates.exists()
        ):
            raise ValidationError(
                _("课题当前状态为“%(status)s”：报送前请至少记录一次调研进展。") % {"status": topic.get_status_display()}
            )
        _check_move(topic, TopicStatus.REPORTED)
        before = snapshot(topic, ["findings", "countermeasures", "report"])
        topic.findings, topic.countermeasures, topic.report = findings, countermeasures, report
        topic.reported_at = timezone.now()
        topic.return_reason = ""
        _old, new = changed(before, snapshot(topic, ["findings", "countermeasures", "report"]))
        _move(topic, TopicStatus.REPORTED, by, after=new)
    _tell_office(topic, _("调研课题已报送，请验收：%(title)s") % {"title": topic.title})
    return topic


def topic_accept(*, topic: ResearchTopic, by: User | None, note: str = "") -> ResearchTopic:
    require_perm(by, "research.decide_topic", topic)
    with transaction.atomic():
        topic = _locked(topic)
        topic.decided_at = timezone.now()
        topic.decided_by = actor(by)
        _move(topic, TopicStatus.ACCEPTED, by, note=(note or "").strip()[:500])
    _tell_leader(topic, _("调研课题已通过验收：%(title)s") % {"title": topic.title}, note)
    return topic


def topic_return(*, topic: ResearchTopic, reason: str, by: User | None) -> ResearchTopic:
    require_perm(by, "research.decide_topic", topic)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise ValidationError({"reason": _("退回时请写明原因，便于修改。")})
    with transaction.atomic():
        topic = _locked(topic)
        topic.decided_at = timezone.now()
        topic.decided_by = actor(by)
        topic.return_reason = reason
        _move(topic, TopicStatus.RETURNED, by, note=reason)
    _tell_leader(topic, _("调研课题被退回修改：%(title)s") % {"title": topic.title}, reason)
    return topic


def _tell_leader(topic: ResearchTopic, title: str, body: str = "") -> None:
    from taolun.accounts.models import User

    if topic.leader.user_id:
        notify(
            recipients=User.objects.filter(pk=topic.leader.user_id),
            title=title[:200],
            body=body,
            url=topic.get_absolute_url(),
            kind="research",
            email=True,
        )


def _tell_office(topic: ResearchTopic, title: str) -> None:
    from taolun.accounts.models import User
    from taolun.accounts.selectors import office_users_covering

    notify(
        recipients=User.objects.filter(pk__in=office_users_covering(topic.unit)),
        title=title[:200],
        url=topic.get_absolute_url(),
        kind="research",
    )
