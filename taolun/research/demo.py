"""The demo district's research topics (调研课题): what leading cadres have under way forty days in.

Built through the services, as the leaders and the office would (``by=None``, so every step has its
audit entry): the district team's topics — one accepted, one reported and waiting for the office, one
returned with a reason — the demo leader's topic in progress with two dated updates (ready to report),
a street leader's topic registered, a department leader's still a draft, and two more in progress.
Other leaders have none yet, so the coverage page shows who is missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from taolun.campaigns.models import Campaign
from taolun.orgs.models import Person, Unit

from . import services
from .models import ResearchTopic, TopicStatus


@dataclass(frozen=True)
class TopicSpec:
    unit: str  # the leader's unit (its name); the district itself is "溪湖区"
    rank: int  # which of the unit's leading cadres (by roster order)
    status: str
    title: str
    theme: str
    contact: str  # the contact point (联系点) unit's name
    plan: str
    other_members: str
    updates: tuple[tuple[int, str], ...]  # (days after the campaign start, what was done)
    findings: str = ""
    countermeasures: str = ""
    verdict: str = ""  # the office's note on acceptance, or the reason it was returned


TOPICS = [
    TopicSpec(
        "溪湖区",
        0,
        TopicStatus.ACCEPTED,
        "深化“放管服”改革推进政务服务“一网通办”调研",
        "benchmarking",
        "区行政审批局",
        "对标沈阳、大连等地经验，梳理全区政务服务事项网上可办率；走访区政务服务中心窗口和企业代表，"
        "召开部门座谈会2次，形成调研报告和对策建议。",
        "区行政审批局窗口负责人、区营商环境建设局业务骨干",
        (
            (6, "到区政务服务中心实地调研，现场体验企业开办、不动产登记等6个高频事项的办理流程。"),
            (14, "召开行政审批、市场监管、不动产登记等部门座谈会，梳理出需多次跑腿的事项37项。"),
            (22, "赴沈阳市浑南区学习“一网通办”经验，形成对标清单。"),
        ),
        "全区政务服务事项网上可办率为61%，低于全省平均水平；部门业务系统不互通，企业开办仍需提交重复材料；"
        "窗口人员“多干多错”思想仍然存在。",
        "一是年内建成统一受理平台，高频事项实现“一网通办”；二是推行“容缺受理”和“首问负责”；"
        "三是把办事群众满意度纳入部门绩效考核。",
        "报告问题找得准、对策可操作，同意验收；请把三条对策列入问题清单跟踪落实。",
    ),
    TopicSpec(
        "溪湖区",
        1,
        TopicStatus.REPORTED,
        "老旧小区改造与城市更新调研",
        "key-tasks",
        "彩北社区",
        "选取彩北、东兴等5个老旧小区，入户走访居民100户，摸清雨污分流、供暖和加装电梯需求。",
        "区住房和城乡建设局城建科",
        (
            (9, "到彩北社区入户走访居民32户，收集意见建议41条，集中在雨季积水和冬季供暖不达标。"),
            (19, "与热力公司、住建局会商老旧管网改造计划，明确改造资金来源。"),
        ),
        "全区2000年前建成的老旧小区有46个，其中雨污合流的17个；居民对改造进度满意度不高，"
        "主要原因是改造项目审批周期长、居民意见征集不充分。",
        "一是建立“居民点单、部门接单”机制；二是按“一小区一方案”分三年完成雨污分流；三是建立与热力公司的季度会商制度。",
    ),
    TopicSpec(
        "溪湖区",
        2,
        TopicStatus.RETURNED,
        "民营经济发展环境调研",
        "confidence",
        "区营商环境建设局",
        "走访规模以上民营企业20家，召开企业家座谈会，梳理惠企政策落实中的堵点。",
        "",
        ((11, "走访民营企业8家，了解用地、融资和用工方面的困难。"),),
        "企业反映融资难、用地难。",
        "加大支持力度。",
        "对策建议过于笼统，请针对融资难、用地难分别提出可操作、可考核的具体措施后重新报送。",
    ),
    TopicSpec(
        "区发展和改革局",
        0,
        TopicStatus.IN_PROGRESS,
        "招商引资项目落地难问题调研",
        "shortcomings",
        "河东街道",
        "梳理近三年签约未落地项目，逐一分析原因；走访签约企业15家，提出加快项目落地的对策建议。",
        "区商务局项目科工作人员",
        (
            (12, "梳理近三年签约项目58个，其中未落地19个，建立问题台账。"),
            (25, "走访签约企业6家，企业集中反映土地手续办理慢、配套设施不到位。"),
        ),
    ),
    TopicSpec(
        "河东街道",
        0,
        TopicStatus.REGISTERED,
        "社区网格化治理与居民服务调研",
        "work-style",
        "东兴社区",
        "在东兴、光明两个社区蹲点调研，了解网格员配备、事项办理和居民满意度情况。",
        "",
        (),
    ),
    TopicSpec(
        "区民政局",
        0,
        TopicStatus.IN_PROGRESS,
        "居家和社区养老服务体系建设调研",
        "key-tasks",
        "东风社区",
        "调研全区社区养老服务站运营情况，听取老年人和家属意见，研究补齐护理人员短板的办法。",
        "区卫生健康局老龄科",
        ((16, "实地查看社区养老服务站6处，其中2处白天无人值守，护理员缺口约30人。"),),
    ),
    TopicSpec(
        "区生态环境分局",
        0,
        TopicStatus.IN_PROGRESS,
        "太子河流域生态环境治理调研",
        "shortcomings",
        "彩屯街道",
        "沿太子河溪湖段实地踏查，摸清沿岸散乱污企业和排污口底数，提出综合整治方案。",
        "",
        (
            (8, "沿太子河溪湖段踏查12公里，发现疑似排污口9处。"),
            (20, "会同彩屯街道核查沿岸企业23家，其中散乱污企业7家。"),
        ),
    ),
    TopicSpec(
        "区教育局",
        0,
        TopicStatus.DRAFT,
        "城区义务教育学位供给调研",
        "key-tasks",
        "河西街道",
        "",
        "",
        (),
    ),
]


def _unit(district: Unit, name: str) -> Unit:
    if name == district.name:
        return district
    return Unit.objects.get(path__startswith=district.path, name=name)


def _leader(unit: Unit, rank: int) -> Person | None:
    leaders = list(Person.objects.filter(unit=unit, is_leading_cadre=True, is_active=True).order_by("id"))
    return leaders[rank] if rank < len(leaders) else None


def build_demo_research(*, campaign: Campaign, district: Unit, leader: Person | None = None) -> list[ResearchTopic]:
    """Create the demo topics (the demo leader's is the one of 区发展和改革局's first leading cadre)."""
    start = campaign.start_date
    today = timezone.localdate()
    themes = {t.key: t for t in campaign.themes.all()}
    topics: list[ResearchTopic] = []
    for spec in TOPICS:
        unit = _unit(district, spec.unit)
        person = leader if leader is not None and spec.unit == "区发展和改革局" else _leader(unit, spec.rank)
        if person is None:
            continue
        team = [p for p in Person.objects.filter(unit=unit, is_active=True).order_by("id")[:6] if p.pk != person.pk]
        topic = services.topic_create(
            campaign=campaign,
            leader=person,
            title=spec.title,
            theme=themes.get(spec.theme),
            contact_unit=_unit(district, spec.contact),
            members=team[:3],
            other_members=spec.other_members,
            plan=spec.plan,
            by=None,
        )
        if spec.status != TopicStatus.DRAFT:
            topic = services.topic_register(topic=topic, by=None)
        for offset, content in spec.updates:
            day = min(start + dt.timedelta(days=offset), today)
            services.topic_progress(topic=topic, happened_on=day, content=content, by=None)
        if spec.status in (TopicStatus.REPORTED, TopicStatus.ACCEPTED, TopicStatus.RETURNED):
            topic = services.topic_report(
                topic=topic, findings=spec.findings, countermeasures=spec.countermeasures, by=None
            )
        if spec.status == TopicStatus.ACCEPTED:
            topic = services.topic_accept(topic=topic, note=spec.verdict, by=None)
        elif spec.status == TopicStatus.RETURNED:
            topic = services.topic_return(topic=topic, reason=spec.verdict, by=None)
        topics.append(topic)
    return topics
