"""Writes for plans and campaigns: load a plan, create a campaign from it, move its status.

Each write is one transaction with an audit entry. ``by=None`` means the system (command line, demo);
with a user, the named permission rules are checked first.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from taolun.core.services import audit_record
from taolun.orgs.models import Unit

from .dates import date_mapper
from .models import Campaign, CampaignStatus, Dimension, Plan, Requirement, Shortcoming, Stage, Theme
from .plan import PlanError, PlanSpec, builtin_plans, checksum, parse_plan

if TYPE_CHECKING:
    from taolun.accounts.models import User

DEFAULT_PLAN = "xihu-2018"
# Paths under /campaigns/ that a slug may not take.
RESERVED_SLUGS = {"new", "create", "list"}

# The one door for status moves: {from: {to: action name}}.
TRANSITIONS: dict[str, dict[str, str]] = {
    CampaignStatus.DRAFT: {CampaignStatus.ACTIVE: "activate"},
    CampaignStatus.ACTIVE: {CampaignStatus.CLOSED: "close"},
    CampaignStatus.CLOSED: {CampaignStatus.ACTIVE: "reopen"},
}


def _require(by: User | None, perm: str, obj: Any = None) -> None:
    if by is not None and not by.has_perm(perm, obj):
        raise PermissionDenied(_("您没有权限执行此操作。"))


def spec_of(source: str) -> PlanSpec:
    """The validated plan, or a ValidationError whose ``source`` messages name each bad key."""
    try:
        return parse_plan(source)
    except PlanError as exc:
        raise ValidationError({"source": exc.problems}) from exc


# --- plans --------------------------------------------------------------------------------------


def plan_load(*, source: str, builtin: bool = False, by: User | None) -> Plan:
    """Validate and store a plan. Loading the same text again returns the stored plan unchanged;
    different text under a key and version already loaded is refused (raise ``version``)."""
    _require(by, "campaigns.load_plan")
    spec = spec_of(source)
    digest = checksum(source)

    def conflict(existing: Plan) -> Plan:
        if existing.checksum == digest:
            return existing
        raise ValidationError(
            {
                "source": _(
                    "方案“%(key)s”第 %(version)s 版已经载入，但内容与本次不同。"
                    "修改过的方案请把 version 改为 %(next)s 后再载入（已创建的活动不受影响）。"
                )
                % {"key": spec.key, "version": spec.version, "next": spec.version + 1}
            }
        )

    existing = Plan.objects.filter(key=spec.key, version=spec.version).first()
    if existing is not None:
        return conflict(existing)
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                key=spec.key,
                version=spec.version,
                title=spec.title,
                source=source,
                checksum=digest,
                is_builtin=builtin,
            )
            audit_record(
                actor=by,
                action="campaigns.plan.load",
                obj=plan,
                after={
                    "key": plan.key,
                    "version": plan.version,
                    "title": plan.title,
                    "checksum": digest,
                    "is_builtin": builtin,
                },
            )
    except IntegrityError:
        # Loaded by someone else a moment ago.
        return conflict(Plan.objects.get(key=spec.key, version=spec.version))
    return plan


def plan_load_builtin(*, key: str = DEFAULT_PLAN, by: User | None = None) -> Plan:
    plans = builtin_plans()
    if key not in plans:
        raise ValidationError(
            {
                "source": _("没有名为“%(key)s”的内置方案（内置方案：%(known)s）。")
                % {"key": key, "known": ", ".join(plans)}
            }
        )
    return plan_load(source=plans[key].read_text(encoding="utf-8"), builtin=True, by=by)


# --- campaigns ----------------------------------------------------------------------------------


def _check_new_campaign(
    *, spec: PlanSpec, root_unit: Unit, slug: str, start_date: dt.date, end_date: dt.date | None, title: str
) -> None:
    errors: dict[str, list[str]] = {}
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = [_("标识只能包含英文字母、数字、连字符和下划线，例如 xihu-2019。")]
    else:
        if slug in RESERVED_SLUGS:
            errors["slug"] = [_("“%(slug)s”是保留字，请换一个标识。") % {"slug": slug}]
        elif Campaign.objects.filter(slug=slug).exists():
            errors["slug"] = [_("标识“%(slug)s”已被其他活动使用，请换一个。") % {"slug": slug}]
    if len(title) > 200:
        errors["title"] = [_("标题不能超过 200 个字。")]
    if end_date is not None and end_date <= start_date:
        errors["end_date"] = [
            _("结束日期（%(end)s）必须晚于开始日期（%(start)s）。") % {"end": end_date, "start": start_date}
        ]
    if not root_unit.is_active:
        errors["root_unit"] = [_("单位“%(name)s”已停用，不能作为活动范围。") % {"name": root_unit.name}]
    codes = spec.subtree_codes()
    if codes:
        found = dict(Unit.objects.filter(code__in=codes).values_list("code", "path"))
        missing = sorted(codes - found.keys())
        outside = sorted(code for code, path in found.items() if not path.startswith(root_unit.path))
        if missing:
            errors.setdefault("root_unit", []).append(
                _("方案的工作要求用到了不存在的单位代码：%(codes)s。请先创建这些单位，或修改方案的 subtrees。")
                % {"codes": "、".join(missing)}
            )
        if outside:
            errors.setdefault("root_unit", []).append(
                _("方案的工作要求用到的单位 %(codes)s 不在“%(root)s”之下。")
                % {"codes": "、".join(outside), "root": root_unit.name}
            )
    if errors:
        raise ValidationError(errors)


def campaign_create(
    *,
    plan: Plan,
    root_unit: Unit,
    slug: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    title: str | None = None,
    by: User | None,
) -> Campaign:
    """A new campaign (draft) from ``plan`` over ``root_unit``'s subtree, every plan date moved onto
    the new period (see :func:`~taolun.campaigns.dates.date_mapper`)."""
    _require(by, "campaigns.create_campaign", root_unit)
    spec = spec_of(plan.source)
    slug = (slug or "").strip()
    title = (title or "").strip() or spec.title
    _check_new_campaign(
        spec=spec, root_unit=root_unit, slug=slug, start_date=start_date, end_date=end_date, title=title
    )
    to_date = date_mapper(spec.period.start, spec.period.end, start_date, end_date)
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                plan=plan,
                slug=slug,
                title=title,
                short_title=spec.short_title,
                issuer=spec.issuer,
                basis=spec.basis,
                preamble=spec.preamble,
                principles=[p.model_dump(mode="json") for p in spec.principles],
                safeguards=[s.model_dump(mode="json") for s in spec.safeguards],
                themes_intro=spec.themes_intro,
                stages_intro=spec.stages_intro,
                start_date=start_date,
                end_date=to_date(spec.period.end),
                root_unit=root_unit,
                status=CampaignStatus.DRAFT,
                created_by=by if by is not None and by.pk else None,
            )
            _copy_plan_items(campaign, spec, to_date)
            audit_record(
                actor=by,
                action="campaigns.campaign.create",
                obj=campaign,
                after={
                    "slug": campaign.slug,
                    "title": campaign.title,
                    "plan": f"{plan.key} v{plan.version}",
                    "root_unit": root_unit.code,
                    "start_date": campaign.start_date,
                    "end_date": campaign.end_date,
                    "status": campaign.status,
                    "themes": len(spec.themes),
                    "stages": len(spec.stages),
                    "requirements": len(spec.requirements),
                },
                unit_path=root_unit.path,
            )
    except IntegrityError as exc:
        raise ValidationError({"slug": [_("标识“%(slug)s”已被其他活动使用，请换一个。") % {"slug": slug}]}) from exc
    return campaign


def _copy_plan_items(campaign: Campaign, spec: PlanSpec, to_date: Any) -> None:
    Theme.objects.bulk_create(
        Theme(campaign=campaign, key=t.key, order=i, title=t.title, description=t.description, question=t.question)
        for i, t in enumerate(spec.themes, start=1)
    )
    Shortcoming.objects.bulk_create(
        Shortcoming(campaign=campaign, key=s.key, order=i, title=s.title, description=s.description)
        for i, s in enumerate(spec.shortcomings, start=1)
    )
    Dimension.objects.bulk_create(
        Dimension(campaign=campaign, key=d.key, order=i, title=d.title, description=d.description)
        for i, d in enumerate(spec.dimensions, start=1)
    )
    Stage.objects.bulk_create(
        Stage(
            campaign=campaign,
            key=s.key,
            order=i,
            title=s.title,
            description=s.description,
            start_date=to_date(s.start),
            end_date=to_date(s.end),
        )
        for i, s in enumerate(spec.stages, start=1)
    )
    stages = {s.key: s for s in Stage.objects.filter(campaign=campaign)}
    Requirement.objects.bulk_create(
        Requirement(
            campaign=campaign,
            key=r.key,
            order=i,
            title=r.title,
            description=r.description,
            stage=stages[r.stage],
            subject=r.subject,
            applies_to=r.applies_to.model_dump(mode="json", exclude_none=True),
            evidence=r.evidence.model_dump(mode="json"),
            due_date=to_date(r.due),
            weight=r.weight,
        )
        for i, r in enumerate(spec.requirements, start=1)
    )


def _campaign_move(*, campaign: Campaign, to: str, by: User | None) -> Campaign:
    _require(by, "campaigns.change_campaign", campaign)
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().select_related("root_unit").get(pk=campaign.pk)
        allowed = TRANSITIONS.get(locked.status, {})
        if to not in allowed:
            possible = "、".join(str(CampaignStatus(s).label) for s in allowed) or _("无")
            raise ValidationError(
                _("活动“%(title)s”当前为“%(now)s”，不能改为“%(to)s”（可改为：%(possible)s）。")
                % {
                    "title": locked.title,
                    "now": CampaignStatus(locked.status).label,
                    "to": CampaignStatus(to).label,
                    "possible": possible,
                },
                code="invalid_transition",
            )
        before = locked.status
        locked.status = to
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=by,
            action=f"campaigns.campaign.{allowed[to]}",
            obj=locked,
            before={"status": before},
            after={"status": to},
            unit_path=locked.root_unit.path,
        )
    campaign.status = locked.status
    campaign.updated_at = locked.updated_at
    return campaign


def campaign_activate(*, campaign: Campaign, by: User | None) -> Campaign:
    """Start a draft campaign, or reopen a closed one."""
    return _campaign_move(campaign=campaign, to=CampaignStatus.ACTIVE, by=by)


def campaign_close(*, campaign: Campaign, by: User | None) -> Campaign:
    return _campaign_move(campaign=campaign, to=CampaignStatus.CLOSED, by=by)


def campaign_setup(
    *,
    plan: Plan | None = None,
    plan_key: str | None = None,
    plan_source: str | None = None,
    root_unit: Unit,
    slug: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    title: str | None = None,
    activate: bool = False,
    by: User | None,
) -> Campaign:
    """Load the plan (a stored one, a built-in key or YAML text), create the campaign and optionally
    start it — all or nothing: a bad plan or a bad date leaves neither plan nor campaign behind."""
    with transaction.atomic():
        if plan is None:
            if plan_key is not None:
                plan = plan_load_builtin(key=plan_key, by=by)
            elif plan_source is not None:
                plan = plan_load(source=plan_source, by=by)
            else:
                raise ValidationError({"source": _("请选择内置方案或上传方案文件。")})
        campaign = campaign_create(
            plan=plan, root_unit=root_unit, slug=slug, start_date=start_date, end_date=end_date, title=title, by=by
        )
        if activate:
            campaign_activate(campaign=campaign, by=by)
    return campaign
