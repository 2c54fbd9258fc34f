"""Leaders' self-examination (领导带头，把自己摆进去): each leading cadre writes down their own gaps.

A leader keeps one self-examination per campaign: a list of items, each an aspect (the plan names
政治定力、工作思路、能力素质), the gap found and the measure taken. Saving replaces the items; submitting
requires every aspect the campaign's requirements name. The office covering the leader reads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from taolun.campaigns.models import Campaign, CampaignStatus, Requirement
from taolun.core.permissions import require_perm
from taolun.core.services import audit_record
from taolun.orgs.models import Person

from .models import SelfExamination, SelfExaminationItem

if TYPE_CHECKING:
    from taolun.accounts.models import User

MAX_ITEMS = 30


def required_aspects(campaign: Campaign) -> list[str]:
    """The aspects the campaign's self-examination requirements name, in the plan's order."""
    aspects: list[str] = []
    for requirement in Requirement.objects.filter(campaign=campaign).order_by("order"):
        spec = requirement.evidence_spec
        if spec.kind == "self_examination":
            aspects.extend(a for a in spec.aspects if a not in aspects)
    return aspects


def _items(rows: Iterable[Mapping[str, Any]], campaign: Campaign) -> list[SelfExaminationItem]:
    items: list[SelfExaminationItem] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=1):
        aspect = (row.get("aspect") or "").strip()
        gap = (row.get("gap") or "").strip()
        measure = (row.get("measure") or "").strip()
        if not (aspect or gap or measure):
            continue
        deadline = row.get("deadline") or None
        if isinstance(deadline, str):
            try:
                deadline = dt.date.fromisoformat(deadline)
            except ValueError:
                errors.append(
                    _("第 %(n)s 项：完成时限“%(value)s”不是日期（YYYY-MM-DD）。") % {"n": number, "value": deadline}
                )
                continue
        missing = [
            str(label)
            for label, value in ((_("方面"), aspect), (_("存在差距"), gap), (_("整改措施"), measure))
            if not value
        ]
        if missing:
            errors.append(_("第 %(n)s 项缺少：%(missing)s。") % {"n": number, "missing": "、".join(missing)})
            continue
        if len(aspect) > 60 or len(gap) > 5000 or len(measure) > 5000:
            errors.append(_("第 %(n)s 项太长：方面最多 60 字，差距和措施各最多 5000 字。") % {"n": number})
            continue
        items.append(
            SelfExaminationItem(aspect=aspect, gap=gap, measure=measure, deadline=deadline, order=len(items) + 1)
        )
    if len(items) > MAX_ITEMS:
        errors.append(_("最多 %(n)s 项。") % {"n": MAX_ITEMS})
    if errors:
        raise ValidationError({"items": errors})
    return items


def self_examination_save(
    *,
    campaign: Campaign,
    person: Person,
    items: Iterable[Mapping[str, Any]],
    by: User | None,
    submit: bool = False,
) -> SelfExamination:
    """Keep the leader's items (replacing the earlier ones); with ``submit`` hand it in to the office."""
    require_perm(by, "problems.change_self_examination", person)
    if not person.is_leading_cadre:
        raise ValidationError(_("只有领导干部需要填写自我剖析。"))
    if campaign.status != CampaignStatus.ACTIVE:
        raise ValidationError(_("“%(title)s”不在进行中，不能再填写自我剖析。") % {"title": campaign.title})
    if not person.unit.path.startswith(campaign.root_unit.path):
        raise ValidationError(_("您不在“%(title)s”的范围内。") % {"title": campaign.title})
    new_items = _items(items, campaign)
    # Once handed in, every later save must still meet what submitting asked for.
    submit = (
        submit or SelfExamination.objects.filter(campaign=campaign, person=person, submitted_at__isnull=False).exists()
    )
    if submit:
        covered = {item.aspect for item in new_items}
        missing = [a for a in required_aspects(campaign) if a not in covered]
        if not new_items:
            raise ValidationError({"items": [_("请至少写一项差距和措施再提交。")]})
        if missing:
            raise ValidationError({"items": [_("还没有剖析这些方面：%(aspects)s。") % {"aspects": "、".join(missing)}]})
    try:
        with transaction.atomic():
            examination, _created = SelfExamination.objects.select_for_update().get_or_create(
                campaign=campaign, person=person, defaults={"unit": person.unit}
            )
            before = list(examination.items.values("aspect", "gap", "measure", "deadline"))
            examination.items.all().delete()
            for item in new_items:
                item.examination = examination
            SelfExaminationItem.objects.bulk_create(new_items)
            if submit and examination.submitted_at is None:
                examination.submitted_at = timezone.now()
            examination.save()
            audit_record(
                actor=by,
                action="problems.self_examination.submit" if submit else "problems.self_examination.save",
                obj=examination,
                object_repr=person.name,
                before={"items": before},
                after={
                    "items": [
                        {"aspect": i.aspect, "gap": i.gap, "measure": i.measure, "deadline": i.deadline}
                        for i in new_items
                    ],
                    "submitted": examination.submitted_at is not None,
                },
                unit_path=person.unit.path,
            )
    except IntegrityError as exc:  # two first saves raced: the other one won, try again
        raise ValidationError(_("同时有另一次保存，请刷新后重试。")) from exc
    return examination
