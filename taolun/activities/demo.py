"""The demo district's activities: what a campaign forty days under way has held, and what comes next.

Built through the services, as a liaison and the office would: the district's study session and
inspection visit, the leading cadres' training in four batches, each street's study session and
seminar (河东街道's seminar still misses one speech, so its requirement shows as pending), and a
seminar today with check-in open for the demo cadre.
"""

from __future__ import annotations

import datetime as dt
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taolun.campaigns.models import Campaign
from taolun.orgs.models import Person, Unit

from . import checkin, records, services
from .models import Activity, OpinionSource

SPEECHES = [
    "把自己摆进去，对照六项重点工作查找差距：我分管的项目审批环节仍有材料重复提交的问题，下一步推行一次告知、并联审批。",
    "结合联系点包扶工作，社区居民反映老旧小区供暖不达标，建议与热力公司建立季度会商机制，限期解决。",
    "解放思想首先要破除“多干多错、少干少错”的心态，我们科室将把群众满意度纳入每月考核。",
    "对标先进地区经验，营商环境的差距主要在服务意识，建议推行首问负责和容缺受理。",
    "思想观念短板突出表现在等靠要，要把上级政策吃透用足，主动对接项目和资金。",
]
OPINIONS = [
    ("economy", OpinionSource.ENTERPRISE, "本溪某钢铁配套企业", "希望区里协调解决用地指标，扩大生产线。"),
    ("urban-rural", OpinionSource.PUBLIC, "彩北社区居民", "老旧小区雨污分流改造拖了两年，雨季积水严重。"),
    ("ecology", OpinionSource.DEPUTY, "区人大代表", "太子河沿岸仍有散乱污企业，建议开展专项整治。"),
    ("livelihood", OpinionSource.PUBLIC, "东风街道居民", "社区养老服务站白天无人值守，希望增加护理员。"),
    ("reform-opening", OpinionSource.EXPERT, "本溪高校教师", "政务服务“一网通办”事项覆盖率仍低，建议对标先进地区。"),
    ("culture", OpinionSource.ORGANISATION, "文化志愿者协会", "希望开放更多公共文化场馆的夜间服务。"),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _photo(color: tuple[int, int, int], name: str) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 80, 880, 560), outline=(255, 255, 255), width=12)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _hold(
    activity: Activity, people: list[Person], *, rng: random.Random, minutes: str = "", speeches: int = 0
) -> None:
    """Invite ``people``, mark most of them present, write minutes and speeches."""
    ids = [p.pk for p in people]
    services.invitations_add(activity=activity, people=Person.objects.filter(pk__in=ids), by=None)
    absent = set(rng.sample(ids, k=len(ids) // 10)) if len(ids) >= 10 else set()
    # Marked as the paper sign-in sheet says: present when the activity began.
    checkin.attendance_mark(
        activity=activity, present=[i for i in ids if i not in absent], by=None, now=activity.start_at
    )
    if minutes:
        records.minutes_save(activity=activity, minutes=minutes, by=None)
    present = [p for p in people if p.pk not in absent]
    for i, person in enumerate(present[:speeches]):
        records.speech_save(activity=activity, person=person, content=SPEECHES[i % len(SPEECHES)], by=None)


def build_demo_activities(*, campaign: Campaign, district: Unit, hedong: Unit, cadre: Person | None) -> None:
    rng = random.Random(42)  # noqa: S311 (demo data, not security)
    start = campaign.start_date
    today = timezone.localdate()
    leaders = list(Person.objects.filter(unit__path__startswith=district.path, is_leading_cadre=True))
    team = list(Person.objects.filter(unit=district, is_leading_cadre=True))

    study = services.activity_create(
        campaign=campaign,
        unit=district,
        kind="study",
        title="区政府党组理论学习中心组集中学习",
        start_at=_at(start + dt.timedelta(days=4), 9),
        end_at=_at(start + dt.timedelta(days=4), 11, 30),
        place="区政府三楼会议室",
        host="区长",
        agenda="一、学习习近平总书记在辽宁考察时的重要讲话精神\n二、部署开展解放思想推动高质量发展大讨论",
        themes=campaign.themes.filter(key__in=["confidence", "party-leadership"]),
        by=None,
    )
    _hold(study, team, rng=rng, minutes="会议传达学习了省委、市委关于开展大讨论的实施方案，研究部署了全区大讨论工作。")

    for batch in (1, 2, 3, 4):
        day = start + dt.timedelta(days=8 + 3 * batch)
        training = services.activity_create(
            campaign=campaign,
            unit=district,
            kind="training",
            title=f"领导干部专题培训（第{batch}期）",
            start_at=_at(day, 8, 30),
            end_at=_at(day, 17),
            place="区委党校报告厅",
            batch=batch,
            by=None,
        )
        batch_people = [p for p in leaders if p.training_batch == batch]
        if batch < 4:
            _hold(training, batch_people, rng=rng)
        else:
            services.invitations_add(
                activity=training, people=Person.objects.filter(pk__in=[p.pk for p in batch_people]), by=None
            )

    inspection = services.activity_create(
        campaign=campaign,
        unit=district,
        kind="inspection",
        title="区政府班子成员视察活动",
        start_at=_at(start + dt.timedelta(days=24), 8, 30),
        end_at=_at(start + dt.timedelta(days=24), 16, 30),
        place="全区重点项目和民生工程",
        dimensions=campaign.dimensions.all(),
        by=None,
    )
    _hold(inspection, team, rng=rng)
    records.inspection_save(
        activity=inspection,
        places_visited=["彩北社区老旧小区改造现场", "太子河沿岸治理工程", "区政务服务中心", "东风街道养老服务站"],
        evaluation="全区高质量发展总体态势良好，但老旧小区改造进度偏慢，政务服务便利度与先进地区仍有差距。",
        proposals="一是加快老旧小区雨污分流改造；二是推进政务服务一网通办；三是补齐社区养老服务短板。",
        by=None,
    )
    dimensions = {d.key: d for d in campaign.dimensions.all()}
    for key, source, name, content in OPINIONS:
        records.opinion_add(
            activity=inspection,
            content=content,
            dimension=dimensions.get(key),
            source_kind=source,
            source_name=name,
            by=None,
        )
    records.attachment_add(
        activity=inspection, upload=_photo((179, 38, 30), "inspection.jpg"), kind="photo", caption="视察现场", by=None
    )

    streets = list(Unit.objects.filter(parent=district, kind="street").order_by("sort_order"))
    for i, street in enumerate(streets):
        people = list(Person.objects.filter(unit=street).order_by("id"))
        study_day = start + dt.timedelta(days=5 + i % 5)
        session = services.activity_create(
            campaign=campaign,
            unit=street,
            kind="study",
            title=f"{street.name}集中学习研讨",
            start_at=_at(study_day, 14),
            end_at=_at(study_day, 16),
            place=f"{street.name}会议室",
            by=None,
        )
        _hold(session, people, rng=rng, minutes=f"{street.name}党工委组织集中学习，交流了解放思想的认识体会。")
        if i < 6:
            seminar_day = start + dt.timedelta(days=12 + i)
            seminar = services.activity_create(
                campaign=campaign,
                unit=street,
                kind="seminar",
                title=f"{street.name}解放思想专题研讨会",
                start_at=_at(seminar_day, 9),
                end_at=_at(seminar_day, 11, 30),
                place=f"{street.name}会议室",
                themes=campaign.themes.filter(key__in=["shortcomings", "work-style"]),
                by=None,
            )
            # 河东街道 still has one speech to record: its seminar requirement stays pending.
            missing = 1 if street.pk == hedong.pk else 0
            present = max(len(people) - len(people) // 10, 0)
            _hold(
                seminar,
                people,
                rng=rng,
                minutes="与会人员逐一发言，把自己摆进去、把职责摆进去、把工作摆进去。",
                speeches=present - missing,
            )

    now = timezone.now()
    if campaign.start_date <= today <= campaign.end_date:
        upcoming = services.activity_create(
            campaign=campaign,
            unit=hedong,
            kind="seminar",
            title=f"{hedong.name}“查摆问题”专题研讨会",
            start_at=now - dt.timedelta(minutes=20),
            end_at=now + dt.timedelta(hours=3),
            place=f"{hedong.name}二楼会议室",
            host=f"{hedong.name}党工委书记",
            agenda="一、通报查摆问题情况\n二、与会人员逐一发言\n三、研究整改措施",
            themes=campaign.themes.filter(key="shortcomings"),
            by=None,
        )
        invitees = Person.objects.filter(unit__path__startswith=hedong.path, is_party_member=True)
        services.invitations_add(activity=upcoming, people=invitees, by=None)
        if cadre is not None:
            services.invitations_add(activity=upcoming, people=Person.objects.filter(pk=cadre.pk), by=None)
