"""The discussion benchmark's database: built once, set-based, and reused by later runs.

Two campaigns of the built-in plan over one district, both running:

* ``bench-page`` (the current campaign): 10,000 published suggestions on its first theme and 500 on
  each of the five others, answered the 12345 way (a quarter awaiting routing, the rest assigned to a
  department with a deadline, replied or closed, with the replies of the corpus), supported and opposed
  by 5,000 participants as the corpus messages were (one ``Vote`` row per support or opposition), and
  followed by their authors;
* ``bench-search``: 1,000,000 suggestions over the six themes (97 % published), each with its
  ``SearchEntry``, for the search figures.

The texts are the citizen messages of ``../shared/corpus/citizen-messages`` (about 9,600 messages)
recombined: a message's title and first sentence, then zero to three sentences of other messages.
Their tokens are ``taolun.text.tokens.index_text(f"{title}\\n{body}")`` and their duplicate fingerprint
``services.content_fingerprint(title, body)``, as ``suggestion_create`` stores them; since cutting
tokens costs about a millisecond a text, suggestions are drawn from a pool of 100,000 such texts
(each used about ten times among the million), computed by two processes once and kept on disk.
Rows go in with ``COPY``; for the million, the secondary indexes of the suggestion and search-entry
tables (the GIN index among them) are dropped during the load and made again afterwards from their
own definitions, then ``VACUUM ANALYZE``.

Around the data: a department with a liaison and a routing rule, 256 citizens who sign up through
``accounts.codes.citizen_for_target`` and post and vote in the HTTP figures, and about 1,000
sensitive words added through ``services.words_add``.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import os
import pickle
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DB_NAME = os.environ.get("BENCH_DISCUSSION_DATABASE", "taolun_bench_disc")
DATA_VERSION = 2
PAGE_SLUG, SEARCH_SLUG = "bench-page", "bench-search"
PAGE_THEME_SUGGESTIONS, PAGE_OTHER_SUGGESTIONS = 10_000, 500
SEARCH_SUGGESTIONS = 1_000_000
POOL = 100_000  # distinct texts the suggestions are drawn from
POSTERS, VOTERS = 256, 5_000
CHUNK = 50_000
SEED = 2026
CORPUS = Path(os.environ.get("TAOLUN_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))
MESSAGES = CORPUS / "citizen-messages"
MESSAGE_FILES = ("messages-with-votes.csv", "messages-with-replies.csv", "messages-unlabelled.csv")
POSTER_PHONE = "1390000{:04d}"  # the posters' phone numbers: 13900000000 …

# --- the sensitive-word list (about 1,000 words, as a district's list of advertising, fraud, contraband,
# gambling and abuse runs) -----------------------------------------------------------------------------
WORD_GROUPS: list[tuple[str, list[str], list[str]]] = [
    (
        "证件票据",
        ["代开", "代办", "出售", "收购", "低价出售", "高价回收", "批发", "专业办理", "快速办理", "包过"],
        [
            "发票",
            "假证",
            "驾照",
            "文凭",
            "学历证书",
            "学位证",
            "身份证",
            "银行卡",
            "公章",
            "手机卡",
            "社保卡",
            "房产证",
            "结婚证",
            "离婚证",
            "病假条",
            "车牌",
            "准考证",
            "户口",
            "居住证",
            "营业执照",
            "资格证",
            "上岗证",
            "健康证",
            "毕业证",
            "不动产证",
        ],
    ),
    (
        "引流广告",
        ["加微信", "加V", "加QQ", "私信我", "联系电话", "扫码", "加群", "进群"],
        [
            "刷单",
            "兼职",
            "贷款",
            "套现",
            "代考",
            "裸聊",
            "返利",
            "日赚千元",
            "无抵押贷款",
            "办证",
            "网贷",
            "刷信誉",
            "游戏代练",
            "找小姐",
            "上门服务",
            "包夜",
            "一夜情",
            "代孕",
            "卖肾",
            "黑客",
            "查开房",
            "定位手机",
            "改分",
            "洗钱",
            "跑分",
        ],
    ),
    (
        "违禁物品",
        ["出售", "求购", "代购", "批发", "货到付款", "出货"],
        [
            "冰毒",
            "麻古",
            "摇头丸",
            "大麻",
            "K粉",
            "海洛因",
            "枪支",
            "仿真枪",
            "气枪",
            "弩箭",
            "管制刀具",
            "迷药",
            "听话水",
            "催情药",
            "窃听器",
            "针孔摄像头",
            "GPS定位器",
            "信号屏蔽器",
            "雷管",
            "炸药",
            "手铐",
            "电击器",
            "钢珠枪",
            "猎枪",
            "子弹",
        ],
    ),
    (
        "赌博",
        ["网上", "线上", "境外", "手机", "真人"],
        [
            "赌场",
            "赌博",
            "博彩",
            "百家乐",
            "六合彩",
            "时时彩",
            "老虎机",
            "赌球",
            "彩票代购",
            "棋牌充值",
            "牛牛",
            "炸金花",
            "捕鱼",
            "斗地主充值",
            "21点",
            "轮盘",
        ],
    ),
    (
        "非法金融",
        ["高息", "保本", "稳赚", "内幕", "原始股", "零风险", "无门槛", "高回报"],
        [
            "理财",
            "投资",
            "集资",
            "荐股",
            "虚拟币",
            "期货",
            "外汇",
            "养老项目",
            "众筹",
            "返利平台",
            "资金盘",
            "挖矿",
            "区块链项目",
            "私募",
            "债权",
        ],
    ),
    (
        "考试作弊",
        ["代写", "代考", "代挂", "代刷", "包过", "出售"],
        [
            "论文",
            "四六级",
            "科目一",
            "会计证",
            "公务员考试",
            "职称",
            "学分",
            "网课",
            "考研答案",
            "高考答案",
            "作弊器",
            "耳机作弊",
            "教师资格证",
            "建造师",
            "英语答案",
        ],
    ),
    (
        "诱导领取",
        ["免费领取", "点击领取", "扫码领取", "限时领取", "转发领取", "关注领取"],
        ["红包", "话费", "流量", "礼品", "现金", "会员", "优惠券", "油卡", "购物卡", "积分"],
    ),
]
ABUSE_WORDS = [
    "傻逼", "煞笔", "脑残", "智障", "废物", "人渣", "畜生", "王八蛋", "狗东西", "去死", "滚蛋", "白痴",
    "贱人", "垃圾官员", "狗官", "草泥马", "尼玛", "你妈的", "他妈的", "操你", "婊子", "杂种", "混账",
    "蠢货", "败类", "猪头", "神经病", "死全家", "不得好死", "断子绝孙",
]  # fmt: skip


def sensitive_words() -> list[str]:
    words = [prefix + noun for _group, prefixes, nouns in WORD_GROUPS for prefix in prefixes for noun in nouns]
    return list(dict.fromkeys(words + ABUSE_WORDS))


# --- the texts --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message:
    title: str
    sentences: tuple[str, ...]
    supports: int
    opposes: int
    reply: str


@dataclass(frozen=True, slots=True)
class Text:
    """A suggestion's text as the product stores it: ``index_text`` tokens and ``content_fingerprint``."""

    title: str
    body: str
    tokens: str
    fingerprint: str


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


def _source_key(*parts: bytes) -> str:
    """A key that changes with the corpus files, the text engine and the fingerprint function."""
    import inspect

    from taolun.discussion import services
    from taolun.text import normalize, tokens

    key = hashlib.sha1(usedforsecurity=False)
    for name in MESSAGE_FILES:
        stat = (MESSAGES / name).stat()
        key.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    for module in (normalize, tokens):
        key.update(Path(module.__file__ or "").read_bytes())
    key.update(inspect.getsource(services.content_fingerprint).encode())
    for part in parts:
        key.update(part)
    return key.hexdigest()[:16]


class Corpus:
    """The citizen messages, and a pool of suggestions recombined from them.

    A text of the pool is a message's title and first sentence followed by zero to three sentences of
    other messages; its tokens are ``taolun.text.tokens.index_text(f"{title}\\n{body}")`` and its
    fingerprint ``services.content_fingerprint(title, body)``, exactly as ``suggestion_create`` stores them.
    Cutting tokens costs about a millisecond a text, so the suggestions are drawn from a pool of
    ``POOL`` texts (each used about ten times among the million) kept on disk between runs.
    """

    def __init__(self, messages: list[Message], pool: list[Text]) -> None:
        self.messages = messages
        self.sentences = [sentence for message in messages for sentence in message.sentences]
        self.replies = [message.reply for message in messages if len(message.reply) >= 20]
        self.votes = [(m.supports, m.opposes) for m in messages if m.supports or m.opposes or not m.reply]
        self.pool = pool

    @classmethod
    def load(cls, cache_dir: Path | None = None, progress: Callable[[str], None] | None = None) -> Corpus:
        if not MESSAGES.is_dir():
            raise SystemExit(f"The discussion benchmark needs the citizen messages in {MESSAGES} (or $TAOLUN_CORPUS).")
        messages = cls._read()
        cached = None
        if cache_dir is not None:
            cached = cache_dir / f"pool-{DATA_VERSION}-{POOL}-{_source_key()}.pickle"
            if cached.exists():
                with open(cached, "rb") as handle:
                    return cls(messages, pickle.load(handle))  # noqa: S301 (written below by this module)
            for old in cache_dir.glob(f"pool-{DATA_VERSION}-*.pickle"):
                old.unlink()
        pool = cls._pool(messages, progress)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            with open(cached, "wb") as handle:
                pickle.dump(pool, handle)
        return cls(messages, pool)

    @staticmethod
    def _read() -> list[Message]:
        seen: set[str] = set()
        messages: list[Message] = []
        for name in MESSAGE_FILES:
            with open(MESSAGES / name, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    title = " ".join((row.get("留言主题") or "").split())[:60]
                    body = (row.get("留言详情") or "").strip()
                    if len(title) < 6 or not body or title + body[:40] in seen:
                        continue
                    seen.add(title + body[:40])
                    sentences = tuple(
                        sentence.strip()[:600] for sentence in _SENTENCE_END.split(body) if len(sentence.strip()) >= 6
                    )
                    if sentences:
                        messages.append(
                            Message(
                                title,
                                sentences,
                                int(row.get("点赞数") or 0),
                                int(row.get("反对数") or 0),
                                (row.get("答复意见") or "").strip(),
                            )
                        )
        return messages

    @staticmethod
    def _pool(messages: list[Message], progress: Callable[[str], None] | None) -> list[Text]:
        import multiprocessing

        rng = random.Random(SEED)
        sentences = [sentence for message in messages for sentence in message.sentences]
        pairs = []
        for _ in range(POOL):
            message = messages[rng.randrange(len(messages))]
            pieces = [message.sentences[0]]
            pieces += [sentences[rng.randrange(len(sentences))] for _ in range(rng.choice((0, 1, 1, 2, 2, 3)))]
            pairs.append((message.title, "".join(pieces)[:3000]))
        started = time.perf_counter()
        pool: list[Text] = []
        # two processes (forked: Django is set up already) cut the tokens
        with multiprocessing.get_context("fork").Pool(2) as workers:
            for text in workers.imap(_text, pairs, chunksize=500):
                pool.append(text)
                if progress and len(pool) % 20_000 == 0:
                    progress(f"{len(pool):,} / {POOL:,} texts tokenised in {time.perf_counter() - started:.0f} s")
        return pool


def _text(pair: tuple[str, str]) -> Text:
    from taolun.discussion.services import content_fingerprint
    from taolun.text.tokens import index_text

    title, body = pair
    return Text(title, body, index_text(f"{title}\n{body}"), content_fingerprint(title, body))


def check_entries(campaign_id: int, n: int = 200) -> tuple[int, int]:
    """How many of ``n`` stored suggestions of the campaign have the tokens and fingerprint that the
    product's current ``index_text`` and ``content_fingerprint`` give (not all: the text engine changed since
    the load, and the data should be loaded again)."""
    from taolun.discussion.models import SearchEntry, Suggestion
    from taolun.discussion.services import content_fingerprint
    from taolun.text.tokens import index_text

    ids = list(Suggestion.objects.filter(campaign_id=campaign_id).order_by("?").values_list("pk", flat=True)[:n])
    rows = Suggestion.objects.filter(pk__in=ids).values_list("pk", "title", "body", "content_hash")
    tokens = dict(SearchEntry.objects.filter(kind="suggestion", object_id__in=ids).values_list("object_id", "tokens"))
    same = sum(
        1
        for pk, title, body, fingerprint in rows
        if tokens.get(pk) == index_text(f"{title}\n{body}") and fingerprint == content_fingerprint(title, body)
    )
    return same, len(ids)


# --- the database -----------------------------------------------------------------------------------


def admin_connection(url: str) -> Any:
    from .common import _admin

    return _admin(url)


def database_url(url: str) -> str:
    from .common import _with_db

    return _with_db(url, DB_NAME)


def ensure_database(url: str, *, rebuild: bool) -> bool:
    """Create the bench database if it is missing (drop it first with ``rebuild``); True if created."""
    with admin_connection(url) as conn:
        if rebuild:
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
        return not exists


def drop_database(url: str) -> None:
    from django.db import connections

    connections.close_all()
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


LOAD_TABLE = """CREATE TABLE IF NOT EXISTS bench_discussion_load (
    name text PRIMARY KEY, rows bigint NOT NULL, seconds double precision NOT NULL,
    version integer NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())"""


def loaded(name: str) -> tuple[int, float, Any] | None:
    """(rows, seconds, when) of a finished load of the current version, or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(LOAD_TABLE)
        cursor.execute(
            "SELECT rows, seconds, loaded_at FROM bench_discussion_load WHERE name = %s AND version = %s",
            [name, DATA_VERSION],
        )
        row = cursor.fetchone()
    return (int(row[0]), float(row[1]), row[2]) if row else None


def mark_loaded(name: str, rows: int, seconds: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(LOAD_TABLE)
        cursor.execute(
            "INSERT INTO bench_discussion_load (name, rows, seconds, version) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (name) DO UPDATE SET rows = EXCLUDED.rows, seconds = EXCLUDED.seconds,"
            " version = EXCLUDED.version, loaded_at = now()",
            [name, rows, seconds, DATA_VERSION],
        )


# --- the base: units, campaigns, people, words ------------------------------------------------------


@dataclass
class Base:
    page: Any  # Campaign
    search: Any  # Campaign
    department: Any  # Unit
    liaison: Any  # User
    posters: list[Any]  # [(User, Participant)]
    voter_ids: list[int]  # Participant ids
    words: int


def build_base() -> Base:
    """District, department, liaison, the two campaigns, routing, words, posters and voters."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from taolun.accounts.codes import citizen_for_target
    from taolun.accounts.models import Role, RoleAssignment, User
    from taolun.campaigns.services import campaign_setup
    from taolun.discussion import services
    from taolun.discussion.models import Participant
    from taolun.orgs.models import UnitKind
    from taolun.orgs.services import unit_create

    today = timezone.localdate()
    district = unit_create(name="示例区", code="BD1", kind=UnitKind.DISTRICT, by=None)
    department = unit_create(name="区发展和改革局", code="BD1-FGJ", kind=UnitKind.DEPARTMENT, parent=district, by=None)
    liaison = User.objects.create(username="bench-liaison", display_name="发改局联络员")
    RoleAssignment.objects.create(user=liaison, role=Role.LIAISON, unit=department)
    search = campaign_setup(
        plan_key="xihu-2018",
        root_unit=district,
        slug=SEARCH_SLUG,
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=365),
        activate=True,
        by=None,
    )
    page = campaign_setup(
        plan=search.plan,
        root_unit=district,
        slug=PAGE_SLUG,
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=365),
        activate=True,
        by=None,
    )
    for campaign in (page, search):
        services.forum_of(campaign)
        services.routing_rule_set(campaign=campaign, theme=None, department=department, by=None)
    words = services.words_add(words=sensitive_words(), category="bench", by=None)
    posters = []
    for i in range(POSTERS):
        user, _created = citizen_for_target(channel="phone", target=POSTER_PHONE.format(i))
        posters.append((user, services.participant_ensure(user=user, nickname=f"热心市民{i:03d}")))
    users = User.objects.bulk_create(
        [
            User(username=f"bench-voter-{i}", display_name=f"市民{i:04d}", password=make_password(None))
            for i in range(VOTERS)
        ],
        batch_size=1000,
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=user, role=Role.CITIZEN, unit=None) for user in users], batch_size=1000
    )
    voters = Participant.objects.bulk_create(
        [Participant(user=user, nickname=f"居民{i:04d}") for i, user in enumerate(users)], batch_size=1000
    )
    return Base(page, search, department, liaison, posters, [p.pk for p in voters], words)


def base() -> Base:
    """The base as built before (it is part of the ``page`` load)."""
    from taolun.accounts.models import Role, User
    from taolun.campaigns.models import Campaign
    from taolun.discussion.models import Participant, SensitiveWord
    from taolun.orgs.models import Unit

    posters = []
    for i in range(POSTERS):
        user = User.objects.get(phone=POSTER_PHONE.format(i))
        posters.append((user, Participant.objects.get(user=user)))
    return Base(
        Campaign.objects.get(slug=PAGE_SLUG),
        Campaign.objects.get(slug=SEARCH_SLUG),
        Unit.objects.get(code="BD1-FGJ"),
        User.objects.get(username="bench-liaison", role_assignments__role=Role.LIAISON),
        posters,
        list(
            Participant.objects.filter(user__username__startswith="bench-voter-")
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        SensitiveWord.objects.count(),
    )


# --- COPY -------------------------------------------------------------------------------------------

SUGGESTION_COLUMNS = (
    "id", "created_at", "updated_at", "status", "screen_hits", "report_count", "content_hash", "ip_address",
    "moderation_note", "published_at", "campaign_id", "theme_id", "kind", "title", "body", "author_id", "source",
    "source_ref", "submitter_name", "submitter_phone", "answer_state", "department_id", "assigned_at", "due_at",
    "replied_at", "reopen_count", "supports_count", "opposes_count", "comments_count", "follows_count",
    "last_activity_at",
)  # fmt: skip
ENTRY_COLUMNS = ("id", "kind", "object_id", "suggestion_id", "campaign_id", "is_public", "tokens", "created_at")
REPLY_COLUMNS = ("id", "suggestion_id", "department_id", "author_id", "body", "created_at", "rating", "rating_note",
                 "rated_at")  # fmt: skip
FOLLOW_COLUMNS = ("suggestion_id", "user_id", "created_at")
KINDS = ["suggest"] * 12 + ["ask"] * 3 + ["help"] * 2 + ["complain"] * 3


def copy_rows(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
        return int(cursor.fetchone()[0])


def reset_sequences(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: S608
            )


def vacuum(tables: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


@dataclass
class Plan:
    """How one campaign's suggestions are laid out."""

    campaign_id: int
    themes: list[tuple[int, int]]  # (theme id, suggestions)
    days: int  # published over the last ``days`` days, oldest first
    published_share: float
    answers: bool  # replies, votes and follows as the page campaign has them


def suggestion_rows(
    corpus: Corpus, plan: Plan, base: Base, first_id: int, first_entry: int, first_reply: int
) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """Chunks of (suggestion rows, search-entry rows, reply rows, follow rows)."""
    from django.utils import timezone

    from taolun.discussion.models import Participant
    from taolun.text.tokens import index_text

    rng = random.Random(SEED + plan.campaign_id)
    now = timezone.now()
    total = sum(n for _theme, n in plan.themes)
    start = now - dt.timedelta(days=plan.days)
    step = dt.timedelta(days=plan.days) / max(total, 1)
    order = [theme for theme, n in plan.themes for _ in range(n)]
    rng.shuffle(order)
    voter_users = dict(Participant.objects.filter(pk__in=base.voter_ids).values_list("pk", "user_id"))
    sid, eid, rid = first_id, first_entry, first_reply
    rows: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    replies: list[tuple[Any, ...]] = []
    follows: list[tuple[Any, ...]] = []
    for i, theme_id in enumerate(order):
        text = corpus.pool[rng.randrange(len(corpus.pool))]
        at = start + step * i
        author = base.voter_ids[rng.randrange(len(base.voter_ids))]
        published = rng.random() < plan.published_share
        status = "published" if published else rng.choice(("pending", "pending", "hidden", "rejected"))
        answer, department, assigned, due, replied, supports, opposes = "unrouted", None, None, None, None, 0, 0
        if published:
            roll = rng.random()
            if roll >= 0.25:
                answer, department = "assigned", base.department.pk
                assigned = at + dt.timedelta(hours=rng.randint(1, 48))
                due = assigned + dt.timedelta(days=15)
            if plan.answers and roll >= 0.60 and corpus.replies:
                replied = min(assigned + dt.timedelta(days=rng.randint(1, 20)), now)  # type: ignore[operator]
                answer = "closed" if roll >= 0.85 else "replied"
                rating = ("satisfied" if roll >= 0.93 else "basic") if answer == "closed" else ""
                reply = corpus.replies[rng.randrange(len(corpus.replies))]
                replies.append(
                    (rid, sid, department, base.liaison.pk, reply, replied, rating, "", replied if rating else None)
                )
                entries.append((eid, "reply", rid, sid, plan.campaign_id, True, index_text(reply), replied))
                rid += 1
                eid += 1
            if plan.answers:
                supports, opposes = corpus.votes[rng.randrange(len(corpus.votes))]
                supports, opposes = min(supports, 2_000), min(opposes, 200)
        published_at = at if published else None
        rows.append(
            (
                sid, at, replied or at, status, "[]", 0, text.fingerprint,
                f"10.{sid >> 16 & 255}.{sid >> 8 & 255}.{sid & 255}", "", published_at, plan.campaign_id, theme_id,
                KINDS[rng.randrange(len(KINDS))], text.title, text.body, author,
                "online", "", "", "", answer, department, assigned, due, replied, 0, supports, opposes, 0,
                1 if plan.answers else 0, replied or at,
            )
        )  # fmt: skip
        entries.append((eid, "suggestion", sid, sid, plan.campaign_id, published, text.tokens, at))
        if plan.answers:
            follows.append((sid, voter_users[author], at))
        sid += 1
        eid += 1
        if len(rows) >= CHUNK:
            yield rows, entries, replies, follows
            rows, entries, replies, follows = [], [], [], []
    if rows:
        yield rows, entries, replies, follows


VOTES_SQL = """
INSERT INTO discussion_vote (suggestion_id, participant_id, value, created_at)
SELECT s.id, v.ids[1 + (s.id * 7919 + g) %% array_length(v.ids, 1)],
       CASE WHEN g < s.supports_count THEN 1 ELSE -1 END, s.published_at + (g || ' minutes')::interval
FROM discussion_suggestion s
CROSS JOIN (SELECT array_agg(id ORDER BY id) AS ids FROM discussion_participant WHERE id = ANY(%(voters)s)) v
CROSS JOIN LATERAL generate_series(0, s.supports_count + s.opposes_count - 1) AS g
WHERE s.campaign_id = %(campaign)s AND s.status = 'published'
"""


@contextlib.contextmanager
def indexes_dropped(tables: list[str], progress: Callable[[str], None]) -> Iterator[None]:
    """Drop the secondary indexes and unique constraints of ``tables`` for a bulk load; make them again
    afterwards from their own definitions (as ``pg_get_indexdef`` / ``pg_get_constraintdef`` give them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = ANY(%s::regclass[]) AND contype = 'u'",
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
            " WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, table, _definition in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    progress(f"making {len(indexes)} indexes and {len(constraints)} unique constraints again")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, table, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


BULK_TABLES = ["discussion_suggestion", "discussion_searchentry"]


def load(corpus: Corpus, plan: Plan, base: Base, *, progress: Callable[[str], None], bulk: bool) -> int:
    """COPY one campaign's suggestions (and entries, replies, follows, votes); returns the suggestions.

    With ``bulk`` the suggestion and search-entry tables lose their secondary indexes (the GIN index
    among them) during the load and get them back afterwards."""
    from django.db import connection, transaction

    first_id, first_entry, first_reply = (
        next_id("discussion_suggestion"),
        next_id("discussion_searchentry"),
        next_id("discussion_reply"),
    )
    total = sum(n for _theme, n in plan.themes)
    started = time.perf_counter()
    done, generating, copying = 0, 0.0, 0.0
    with indexes_dropped(BULK_TABLES, progress) if bulk else contextlib.nullcontext():
        chunks = suggestion_rows(corpus, plan, base, first_id, first_entry, first_reply)
        while True:
            mark = time.perf_counter()
            chunk = next(chunks, None)
            generating += time.perf_counter() - mark
            if chunk is None:
                break
            rows, entries, replies, follows = chunk
            mark = time.perf_counter()
            with transaction.atomic():
                copy_rows("discussion_suggestion", SUGGESTION_COLUMNS, rows)
                copy_rows("discussion_reply", REPLY_COLUMNS, replies)
                copy_rows("discussion_searchentry", ENTRY_COLUMNS, entries)
                copy_rows("discussion_follow", FOLLOW_COLUMNS, follows)
            copying += time.perf_counter() - mark
            done += len(rows)
            if total >= 200_000 and done % 200_000 < CHUNK:
                progress(
                    f"{done:,} / {total:,} suggestions in {time.perf_counter() - started:.0f} s "
                    f"(making the texts {generating:.0f} s, COPY {copying:.0f} s)"
                )
        mark = time.perf_counter()
    if bulk:
        progress(f"indexes made again in {time.perf_counter() - mark:.0f} s")
    if plan.answers:
        with connection.cursor() as cursor:
            cursor.execute(VOTES_SQL, {"voters": base.voter_ids, "campaign": plan.campaign_id})
    reset_sequences(["discussion_suggestion", "discussion_searchentry", "discussion_reply"])
    mark = time.perf_counter()
    vacuum([*BULK_TABLES, "discussion_reply", "discussion_vote", "discussion_follow"])
    if bulk:
        progress(f"VACUUM ANALYZE in {time.perf_counter() - mark:.0f} s")
    return total


def page_plan(campaign: Any) -> Plan:
    themes = list(campaign.themes.order_by("order", "id").values_list("pk", flat=True))
    return Plan(
        campaign.pk,
        [(themes[0], PAGE_THEME_SUGGESTIONS)] + [(t, PAGE_OTHER_SUGGESTIONS) for t in themes[1:]],
        days=30,
        published_share=1.0,
        answers=True,
    )


def search_plan(campaign: Any, rows: int) -> Plan:
    themes = list(campaign.themes.order_by("order", "id").values_list("pk", flat=True))
    per = rows // len(themes)
    return Plan(
        campaign.pk,
        [(t, per + (rows - per * len(themes) if i == 0 else 0)) for i, t in enumerate(themes)],
        days=60,
        published_share=0.97,
        answers=False,
    )
