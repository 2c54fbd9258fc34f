"""The demo district: 溪湖区 with its streets, communities and departments, about 2,000 people,
one login per role, and the built-in plan running as a live campaign with its activities, leaders'
research topics, the problem ledger (with measures, progress and closings) and self-examinations.

Everything is built through the same services that users call, so the audit log, scopes and
validation all apply. Running it again finds the district and only resets the demo logins.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from taolun.accounts import services as account_services
from taolun.accounts.models import Role, User
from taolun.activities.demo import build_demo_activities
from taolun.articles.demo import STREET_REVIEWERS, build_demo_articles
from taolun.campaigns import services as campaign_services
from taolun.campaigns.models import Campaign
from taolun.core.services import notify
from taolun.discussion.demo import DISCUSSION_LIAISONS, build_demo_discussion
from taolun.orgs import services as org_services
from taolun.orgs.models import Person, Unit
from taolun.orgs.validators import ID_CHECK, ID_WEIGHTS
from taolun.problems.demo import build_demo_problems
from taolun.research.demo import build_demo_research

DEMO_PASSWORD = "taolun-demo-2018"  # noqa: S105 (printed for the demo on purpose)
DISTRICT_CODE = "210503"
CAMPAIGN_SLUG = "xihu-2018-demo"

STREETS = [
    ("河东街道", ["东兴", "彩北", "河东", "光明"]),
    ("河西街道", ["河西", "新华", "柳塘"]),
    ("彩屯街道", ["彩屯", "彩南", "牛心台"]),
    ("东风街道", ["东风", "永丰", "太河"]),
    ("竖井街道", ["竖井", "月牙岭", "青山"]),
    ("日月岛街道", ["日月岛", "卧龙"]),
    ("张其寨街道", ["张其寨", "桥北"]),
    ("石桥子街道", ["石桥子", "顺山"]),
    ("火连寨街道", ["火连寨", "胜利"]),
    ("歪头山镇", ["歪头山", "北台", "小堡"]),
]

DEPARTMENTS = [
    ("区政府办公室", ["办公室"]),
    ("区政府督查室", ["督查室"]),
    ("区政府信息中心", ["信息中心"]),
    ("区发展和改革局", ["经济"]),
    ("区财政局", ["经济"]),
    ("区教育局", ["民生"]),
    ("区民政局", ["民生"]),
    ("区人力资源和社会保障局", ["民生"]),
    ("区住房和城乡建设局", ["城建"]),
    ("区交通运输局", ["城建"]),
    ("区农业农村局", ["经济"]),
    ("区商务局", ["经济"]),
    ("区文化旅游和广播电视局", ["文化"]),
    ("区卫生健康局", ["民生"]),
    ("区退役军人事务局", ["民生"]),
    ("区应急管理局", ["安全"]),
    ("区审计局", ["监督"]),
    ("区市场监督管理局", ["监督"]),
    ("区统计局", ["经济"]),
    ("区医疗保障局", ["民生"]),
    ("区城市管理综合行政执法局", ["城建"]),
    ("区自然资源分局", ["城建"]),
    ("区生态环境分局", ["生态"]),
    ("区司法局", ["法治"]),
    ("区科技和工业信息化局", ["经济"]),
    ("区营商环境建设局", ["经济"]),
    ("区信访局", ["民生"]),
    ("区行政审批局", ["经济"]),
    ("区金融发展服务中心", ["经济"]),
    ("区机关事务服务中心", ["办公室"]),
]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红娥玲芬燕彬宇浩凯鹏"
    "辉斌波宁欣悦晨阳帆琳雪梅海峰建国志强丹亮新春光荣晓东立群"
)
LEADER_POSITIONS = ["主任", "副主任", "局长", "副局长", "书记", "副书记", "主任科员"]
STAFF_POSITIONS = ["科员", "副科长", "科长", "办事员", "网格员", "干事", "专员"]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    description: str


LOGINS = [
    DemoLogin(Role.ADMIN, "admin", "系统管理员（全部范围）"),
    DemoLogin(Role.OFFICE, "office", "区大讨论办公室/督查室（溪湖区全区）"),
    DemoLogin(Role.LIAISON, "liaison", "河东街道联络员（河东街道及所属社区）"),
    *(DemoLogin(Role.LIAISON, username, description) for username, _unit, description in DISCUSSION_LIAISONS),
    DemoLogin(Role.REVIEWER, "reviewer", "心得体会文章审阅人"),
    *(DemoLogin(Role.REVIEWER, username, description) for username, _street, description in STREET_REVIEWERS),
    DemoLogin(Role.PUBLICITY, "publicity", "区政府信息中心宣传人员"),
    DemoLogin(Role.CADRE, "leader", "领导干部（区发展和改革局局长）"),
    DemoLogin(Role.CADRE, "cadre", "党员干部（河东街道东兴社区）"),
    DemoLogin(Role.CITIZEN, "citizen", "群众（网上大讨论参与者）"),
]


def _id_number(rng: random.Random, birth: dt.date, seq: int) -> str:
    body = f"210503{birth:%Y%m%d}{seq % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def _person_fields(rng: random.Random, n: int, *, leader: bool) -> dict:
    birth = dt.date(rng.randint(1962, 1996), rng.randint(1, 12), rng.randint(1, 28))
    party = leader or rng.random() < 0.62
    return {
        "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
        "code": f"XH{n:05d}",
        "position": rng.choice(LEADER_POSITIONS if leader else STAFF_POSITIONS),
        "is_leading_cadre": leader,
        "is_party_member": party,
        "is_cadre": leader or rng.random() < 0.8,
        "phone": f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
        "id_number": _id_number(rng, birth, n),
        "training_batch": rng.randint(1, 4) if leader else None,
    }


def build_demo(
    *, people_target: int = 2000, today: dt.date | None = None, echo: Callable[[str], None] = print
) -> Campaign:
    """Build (or find) the demo district and campaign; returns the campaign."""
    existing = Campaign.objects.filter(slug=CAMPAIGN_SLUG).first()
    if existing is not None:
        echo("演示数据已存在，仅重置演示账号密码。")
        _reset_passwords()
        return existing
    today = today or timezone.localdate()
    rng = random.Random(2018)  # noqa: S311 (demo data, not security)
    with transaction.atomic():
        echo("正在创建组织机构……")
        province = org_services.unit_create(name="辽宁省", code="210000", kind="province", by=None)
        city = org_services.unit_create(name="本溪市", code="210500", kind="city", parent=province, by=None)
        district = org_services.unit_create(
            name="溪湖区", code=DISTRICT_CODE, kind="district", parent=city, tags=["区政府"], by=None
        )
        units: list[Unit] = []
        for i, (street_name, communities) in enumerate(STREETS, start=1):
            street = org_services.unit_create(
                name=street_name,
                code=f"{DISTRICT_CODE}-S{i:02d}",
                kind="street",
                parent=district,
                tags=["街道"],
                sort_order=i,
                by=None,
            )
            units.append(street)
            for j, community in enumerate(communities, start=1):
                suffix = "村" if street_name.endswith("镇") else "社区"
                units.append(
                    org_services.unit_create(
                        name=f"{community}{suffix}",
                        code=f"{DISTRICT_CODE}-S{i:02d}-C{j:02d}",
                        kind="community",
                        parent=street,
                        tags=[suffix],
                        sort_order=j,
                        by=None,
                    )
                )
        departments: dict[str, Unit] = {}
        for i, (dept_name, tags) in enumerate(DEPARTMENTS, start=1):
            dept = org_services.unit_create(
                name=dept_name,
                code=f"{DISTRICT_CODE}-D{i:02d}",
                kind="department",
                parent=district,
                tags=["部门", *tags],
                sort_order=100 + i,
                by=None,
            )
            departments[dept_name] = dept
            units.append(dept)

        echo("正在导入人员名册……")
        # Larger units get more people; every unit has leaders.
        weights = [3 if u.kind == "street" else 1 if u.kind == "community" else 2 for u in units]
        per_weight = people_target / sum(weights)
        n = 0
        for unit, weight in zip(units, weights, strict=True):
            size = max(4, round(per_weight * weight))
            leaders = 3 if unit.kind != "community" else 1
            for k in range(size):
                n += 1
                org_services.person_create(unit=unit, by=None, **_person_fields(rng, n, leader=k < leaders))
        # The district government team (区政府班子) sits in the district unit itself.
        for _k in range(7):
            n += 1
            org_services.person_create(unit=district, by=None, **_person_fields(rng, n, leader=True))

        echo("正在创建演示账号……")
        users = _create_logins(district=district, departments=departments, units=units)

        echo("正在按内置方案创建大讨论活动……")
        plan = campaign_services.plan_load_builtin(by=None)
        # Place the campaign so that today falls in its second stage, as in a campaign under way.
        start = today - dt.timedelta(days=40)
        campaign = campaign_services.campaign_create(
            plan=plan,
            root_unit=district,
            slug=CAMPAIGN_SLUG,
            start_date=start,
            title=f"{district.name}“{plan_short_title(plan)}”",
            by=users["office"],
        )
        campaign_services.campaign_activate(campaign=campaign, by=users["office"])
        echo("正在安排学习研讨、培训和视察活动……")
        cadre = Person.objects.filter(user=users["cadre"]).first()
        build_demo_activities(
            campaign=campaign,
            district=district,
            hedong=next(u for u in units if u.name == "河东街道"),
            cadre=cadre,
        )
        echo("正在登记调研课题、建立问题清单和整改台账……")
        topics = build_demo_research(
            campaign=campaign, district=district, leader=Person.objects.filter(user=users["leader"]).first()
        )
        build_demo_problems(campaign=campaign, district=district, topics=topics, cadre=cadre)
        echo("正在撰写、审阅心得体会文章，导入比对文库……")
        build_demo_articles(campaign=campaign, district=district, password=DEMO_PASSWORD, echo=echo)
        echo("正在开展网上大讨论：导入线下意见，群众发言、投票、评论，部门答复……")
        build_demo_discussion(campaign=campaign, district=district, password=DEMO_PASSWORD, echo=echo)
        notify(
            recipients=User.objects.filter(person__unit__path__startswith=district.path),
            title=f"{campaign.title}已启动",
            body="请登录查看本阶段对您的工作要求和截止日期。",
            url="/",
            kind="campaign",
            dedupe_key=f"campaign-start-{campaign.pk}",
        )
    return campaign


def plan_short_title(plan) -> str:  # type: ignore[no-untyped-def]
    from taolun.campaigns.plan import parse_plan

    return parse_plan(plan.source).short_title or plan.title


def _create_logins(*, district: Unit, departments: dict[str, Unit], units: list[Unit]) -> dict[str, User]:
    admin = account_services.user_create(
        username="admin", password=DEMO_PASSWORD, display_name="系统管理员", is_superuser=True, by=None
    )
    account_services.role_assign(user=admin, role=Role.ADMIN, unit=None, by=admin)
    users = {"admin": admin}
    hedong = next(u for u in units if u.name == "河东街道")
    hedong_community = next(u for u in units if u.parent_id == hedong.pk)
    scopes = {
        "office": (Role.OFFICE, district, "督查室"),
        "liaison": (Role.LIAISON, hedong, "河东街道联络员"),
        "reviewer": (Role.REVIEWER, district, "文章审阅人"),
        "publicity": (Role.PUBLICITY, district, "信息中心宣传员"),
    }
    for username, (role, unit, title) in scopes.items():
        user = account_services.user_create(
            username=username, password=DEMO_PASSWORD, display_name=title, email=f"{username}@xihu.example", by=admin
        )
        account_services.role_assign(user=user, role=role, unit=unit, by=admin)
        users[username] = user
    # Cadres log in as people of the roster.
    leader_person = (
        Person.objects.filter(unit=departments["区发展和改革局"], is_leading_cadre=True).order_by("id").first()
    )
    cadre_person = (
        Person.objects.filter(unit=hedong_community, is_party_member=True, is_leading_cadre=False)
        .order_by("id")
        .first()
    )
    for username, person in (("leader", leader_person), ("cadre", cadre_person)):
        if person is None:
            raise RuntimeError("the demo roster has no person for the demo login " + username)
        user = account_services.user_create(
            username=username,
            password=DEMO_PASSWORD,
            display_name=person.name,
            email=f"{username}@xihu.example",
            by=admin,
        )
        org_services.person_update(person=person, user=user, by=admin)
        account_services.role_assign(user=user, role=Role.CADRE, unit=None, by=admin)
        users[username] = user
    citizen = account_services.user_create(username="citizen", password=DEMO_PASSWORD, display_name="热心市民", by=None)
    account_services.role_assign(user=citizen, role=Role.CITIZEN, unit=None, by=admin)
    users["citizen"] = citizen
    return users


def _reset_passwords() -> None:
    for user in User.objects.filter(username__in=[login.username for login in LOGINS]):
        account_services.user_password_set(user=user, password=DEMO_PASSWORD, by=None)


def login_table() -> list[tuple[str, str, str, str]]:
    return [(str(Role(login.role).label), login.username, DEMO_PASSWORD, login.description) for login in LOGINS]
