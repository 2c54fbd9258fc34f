"""The demo district's online discussion (网上大讨论), under way.

Built as the office, the residents and the departments would, through the same code they use:

* the discussion's settings (先发后审, reply deadlines by kind, hiding after three reports), routing
  rules sending each theme to a department of 溪湖区, and a short sensitive-word list;
* a few hundred real citizen messages (``../shared/corpus/citizen-messages``, read at demo time and
  never copied into the repository; without the corpus, the stand-ins below) converted in memory to
  the import template and loaded through :func:`taolun.discussion.imports.import_offline`, each under
  one of the six themes by the words of its title, with varied offline sources (12345热线, 书面意见,
  走访调研 …), dated through the campaign so far; the messages of the reply file name their
  responsible unit (河东街道, 区住房和城乡建设局, 区发展和改革局);
* eight residents with nicknames who post, support and oppose (following the messages' own like and
  dislike counts, scaled down), comment in threads, follow and report; the demo ``citizen`` posts two
  suggestions;
* the departments' liaisons answer with the messages' real official replies; the authors rate them —
  满意, 基本满意 and one 不满意 that reopens its suggestion;
* one post held by a sensitive word in the moderation queue, one hidden after three reports, and two
  routed messages left unanswered past their deadline (their routing dated back, as if imported
  weeks ago), which the reminder run chases (催办) and escalates (督办).

Building again finds the suggestions and changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from taolun.accounts import services as account_services
from taolun.accounts.models import Role, User
from taolun.campaigns.models import Campaign, Theme
from taolun.orgs.models import Unit
from taolun.text.tests import corpus

from . import services
from .imports import TEMPLATE_HEADER, import_offline
from .models import Comment, Rating, ReportReason, Source, Suggestion, Visibility, Vote

MESSAGES = corpus.CORPUS / "citizen-messages"
WITH_VOTES = MESSAGES / "messages-with-votes.csv"
WITH_REPLIES = MESSAGES / "messages-with-replies.csv"

# How many messages of each theme the demo takes from the file with votes (the most liked first, then
# a spread), and how many answered messages from the file with replies.
VOTED_PER_THEME = {"key-tasks": 70, "confidence": 35, "benchmarking": 35, "shortcomings": 35, "work-style": 35}
VOTED_DEFAULT = 30
ANSWERED_PER_THEME = 10
POSTED_ONLINE = 5  # answered messages posted online by the demo citizen and residents instead of imported
UNANSWERED_SHARE = 0.25  # of the imported answered messages, left awaiting their reply

# Themes by the words of a message's title, the first rule that matches; the rest are 重点工作 (民生).
THEME_WORDS = {
    "party-leadership": "党员、党组织、党建、支部、村委、居委、村干部、村支书、书记、腐败、"
    "纪委、贪污、违纪、村务、选举、换届、挪用、侵吞、骗取",
    "work-style": "不作为、推诿、态度、拖延、敷衍、扯皮、工作人员、乱收费、刁难、不回复、"
    "踢皮球、效率、执法、城管、滥用、无人管、没人管、不管、投诉",
    "shortcomings": "审批、手续、办证、证件、政策、补贴、公积金、社保、医保、户口、落户、"
    "营业执照、税、不动产、房产证、产权、养老保险、退休、编制、待遇",
    "benchmarking": "智慧、网上、互联网、一网、先进、经验、APP、平台、信息化、电子、线上、数字、改革、建议、规划、提升",
    "confidence": "企业、创业、投资、产业、招商、经济、就业、人才、科技、旅游、项目、发展、"
    "园区、工资、欠薪、拖欠、营商、商户、公司、市场",
}
THEME_RULES = [(key, tuple(words.split("、"))) for key, words in THEME_WORDS.items()]
DEFAULT_THEME = "key-tasks"

# Who answers each theme, and the campaign's default; the units are the demo district's.
ROUTES = {
    "confidence": "区发展和改革局",
    "benchmarking": "区营商环境建设局",
    "shortcomings": "区行政审批局",
    "key-tasks": "区住房和城乡建设局",
    "party-leadership": "区政府督查室",
    "work-style": "区政府督查室",
}
DEFAULT_ROUTE = "区政府办公室"

# Department liaisons who answer in the demo (username, unit, description); ``taolun.demo`` prints them
# with the other logins. The street's own ``liaison`` answers for 河东街道.
DISCUSSION_LIAISONS = [
    ("liaison-zj", "区住房和城乡建设局", "区住房和城乡建设局联络员（答复网上大讨论的群众建言）"),
    ("liaison-fg", "区发展和改革局", "区发展和改革局联络员（答复网上大讨论的群众建言）"),
]
# The units that answer the messages of the reply file (by name or by unit code in the import file).
ANSWERING = ["河东街道", "区住房和城乡建设局", "区发展和改革局"]

WORDS = {
    "违法信息": ["法轮功", "代开发票", "办假证", "六合彩", "赌博网站", "出售枪支", "枪支弹药", "高利贷", "裸聊"],
    "辱骂": ["狗官", "王八蛋", "傻逼", "去死吧"],
}

RESIDENTS = [
    ("resident-lao-zhang", "溪湖老张"),
    ("resident-xiao-li", "河东小李"),
    ("resident-wang", "彩屯王姐"),
    ("resident-liu", "东风刘师傅"),
    ("resident-chen", "竖井陈老师"),
    ("resident-zhao", "火连寨老赵"),
    ("resident-sun", "日月岛小孙"),
    ("resident-zhou", "石桥子周大爷"),
]

# Offline sources with how often each occurs, and the prefix of their numbers (12345 keeps its own).
SOURCES = [
    (Source.HOTLINE, 50, ""),
    (Source.PAPER, 20, "SM"),
    (Source.INSPECTION, 15, "ZF"),
    (Source.MEETING, 10, "ZT"),
    (Source.OTHER, 5, "QT"),
]
SOURCE_NAMES = {
    Source.HOTLINE: "12345热线",
    Source.PAPER: "书面意见",
    Source.INSPECTION: "走访调研",
    Source.MEETING: "座谈会",
    Source.OTHER: "其他渠道",
}
KIND_RULES = [
    ("咨询", ("请问", "咨询", "是否", "能否", "何时", "什么时候", "怎么办", "吗", "？", "?")),
    ("投诉", ("投诉", "举报", "违规", "违法", "乱", "扰民", "污染")),
    ("求助", ("求助", "救助", "帮忙", "帮助", "困难")),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"

COMMENTS = [
    "我家就住在附近，情况属实，希望尽快解决。",
    "同意楼上的意见，建议相关部门到现场实地看一看。",
    "这个问题反映过好几次了，希望这次能有个明确的说法。",
    "补充一点：晚上这一段没有路灯，老人孩子走更危险。",
    "上周看到有工作人员来测量了，应该快有进展了。",
    "支持！我们小区也有类似的问题，一并考虑一下。",
    "建议把处理进度在平台上公开，大家一起监督。",
    "感谢反映，这件事关系到很多家庭，值得重视。",
    "能不能先出一个临时办法，别等全部方案定了再动？",
    "我觉得还要听听周边商户的意见，兼顾各方。",
]
THREADS = [  # (comment index, reply-to: index in this thread or None)
    (0, None),
    (1, 0),
    (4, 1),
    (3, None),
    (5, None),
    (6, 4),
]
HELD_POST = (
    "小区楼道里的小广告该管管了",
    "我们楼道和单元门上贴满了小广告，写着代开发票、办假证，还有各种电话号码，撕了又贴。"
    "希望社区和城管定期清理，也查一查这些发广告的人。",
)
SPAM_POST = (
    "二手家电低价转让",
    "本人有一批二手家电低价转让，冰箱、洗衣机、空调都有，九成新，价格好商量，有意者加微信详谈，非诚勿扰。",
)

# Used only when the corpus is not there: messages of the same shape (title, body, likes, dislikes,
# the department's reply or "").
STAND_INS: list[tuple[str, str, int, int, str]] = [
    (
        "老旧小区雨季积水严重",
        "我们小区是上世纪八十年代建的，每到雨季楼前就积水，深的地方没过脚踝，老人出门很不方便。希望把排水管网改造纳入计划。",
        35,
        1,
        "您反映的小区积水问题已收悉。经现场查看，该小区雨水管网老化堵塞，我局已安排疏通，并将管网改造列入今年老旧小区改造计划，预计汛期前完工。感谢您的关心。",
    ),
    (
        "建议增加早晚高峰公交班次",
        "早上七点到八点之间公交车太挤，经常等两三趟才能上去。建议高峰时段加密班次，或者开通到工业园区的直达线路。",
        28,
        0,
        "",
    ),
    (
        "社区养老服务站白天经常没人",
        "社区的养老服务站挂了牌子，但白天去经常锁着门，老人想去坐坐、量量血压都不行。希望规定开放时间并公示。",
        19,
        0,
        "经核实，该服务站因人员调整一度未能正常开放。街道已配齐工作人员，每周一至周六上午八点半至下午四点半开放，并在门口公示开放时间和联系电话。",
    ),
    (
        "冬季供暖温度不达标",
        "去年冬天家里温度只有十五六度，打电话给供暖公司说是管道问题，一直没有解决。今年供暖前能否检修一下？",
        24,
        2,
        "",
    ),
    (
        "菜市场周边占道经营影响通行",
        "早市的摊位摆到了马路上，私家车、公交车都过不去，还留下很多垃圾。建议划定经营区域，加强早市后的保洁。",
        12,
        3,
        "您反映的问题我局已会同街道进行整治，划定了早市经营区域并设置了隔离设施，早市结束后安排专人保洁。欢迎继续监督。",
    ),
    (
        "请问孩子上学的学位是否够用",
        "新建小区入住的家庭越来越多，今年秋天孩子要上小学，听说片区学校学位紧张，请问教育部门有什么安排？",
        16,
        0,
        "",
    ),
    (
        "办事要跑好几个窗口",
        "上个月办理营业执照变更，前后跑了三个窗口，材料交了两遍。建议推行一窗受理，材料共享，少让群众跑腿。",
        22,
        1,
        "感谢您的建议。区政务服务中心已推行综合窗口一窗受理，营业执照变更等事项材料实行内部流转，群众只需提交一次。",
    ),
    (
        "希望在河边修建健身步道",
        "太子河边风景很好，但是没有像样的步道，晚上散步的人很多，建议修一条带路灯的健身步道。",
        31,
        0,
        "",
    ),
    (
        "小区物业不作为，垃圾长期不清运",
        "我们小区的物业收了物业费却不干事，垃圾桶满了好几天也不清运，夏天气味很大。请有关部门督促物业履职。",
        18,
        0,
        "经街道和社区现场督办，物业公司已增加垃圾清运频次，每天清运两次，并承诺建立保洁巡查台账。社区将持续跟踪。",
    ),
    (
        "建议公开村务财务收支",
        "村里的集体收入和支出从来没有公开过，村民心里没底。希望按规定定期公开村务财务，接受村民监督。",
        14,
        0,
        "",
    ),
    (
        "企业招工难，希望搭建用工对接平台",
        "我们是园区的一家小企业，常年招不到技术工人。希望政府搭建企业和求职者的对接平台，多办几场专场招聘会。",
        9,
        0,
        "区人社局每月在园区举办一场专场招聘会，并上线了网上用工对接平台，欢迎贵企业登记用工需求，我们将安排专人对接。",
    ),
    (
        "灵活就业人员社保缴费咨询",
        "我是灵活就业人员，想问一下社保缴费基数怎么选，能不能在网上缴费，断缴几个月以后还能不能补缴？",
        11,
        0,
        "",
    ),
    (
        "路灯坏了很久没人修",
        "小区门口那条路的路灯坏了三个多月，晚上一片漆黑，已经有人摔倒了。多次打电话都说会处理，一直没人来。",
        26,
        0,
        "",
    ),
]


@dataclass
class Message:
    ref: str
    title: str
    body: str
    likes: int
    dislikes: int
    reply: str
    theme: str


def _local(text: str) -> str:
    """A message of the corpus placed in the demo district (its places are anonymised as A市, A3区 …)."""
    text = re.sub(r"A\d*[区县]", "溪湖区", text.replace("A市", "本溪市").replace("西地省", "辽宁省"))
    return text.strip()


def _elsewhere(text: str) -> bool:
    """Whether the message is about another (anonymised) city or county."""
    return bool(re.search(r"[A-Z]\d*[市区县]", text))


def theme_of(title: str) -> str:
    for key, words in THEME_RULES:
        if any(word in title for word in words):
            return key
    return DEFAULT_THEME


def _kind_of(title: str) -> str:
    for name, words in KIND_RULES:
        if any(word in title for word in words):
            return name
    return "建议"


def _read(path: Path, *, replies: bool) -> Iterator[Message]:
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            title = _local(row.get("留言主题") or "")
            body = _local(row.get("留言详情") or "")
            reply = _local(row.get("答复意见") or "") if replies else ""
            if _elsewhere(title + body + reply) or not 10 <= len(body) <= 3000 or not 4 <= len(title) <= 60:
                continue
            if replies and not 20 <= len(reply) <= 5000:
                continue
            yield Message(
                ref=(row.get("留言编号") or "").strip(),
                title=title,
                body=body,
                likes=int(row.get("点赞数") or 0),
                dislikes=int(row.get("反对数") or 0),
                reply=reply,
                theme=theme_of(title),
            )


def _pick(messages: list[Message], quota: dict[str, int], default: int, rng: random.Random) -> list[Message]:
    """Per theme, the most liked half of its quota and a spread of the rest."""
    by_theme: dict[str, list[Message]] = {}
    for message in messages:
        by_theme.setdefault(message.theme, []).append(message)
    picked: list[Message] = []
    for theme, group in sorted(by_theme.items()):
        wanted = quota.get(theme, default)
        group.sort(key=lambda m: (-m.likes, m.ref))
        top = group[: wanted // 2]
        rest = group[wanted // 2 :]
        picked += top + rng.sample(rest, min(len(rest), wanted - len(top)))
    return picked


def corpus_messages(rng: random.Random) -> tuple[list[Message], list[Message]]:
    """(messages with votes, answered messages) for the demo: from the corpus, else the stand-ins."""
    if WITH_VOTES.is_file() and WITH_REPLIES.is_file():
        voted = _pick(list(_read(WITH_VOTES, replies=False)), VOTED_PER_THEME, VOTED_DEFAULT, rng)
        answered = _pick(list(_read(WITH_REPLIES, replies=True)), {}, ANSWERED_PER_THEME, rng)
        seen = {m.body for m in voted}
        answered = [m for m in answered if m.body not in seen]
        if voted and len(answered) > POSTED_ONLINE:
            return voted, answered
    voted, answered = [], []
    for n, (title, body, likes, dislikes, reply) in enumerate(STAND_INS, start=1):
        message = Message(f"DEMO{n:03d}", title, body, likes, dislikes, reply, theme_of(title))
        (answered if reply else voted).append(message)
    return voted, answered


def _import_file(
    voted: list[Message],
    answered: list[Message],
    themes: dict[str, Theme],
    units: dict[str, Unit],
    campaign: Campaign,
    rng: random.Random,
) -> tuple[bytes, dict[str, Message]]:
    """The messages as an import file (UTF-8 CSV in the template's columns) and each row's message by its
    source number."""
    start = timezone.make_aware(dt.datetime.combine(campaign.start_date, dt.time(8)))
    span = max((timezone.now() - dt.timedelta(days=1) - start).total_seconds(), 3600.0)
    rows = [(m, None) for m in voted] + [(m, ANSWERING[i % len(ANSWERING)]) for i, m in enumerate(answered)]
    times = sorted(start + dt.timedelta(seconds=rng.uniform(0, span)) for _row in rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_HEADER)
    by_ref: dict[str, Message] = {}
    counters = {source: 0 for source, _w, _p in SOURCES}
    for n, ((message, department), at) in enumerate(zip(rows, times, strict=True)):
        source, _weight, prefix = rng.choices(SOURCES, weights=[w for _s, w, _p in SOURCES])[0]
        counters[source] += 1
        ref = f"12345-{message.ref}" if source == Source.HOTLINE else f"{prefix}{counters[source]:04d}"
        by_ref[ref] = message
        theme = themes[message.theme]
        name = rng.choice(SURNAMES) + rng.choice(("先生", "女士")) if rng.random() < 0.6 else ""
        phone = f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}" if name and rng.random() < 0.5 else ""
        if department == ANSWERING[1]:
            department = units[department].code  # the office may name a unit by its code as well
        writer.writerow(
            [
                theme.title if n % 3 == 0 else str(theme.order),
                _kind_of(message.title),
                message.title,
                message.body,
                SOURCE_NAMES[source],
                ref,
                name,
                phone,
                timezone.localtime(at).strftime("%Y/%m/%d %H:%M:%S"),
                department or "",
            ]
        )
    return out.getvalue().encode("utf-8"), by_ref


def _user(username: str, display_name: str, *, role: str, unit: Unit | None, password: str | None, admin: User) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = account_services.user_create(username=username, password=password, display_name=display_name, by=admin)
        account_services.role_assign(user=user, role=role, unit=unit, by=admin)
    return user


def _votes(n: int, cap: int) -> int:
    """A message's count scaled down to a handful of demo voters."""
    return min(cap, round(math.sqrt(n)))


def build_demo_discussion(
    *, campaign: Campaign, district: Unit, password: str, echo: Callable[[str], None] = print
) -> None:
    """Set up the campaign's discussion and fill it; nothing is done when it has suggestions already."""
    if Suggestion.objects.filter(campaign=campaign).exists():
        echo("网上大讨论的演示数据已存在。")
        return
    rng = random.Random(2018)  # noqa: S311 (demo data, not security)
    office = User.objects.get(username="office")
    admin = User.objects.get(username="admin")
    units = {u.name: u for u in Unit.objects.filter(path__startswith=district.path)}
    themes = {t.key: t for t in campaign.themes.all()}
    with transaction.atomic():
        forum = services.forum_update(
            forum=services.forum_of(campaign),
            by=office,
            moderation="post",
            hide_after_reports=3,
            remind_days=2,
            escalate_days=3,
        )
        for key, unit_name in ROUTES.items():
            services.routing_rule_set(campaign=campaign, theme=themes[key], department=units[unit_name], by=office)
        services.routing_rule_set(campaign=campaign, theme=None, department=units[DEFAULT_ROUTE], by=office)
        for category, words in WORDS.items():
            services.words_add(words=words, category=category, by=office)
        liaisons = {"河东街道": User.objects.get(username="liaison")}
        for username, unit_name, _description in DISCUSSION_LIAISONS:
            liaisons[unit_name] = _user(
                username, f"{unit_name}联络员", role=Role.LIAISON, unit=units[unit_name], password=password, admin=admin
            )
        citizen = User.objects.get(username="citizen")
        services.participant_ensure(user=citizen, nickname="热心市民")
        residents = []
        for username, nickname in RESIDENTS:
            resident = _user(username, nickname, role=Role.CITIZEN, unit=None, password=None, admin=admin)
            services.participant_ensure(user=resident, nickname=nickname)
            residents.append(resident)

        voted, answered = corpus_messages(rng)
        online = answered[: min(POSTED_ONLINE, len(answered) - 2)]
        imported = answered[len(online) :]
        echo(f"正在导入线下意见 {len(voted) + len(imported)} 条……")
        data, by_ref = _import_file(voted, imported, themes, units, campaign, rng)
        result = import_offline(campaign=campaign, data=data, filename="线下意见汇总（演示）.csv", by=office)
        if not result.ok:
            raise RuntimeError(
                "the demo's offline opinions could not be imported: " + "; ".join(map(str, result.errors))
            )
        suggestions = {
            s.source_ref: s
            for s in Suggestion.objects.filter(campaign=campaign).select_related("campaign__root_unit", "department")
        }
        _vote(suggestions, by_ref, residents, rng)
        _answer(suggestions, by_ref, liaisons, rng)
        posted = _post(campaign, themes, online, citizen, residents, liaisons, office)
        _discuss(campaign, residents, rng)
        _hold_and_hide(campaign, themes, residents)
        _overdue(suggestions, by_ref, liaisons)
        services.reminders_send()
    held = Suggestion.objects.filter(campaign=campaign, status=Visibility.PENDING).count()
    echo(
        f"网上大讨论：导入 {result.created} 条、网上发表 {posted} 条，"
        f"投票 {Vote.objects.filter(suggestion__campaign=campaign).count()} 次，待审核 {held} 条"
        f"（答复时限：建议类 {forum.days_suggest} 天）。"
    )


def _vote(
    suggestions: dict[str, Suggestion], by_ref: dict[str, Message], residents: list[User], rng: random.Random
) -> None:
    """Residents support and oppose the imported messages roughly as their readers did."""
    for ref, message in by_ref.items():
        suggestion = suggestions[ref]
        if suggestion.status != Visibility.PUBLISHED:
            continue
        supports = _votes(message.likes, len(residents) - 2)
        opposes = _votes(message.dislikes, 2)
        voters = rng.sample(residents, supports + opposes)
        for n, voter in enumerate(voters):
            value = Vote.SUPPORT if n < supports else Vote.OPPOSE
            services.vote_cast(suggestion=suggestion, value=value, by=voter)


def _answer(
    suggestions: dict[str, Suggestion], by_ref: dict[str, Message], liaisons: dict[str, User], rng: random.Random
) -> None:
    """The liaisons answer most of the messages routed to them with the messages' real replies."""
    for ref, message in by_ref.items():
        suggestion = suggestions[ref]
        department = suggestion.department
        if not message.reply or suggestion.status != Visibility.PUBLISHED or department is None:
            continue
        if department.name not in liaisons or rng.random() < UNANSWERED_SHARE:
            continue
        services.reply_create(suggestion=suggestion, body=message.reply, by=liaisons[department.name])


def _post(
    campaign: Campaign,
    themes: dict[str, Theme],
    online: list[Message],
    citizen: User,
    residents: list[User],
    liaisons: dict[str, User],
    office: User,
) -> int:
    """Answered messages posted online: by the demo citizen (one rated 满意, one 不满意 and reopened) and
    residents (基本满意; answered and not yet rated; awaiting). The office routes each to a department
    with a liaison, who answers with the message's real reply."""
    authors = [citizen, citizen, *residents[:3]]
    ratings = [(Rating.SATISFIED, ""), (Rating.UNSATISFIED, "答复只说了在研究，没有说明什么时候解决，希望给个时间表。")]
    ratings += [(Rating.BASIC, "")]
    answering = ["区住房和城乡建设局", "区发展和改革局", "河东街道", "区住房和城乡建设局", "区发展和改革局"]
    for n, (message, author) in enumerate(zip(online, authors, strict=False)):
        suggestion = services.suggestion_create(
            campaign=campaign,
            theme=themes[message.theme],
            kind={"咨询": "ask", "投诉": "complain", "求助": "help"}.get(_kind_of(message.title), "suggest"),
            title=message.title,
            body=message.body,
            by=author,
        )
        if suggestion.status != Visibility.PUBLISHED:
            continue
        department = Unit.objects.get(name=answering[n], path__startswith=campaign.root_unit.path)
        suggestion = services.suggestion_route(suggestion=suggestion, department=department, by=office)
        if n == len(online) - 1:
            continue  # awaiting its answer
        reply = services.reply_create(suggestion=suggestion, body=message.reply, by=liaisons[answering[n]])
        if n < len(ratings):
            rating, note = ratings[n]
            services.reply_rate(reply=reply, rating=rating, note=note, by=author)
    return len(online)


def _discuss(campaign: Campaign, residents: list[User], rng: random.Random) -> None:
    """Comment threads under the most supported suggestions; residents follow them."""
    top = list(
        Suggestion.objects.filter(campaign=campaign, status=Visibility.PUBLISHED)
        .select_related("campaign__root_unit")
        .order_by("-supports_count", "pk")[:4]
    )
    for k, suggestion in enumerate(top):
        thread = THREADS if k == 0 else THREADS[3:]
        posted: list[Comment] = []
        for n, (comment, parent) in enumerate(thread):
            author = residents[(k + n) % len(residents)]
            posted.append(
                services.comment_create(
                    suggestion=suggestion,
                    body=COMMENTS[(comment + k) % len(COMMENTS)],
                    by=author,
                    parent=None if parent is None else posted[parent - (len(THREADS) - len(thread))],
                )
            )
        for follower in rng.sample(residents, 2):
            services.follow_set(suggestion=suggestion, by=follower, on=True)


def _hold_and_hide(campaign: Campaign, themes: dict[str, Theme], residents: list[User]) -> None:
    """A post held by the sensitive-word screen, and an advertisement hidden after three reports."""
    title, body = HELD_POST
    services.suggestion_create(campaign=campaign, theme=themes["work-style"], title=title, body=body, by=residents[3])
    title, body = SPAM_POST
    spam = services.suggestion_create(
        campaign=campaign, theme=themes["confidence"], title=title, body=body, by=residents[4]
    )
    for reporter in residents[5:8]:
        services.report_create(suggestion=spam, reason=ReportReason.SPAM, note="广告", by=reporter)


def _overdue(suggestions: dict[str, Suggestion], by_ref: dict[str, Message], liaisons: dict[str, User]) -> None:
    """Two messages routed to a department with a liaison, left unanswered: their routing is dated back
    so that one is a day past its deadline (催办) and one more than a week (督办)."""
    waiting = (
        s
        for ref in by_ref
        if (s := suggestions[ref]).status == Visibility.PUBLISHED
        and s.department is not None
        and s.department.name in liaisons
        and not s.replies.exists()
    )
    now = timezone.now()
    for suggestion, late in zip(waiting, (1, 8), strict=False):
        forum = services.forum_of(suggestion.campaign)
        assigned = now - dt.timedelta(days=forum.reply_days(suggestion.kind) + late, hours=2)
        Suggestion.objects.filter(pk=suggestion.pk).update(
            created_at=assigned - dt.timedelta(hours=3),
            published_at=assigned - dt.timedelta(hours=3),
            assigned_at=assigned,
            due_at=forum.reply_due(suggestion.kind, assigned),
        )
