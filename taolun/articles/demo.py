"""The demo district's reflection articles (心得体会文章) and reference library, mid-campaign.

Built through the services, as the office, the authors, the reviewers and the publicity staff would:

* a reference collection 历年政府工作报告 imported with ``references_import`` from the national reports
  in ``../shared/corpus`` (read at demo time, never copied into the repository; without the corpus,
  the stand-ins of ``taolun.text.tests.corpus``);
* the office's call for articles, and two street reviewers (河东街道, 河西街道) beside the district's
  ``reviewer``, so that articles are assigned by unit;
* about forty party members' articles in every status: drafts (the demo ``cadre``'s among them),
  submitted and checked, returned with a comment (one revised and handed in again), approved with
  scores, excellent (one without the author's consent), one published. Most are original — sentences of
  the 2026 provincial reports, none sharing a 12-character run with another, and residents' messages —
  four are spliced from a report of the collection (``taolun.text.splice``; one copies little enough to
  stay just under the flag line) and one is copied from a colleague, so the detector flags them.

The copy checks run when the demo's transaction commits (in-process, as on a real submission). Articles
are capped at about 1,500 characters and references at 12,000 so the demo builds in seconds. Building
again finds the collection and changes nothing.
"""

from __future__ import annotations

import csv
import itertools
import random
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from taolun.accounts import services as account_services
from taolun.accounts.models import Role, User
from taolun.campaigns.models import Campaign, Theme
from taolun.orgs.models import Person, Unit
from taolun.text.splice import sentences, splice
from taolun.text.tests import corpus

from . import services
from .models import Article, ArticleStatus, ReferenceCollection, ReferenceText
from .references import collection_create, references_import
from .selectors import default_deadline

S = ArticleStatus
COLLECTION = "历年政府工作报告"
REFERENCE_YEARS = ("2012", "2013", "2015", "2016", "2017")
REFERENCE_MAX_CHARS = 12_000
ARTICLE_MAX_CHARS = 1_500
PROVINCIAL = corpus.CORPUS / "gov-reports-provincial-2026"
MESSAGES = corpus.CORPUS / "citizen-messages" / "messages-with-votes.csv"

# Street reviewers (username, street, description): articles of their streets go to them, the rest to
# the district's ``reviewer``. ``taolun.demo`` prints them with the other logins.
STREET_REVIEWERS = [
    ("reviewer-hedong", "河东街道", "河东街道心得体会文章审阅人（河东街道及所属社区）"),
    ("reviewer-hexi", "河西街道", "河西街道心得体会文章审阅人（河西街道及所属社区）"),
]

# How an article was written: on its own, spliced from a reference report, or copied from a colleague.
ORIGINAL, SPLICED, COLLEAGUE = "original", "spliced", "colleague"
LOGINS = ("cadre", "leader")  # the demo logins who write (their people are not drawn at random)
RESUBMITTED = "resubmitted"  # returned, revised and handed in again: ends ``submitted`` with two submissions


@dataclass(frozen=True)
class Spec:
    group: str  # "hedong", "hexi" (the streets with their own reviewer) or "district" (everyone else)
    status: str  # an ArticleStatus, or RESUBMITTED
    kind: str = ORIGINAL
    share: float = 0.0  # SPLICED: the share of sentences taken from the report
    year: str = ""  # SPLICED: the reference report
    consent: bool = True
    who: str = ""  # "cadre" or "leader": the demo login's own article


SPECS = [
    # 河东街道 (reviewer-hedong): the demo cadre's draft, a flagged queue, one revised after return.
    Spec("hedong", S.DRAFT, who="cadre", consent=False),
    Spec("hedong", S.APPROVED),
    Spec("hedong", S.APPROVED),
    Spec("hedong", S.EXCELLENT),
    Spec("hedong", S.APPROVED),
    Spec("hedong", S.SUBMITTED),
    Spec("hedong", S.SUBMITTED, SPLICED, 0.6, "2016"),
    Spec("hedong", S.RETURNED, SPLICED, 0.5, "2017"),
    Spec("hedong", S.SUBMITTED, COLLEAGUE),
    Spec("hedong", S.RETURNED),
    Spec("hedong", RESUBMITTED),
    Spec("hedong", S.SUBMITTED),
    Spec("hedong", S.DRAFT),
    Spec("hedong", S.DRAFT),
    # 河西街道 (reviewer-hexi)
    Spec("hexi", S.APPROVED),
    Spec("hexi", S.EXCELLENT, consent=False),
    Spec("hexi", S.APPROVED),
    Spec("hexi", S.SUBMITTED),
    Spec("hexi", S.SUBMITTED, SPLICED, 0.4, "2015"),
    Spec("hexi", S.RETURNED),
    Spec("hexi", S.SUBMITTED),
    Spec("hexi", S.DRAFT),
    # the departments and the other streets (the district's reviewer)
    Spec("district", S.APPROVED, who="leader"),
    Spec("district", S.PUBLISHED),
    Spec("district", S.EXCELLENT),
    Spec("district", S.APPROVED),
    Spec("district", S.SUBMITTED),
    Spec("district", S.APPROVED),
    Spec("district", S.RETURNED),
    Spec("district", S.SUBMITTED, SPLICED, 0.7, "2013"),
    Spec("district", S.APPROVED),
    Spec("district", S.SUBMITTED),
    Spec("district", S.DRAFT),
    Spec("district", S.APPROVED),
    Spec("district", S.EXCELLENT, consent=False),
    Spec("district", S.SUBMITTED),
    Spec("district", S.DRAFT),
    Spec("district", S.APPROVED),
    Spec("district", S.SUBMITTED),
]

THEME_WORDS = {
    "confidence": "提振信心",
    "benchmarking": "对标先进",
    "shortcomings": "补齐短板",
    "key-tasks": "重点工作",
    "party-leadership": "党的领导",
    "work-style": "转变作风",
}
TITLES = [
    "{words}，我们怎么看、怎么干",
    "在{words}中找准自己的位置",
    "把{words}落到岗位上——参加大讨论的体会",
    "从群众的留言里看{words}",
    "{words}要从我做起",
    "关于{words}的几点思考",
    "以{words}推动工作上台阶",
    "对照实施方案谈{words}",
]
# Openers and link words are short, and vary, so that originals do not share a passage through them.
OPENERS = [
    "参加{unit}的集中研讨后，",
    "这一个多月，我在{unit}",
    "{unit}开展大讨论以来，",
    "作为{unit}的党员，",
    "学习实施方案时，我想到{unit}",
    "在{unit}组织的专题研讨会上，",
]
THOUGHT = r"必须|始终|只有|才能|认识到|关键|根本|深刻|决不|一定要"
THOUGHT_LINKS = ["我体会到，", "我越来越认识到，", "说到底，", "我想，", "回头看，"]
PRACTICE_LINKS = ["这让我想到，", "对照自己的工作，", "我们社区的做法是，", "我认为，", "群众的事没有小事，"]
SUGGESTION_LINKS = ["为此我建议：一是", "二是", "三是", "四是"]
ACTION = (
    r"(推进|加强|健全|完善|深化|实施|加快|推动|强化|优化|支持|开展|落实|提升|扩大|促进|培育|构建|建立|着力|大力|积极)"
)
VOICES = ["有群众留言：", "走访中居民提出：", "网上大讨论里有人问：", "群众反映：", "有居民问我："]
RETURN_COMMENTS = [
    "文章大段照搬政府工作报告的原文，重复率超过警示线。请用自己的话写出在大讨论中的思想认识和实践感悟，结合本职工作修改后重新提交。",
    "内容偏于空泛，缺少结合本单位、本岗位的具体事例。请补充自己在学习研讨和走访中看到的问题和想法后重新提交。",
    "意见建议部分过于笼统，请针对群众反映的问题提出可操作的具体措施。",
    "标题与正文联系不紧，请围绕所选讨论主题重新组织结构。",
]
APPROVE_COMMENTS = [
    "结合岗位实际，认识到位。",
    "事例具体，建议有针对性。",
    "",
    "思路清楚，语言朴实。",
]
REVISION_NOTE = (
    "（修改稿）按照审阅意见，补充了本社区的做法：我们把群众的留言逐条登记，明确责任人和办结时限，办完后回访。"
)
STAND_IN_VOICES = [
    "小区雨季积水，什么时候能改造？",
    "老旧楼道灯坏了很久没人修。",
    "社区养老服务站白天经常没人。",
    "公交线路调整后上班绕远了。",
    "菜市场周边占道经营影响通行。",
    "孩子上学的学位够不够？",
    "冬季供暖温度不达标。",
    "办事要跑好几个窗口。",
]
BOILERPLATE = ("习近平", "二十大", "代表", "大会", "政协", "规划", "五年", "省", "国家")
NOISE = {"下载", "打印", "全屏", "收藏", "【字号：", "加大", "还原", "减小", "】"}


def build_demo_articles(
    *, campaign: Campaign, district: Unit, password: str, echo: Callable[[str], None] = print
) -> list[Article]:
    """Import the reference collection, set the call, add street reviewers and write the articles.

    Idempotent: when the collection exists already, nothing is done. The copy checks are queued on
    commit, so inside a transaction they run when it commits.
    """
    if ReferenceCollection.objects.filter(name=COLLECTION).exists():
        echo("心得体会文章的演示数据已存在。")
        return list(Article.objects.filter(campaign=campaign))
    index = Path(settings.ARTICLES_INDEX_DIR)
    if not ReferenceText.objects.exists() and ((index / "CURRENT").exists() or any(index.glob("seg-*.npz"))):
        # A database made afresh beside an old index: the index's keys would name the new rows.
        echo(
            f"注意：比对索引目录 {settings.ARTICLES_INDEX_DIR} 中有以前的数据，与新建的数据库对不上；"
            "演示数据建好后请运行 taolun articles rebuild-index。"
        )
    office = User.objects.filter(username="office").first()
    publicity = User.objects.filter(username="publicity").first()
    with transaction.atomic():
        collection = collection_create(
            name=COLLECTION, description="国务院政府工作报告（演示：部分年份，每篇节选前一万二千字）", by=office
        )
        report = references_import(collection=collection, files=list(_reference_files()), by=office)
        if not report.ok:
            raise RuntimeError(f"demo references could not be imported: {report.errors}")
        services.call_update(
            campaign=campaign,
            by=office,
            deadline=default_deadline(campaign),
            min_chars=500,
            max_chars=6000,
            # Given as a Decimal: the model's float default fails its own two-decimal check.
            flag_threshold=Decimal("0.30"),
        )
        _street_reviewers(district, password)
        writer = _Writer(campaign)
        articles = _write(campaign, district, writer, publicity)
    echo(
        f"心得体会文章 {len(articles)} 篇（其中 {sum(a.is_handed_in for a in articles)} 篇已提交，提交后自动查重），"
        f"比对文库“{COLLECTION}” {report.added} 篇。"
    )
    return articles


# -- texts ----------------------------------------------------------------------------------------


def _reference_files() -> Iterator[tuple[str, bytes]]:
    """The reference reports as files (name, UTF-8 bytes), each cut to whole paragraphs under the cap."""
    for year in REFERENCE_YEARS:
        yield f"{year}年政府工作报告.txt", _cap(corpus.report(year), REFERENCE_MAX_CHARS).encode("utf-8")


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def _provincial_sentences() -> list[str]:
    """Sentences of the 2026 provincial reports, the province made 溪湖 (the stand-ins' without the corpus)."""
    found: list[str] = []
    csv.field_size_limit(sys.maxsize)
    for path in sorted(PROVINCIAL.glob("*.csv")) if PROVINCIAL.is_dir() else []:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                lines = row.get("full_text", "").split("\n")
                while lines and lines[0].strip() in NOISE:
                    lines.pop(0)
                text = "\n".join(lines)
                province = row.get("province") or ""
                stem = re.sub(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|省|市)$", "", province)
                for name in (province, stem):  # the full name first (a set's order would vary by run)
                    if name:
                        text = text.replace(name, "溪湖")
                for old, new in (("全省", "全区"), ("全市", "全区"), ("省委", "区委"), ("市委", "区委")):
                    text = text.replace(old, new)
                found.extend(s.strip() for s in sentences(text))
    if not found:
        reports = corpus.reports()
        found = [s.strip() for year in sorted(reports)[:12] for s in sentences(reports[year])]
    # Figures and lists read like a report, not a reflection; the reports' formulas (the preamble,
    # "我代表省人民政府…", plan titles) would tie independent articles together: leave them out.
    return [
        s
        for s in found
        if 20 <= len(s) <= 90 and not re.search(r"[0-9０-９（(%]", s) and not any(w in s for w in BOILERPLATE)
    ]


def _distinct(pool: list[str], gram: int = 12) -> list[str]:
    """The sentences that share no run of ``gram`` characters with an earlier one (the reports of
    different provinces repeat each other's formulas), so no two originals share a passage."""
    seen: set[str] = set()
    kept: list[str] = []
    for sentence in pool:
        chars = re.sub(r"\W", "", sentence)
        grams = {chars[i : i + gram] for i in range(len(chars) - gram + 1)}
        if grams & seen:
            continue
        seen |= grams
        kept.append(sentence)
    return kept


def _voices() -> list[str]:
    """What residents asked (the subjects of citizen messages), or stand-ins without the corpus."""
    found: list[str] = []
    if MESSAGES.is_file():
        with MESSAGES.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                subject = re.sub(r"A\d*区", "我区", (row.get("留言主题") or "").strip()).replace("A市", "市里")
                if 8 <= len(subject) <= 30 and subject not in found:
                    found.append(subject)
                if len(found) >= 400:
                    break
    return found or list(STAND_IN_VOICES)


class _Writer:
    """Composes articles from sentences no other article uses, joined by short first-person links.

    The links are shorter than the detector's shortest passage, so originals share nothing but them.
    """

    def __init__(self, campaign: Campaign) -> None:
        rng = random.Random(2018)  # noqa: S311 (demo data)
        pool = _provincial_sentences()
        rng.shuffle(pool)
        pool = _distinct(pool)
        # Convictions open an article (思想认识), tasks carry the rest (实践感悟、意见建议).
        self.thoughts = [s for s in pool if re.search(THOUGHT, s)]
        self.actions = [s for s in pool if re.match(ACTION, s) and s not in self.thoughts]
        self.tasks = [s for s in pool if s not in self.thoughts and s not in self.actions]
        self.voices = _voices()
        rng.shuffle(self.voices)
        self.used = {"thoughts": 0, "actions": 0, "tasks": 0, "voices": 0}
        self.themes = list(campaign.themes.order_by("order", "id"))
        self.reports = {year: _cap(corpus.report(year), REFERENCE_MAX_CHARS) for year in REFERENCE_YEARS}

    def _next(self, kind: str) -> str:
        """The next unused sentence of a kind (of the other kind once it runs out; voices may repeat)."""
        if kind != "voices" and self.used[kind] >= len(getattr(self, kind)):
            kind = next(k for k in ("tasks", "actions", "thoughts") if self.used[k] < len(getattr(self, k)))
        items: list[str] = getattr(self, kind)
        item = items[self.used[kind] % len(items)]
        self.used[kind] += 1
        return item

    def theme(self, n: int) -> Theme | None:
        return self.themes[n % len(self.themes)] if self.themes else None

    def title(self, n: int) -> str:
        theme = self.theme(n)
        words = THEME_WORDS.get(theme.key, "解放思想") if theme is not None else "解放思想"
        return TITLES[n % len(TITLES)].format(words=words)

    def _paragraph(self, first: str, kind: str, links: list[str], chars: int, n: int = 0) -> str:
        """``first``, then linked sentences of ``kind`` until ``chars`` (or, for a numbered list, the links) run out."""
        parts = [first]
        numbered = links is SUGGESTION_LINKS
        for i in itertools.count():
            if sum(len(p) for p in parts) >= chars or (numbered and i + 1 >= len(links)):
                break
            link = links[i + 1] if numbered else links[(n + i) % len(links)]
            parts.append(link + self._next(kind))
        return "".join(parts)

    def original(self, n: int, unit: Unit, *, chars: int = 1100) -> str:
        """Three paragraphs: what the author came to see, what residents said and what it taught, what to do."""
        opener = OPENERS[n % len(OPENERS)].format(unit=unit.name)
        voice = VOICES[n % len(VOICES)] + "“" + self._next("voices") + "”"
        body = "\n\n".join(
            [
                self._paragraph(opener + self._next("thoughts"), "thoughts", THOUGHT_LINKS, int(chars * 0.2), n),
                self._paragraph(voice, "tasks", PRACTICE_LINKS, int(chars * 0.4), n),
                self._paragraph(
                    SUGGESTION_LINKS[0] + self._next("actions"), "actions", SUGGESTION_LINKS, int(chars * 0.3)
                ),
            ]
        )
        return body[:ARTICLE_MAX_CHARS]

    def spliced(self, n: int, unit: Unit, *, year: str, share: float) -> str:
        """Sentences of a reference report spliced with original ones, lightly edited and reordered."""
        rng = random.Random(f"demo-splice-{n}")  # noqa: S311 (demo data)
        own = "".join(self._next("tasks") for _ in range(16))
        text, _true_share = splice(self.reports[year], own, share, rng, count=24)
        opener = OPENERS[n % len(OPENERS)].format(unit=unit.name)
        return (opener + text)[:ARTICLE_MAX_CHARS]

    def copied(self, source: str, n: int, unit: Unit) -> str:
        """A colleague's article with a new opening and a little of the copier's own at the end."""
        taken = sentences(source)
        kept = taken[1 : max(2, int(len(taken) * 0.8))]
        opener = OPENERS[(n + 3) % len(OPENERS)].format(unit=unit.name)
        return (opener + "".join(kept) + "\n\n" + self._next("tasks") + self._next("tasks"))[:ARTICLE_MAX_CHARS]


# -- people -------------------------------------------------------------------------------------


def _street_reviewers(district: Unit, password: str) -> None:
    admin = User.objects.filter(username="admin").first()
    for username, street_name, description in STREET_REVIEWERS:
        street = Unit.objects.filter(path__startswith=district.path, name=street_name).first()
        if street is None or admin is None or User.objects.filter(username=username).exists():
            continue
        user = account_services.user_create(
            username=username,
            password=password,
            display_name=description.split("（")[0],
            email=f"{username}@xihu.example",
            by=admin,
        )
        account_services.role_assign(user=user, role=Role.REVIEWER, unit=street, by=admin)


def _authors(district: Unit) -> dict[str, list[Person]]:
    """Party members who may write, by group, in roster order (the demo logins' people left out)."""
    groups: dict[str, list[Person]] = {"hedong": [], "hexi": [], "district": []}
    streets = {
        group: Unit.objects.filter(path__startswith=district.path, name=name).first()
        for group, name in (("hedong", "河东街道"), ("hexi", "河西街道"))
    }
    people = (
        Person.objects.filter(unit__path__startswith=district.path, is_party_member=True, is_active=True)
        .exclude(user__username__in=LOGINS)
        .select_related("unit")
        .order_by("unit__path", "id")
    )
    per_unit: dict[int, int] = {}
    for person in people:
        # At most three from a unit, so the articles spread over the district.
        if per_unit.get(person.unit_id, 0) >= 3:
            continue
        per_unit[person.unit_id] = per_unit.get(person.unit_id, 0) + 1
        group = next(
            (g for g, street in streets.items() if street is not None and person.unit.path.startswith(street.path)),
            "district",
        )
        groups[group].append(person)
    # Interleave the district's units so that departments and other streets all take part.
    rng = random.Random(40)  # noqa: S311 (demo data)
    rng.shuffle(groups["district"])
    return groups


# -- the walk ---------------------------------------------------------------------------------


def _write(campaign: Campaign, district: Unit, writer: _Writer, publicity: User | None) -> list[Article]:
    groups = _authors(district)
    logins = {name: Person.objects.filter(user__username=name).select_related("unit").first() for name in LOGINS}
    taken = {group: iter(people) for group, people in groups.items()}
    articles: list[Article] = []
    colleague: dict[str, Article] = {}  # the first approved article of each group, for the copier
    for n, spec in enumerate(SPECS):
        author = logins.get(spec.who) if spec.who else next(taken[spec.group], None)
        if author is None:
            continue  # a small demo roster: fewer articles
        unit = author.unit
        if spec.kind == SPLICED:
            body = writer.spliced(n, unit, year=spec.year, share=spec.share)
        elif spec.kind == COLLEAGUE and spec.group in colleague:
            body = writer.copied(colleague[spec.group].body, n, unit)
        else:
            body = writer.original(n, unit, chars=700 if spec.status == S.DRAFT else 1100)
        by = author.user
        theme = writer.theme(n)
        article = services.article_start(
            campaign=campaign,
            author=author,
            by=by,
            title=writer.title(n),
            body=body,
            themes=[theme] if theme is not None else [],
            consent_public=spec.consent,
        )
        article = _walk(article, spec, n, by, publicity)
        if spec.status == S.APPROVED and spec.group not in colleague:
            colleague[spec.group] = article
        articles.append(article)
    return articles


def _reviewer(article: Article) -> User | None:
    return User.objects.filter(pk=article.reviewer_id).first() if article.reviewer_id else None


def _walk(article: Article, spec: Spec, n: int, by: User | None, publicity: User | None) -> Article:
    """Move a started article on to the status ``spec`` asks for."""
    if spec.status == S.DRAFT:
        return article
    article = services.article_submit(article=article, by=by)
    if spec.status == S.SUBMITTED:
        return article
    reviewer = _reviewer(article)
    if spec.status in (S.RETURNED, RESUBMITTED):
        comment = RETURN_COMMENTS[0] if spec.kind == SPLICED else RETURN_COMMENTS[1 + n % (len(RETURN_COMMENTS) - 1)]
        article = services.article_return(article=article, by=reviewer, comment=comment)
        if spec.status == S.RETURNED:
            return article
        article = services.article_save(article=article, by=by, title=article.title, body=article.body + REVISION_NOTE)
        return services.article_submit(article=article, by=by)
    excellent = spec.status in (S.EXCELLENT, S.PUBLISHED)
    article = services.article_approve(
        article=article,
        by=reviewer,
        thought=36 + n % 4 if excellent else 28 + n % 8,
        practice=27 + n % 3 if excellent else 19 + n % 7,
        suggestions=26 + n % 4 if excellent else 18 + n % 8,
        comment=APPROVE_COMMENTS[n % len(APPROVE_COMMENTS)],
    )
    if not excellent:
        return article
    article = services.article_mark_excellent(
        article=article, by=reviewer, comment="立意高、事例实、建议可行，推荐为优秀文章。"
    )
    if spec.status == S.PUBLISHED:
        article = services.article_publish(article=article, by=publicity)
    return article
