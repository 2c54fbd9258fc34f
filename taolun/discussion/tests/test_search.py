"""Chinese full-text search over suggestions, comments and replies (``search`` and the selectors).

These run on the database configured: SQLite answers from its FTS5 table, PostgreSQL from the GIN
index over the ``tsvector`` column (run with DATABASE_URL=postgres://… to exercise it). The tests
marked ``postgres`` check what only PostgreSQL has.
"""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import require_postgres
from taolun.discussion import search, selectors, services
from taolun.discussion.models import SearchEntry, Visibility

pytestmark = pytest.mark.django_db


PARKING = "小区停车难问题突出，建议利用闲置空地建设立体停车场，缓解居民停车压力。"
RUBBISH = "建议全面推行垃圾分类，在每个小区设置分类投放点，并安排志愿者现场指导。"
NOISE = "菜市场凌晨卸货噪音很大，影响周边居民休息，建议调整卸货时间。"


@pytest.fixture
def posted(campaign, theme, make_suggestion, citizen2, route_to_department):
    parking = make_suggestion(title="关于解决小区停车难的建议", body=PARKING)
    rubbish = make_suggestion(title="关于推行垃圾分类的建议", body=RUBBISH)
    noise = make_suggestion(title="关于菜市场噪音扰民的反映", body=NOISE)
    comment = services.comment_create(
        suggestion=parking, body="我们楼下每天晚上都找不到车位，立体车库是好办法", by=citizen2
    )
    return {"parking": parking, "rubbish": rubbish, "noise": noise, "comment": comment}


def found(campaign, query: str) -> set[tuple[str, int]]:
    return set(selectors.search_entries(campaign, query).values_list("kind", "object_id"))


def test_chinese_words_find_suggestions_and_comments(campaign, posted):
    assert found(campaign, "停车") == {("suggestion", posted["parking"].pk)}
    assert found(campaign, "立体车库") == {("comment", posted["comment"].pk)}
    assert found(campaign, "垃圾分类") == {("suggestion", posted["rubbish"].pk)}
    assert found(campaign, "小区") == {("suggestion", posted["parking"].pk), ("suggestion", posted["rubbish"].pk)}
    assert found(campaign, "扰民") == {("suggestion", posted["noise"].pk)}  # in the title only
    assert found(campaign, "地铁") == set()


def test_the_newest_come_first(campaign, posted):
    kinds = list(selectors.search_entries(campaign, "小区").values_list("object_id", flat=True))
    assert kinds == [posted["rubbish"].pk, posted["parking"].pk]


def test_traditional_and_full_width_queries_find_simplified_text(campaign, posted, make_suggestion):
    assert found(campaign, "垃圾分類") == {("suggestion", posted["rubbish"].pk)}
    assert found(campaign, "停車難") == {("suggestion", posted["parking"].pk)}
    wifi = make_suggestion(title="关于公共场所免费WiFi的建议", body="建议在社区服务中心开通免费WiFi和5G信号覆盖。")
    assert found(campaign, "ＷｉＦｉ") == {("suggestion", wifi.pk)}
    assert found(campaign, "wifi") == {("suggestion", wifi.pk)}
    assert found(campaign, "５Ｇ") == {("suggestion", wifi.pk)}


def test_traditional_text_is_found_by_simplified_queries(campaign, make_suggestion):
    suggestion = make_suggestion(title="關於社區圖書館的建議", body="建議社區圖書館延長開放時間，週末也能借閱。")
    assert found(campaign, "图书馆") == {("suggestion", suggestion.pk)}
    assert found(campaign, "開放時間") == {("suggestion", suggestion.pk)}


def test_every_word_of_the_query_must_be_there(campaign, posted):
    assert found(campaign, "小区停车") == {("suggestion", posted["parking"].pk)}
    assert found(campaign, "停车 垃圾") == set()
    assert found(campaign, "噪音 志愿者") == set()
    assert found(campaign, "停车 地铁") == set()


def test_words_separated_by_spaces_are_each_looked_for(campaign, posted):
    assert found(campaign, "小区 垃圾") == {("suggestion", posted["rubbish"].pk)}
    assert found(campaign, "志愿者 小区") == {("suggestion", posted["rubbish"].pk)}
    assert found(campaign, "居民 停车场") == {("suggestion", posted["parking"].pk)}


def test_latin_words_of_a_sentence_are_found_one_by_one(campaign, make_suggestion):
    english = make_suggestion(title="关于英文标识的建议", body="路牌上写着 parking or stop 的英文标识不统一。")
    assert found(campaign, "parking") == {("suggestion", english.pk)}
    assert found(campaign, "stop") == {("suggestion", english.pk)}


def test_replies_are_found_and_follow_their_suggestion(campaign, posted, dept_liaison):
    reply = services.reply_create(
        suggestion=posted["noise"], body="已责成市场管理方把卸货时间调整到早上六点以后。", by=dept_liaison
    )
    assert found(campaign, "管理方") == {("reply", reply.pk)}
    assert found(campaign, "卸货") == {("suggestion", posted["noise"].pk), ("reply", reply.pk)}


def test_held_and_hidden_content_is_not_found(campaign, posted, make_suggestion, words, citizen2):
    words("法轮功")
    held = make_suggestion(title="关于健身广场的建议", body="健身广场晚上有人宣传法轮功，也有人跳广场舞太吵。")
    held_comment = services.comment_create(suggestion=posted["rubbish"], body="广场舞旁边也有法轮功传单", by=citizen2)
    assert held.status == Visibility.PENDING and held_comment.status == Visibility.PENDING
    assert found(campaign, "广场舞") == set()
    services.moderate(item=held, action="approve", by=None)
    assert found(campaign, "广场舞") == {("suggestion", held.pk)}
    services.moderate(item=held_comment, action="approve", by=None)
    assert found(campaign, "广场舞") == {("suggestion", held.pk), ("comment", held_comment.pk)}

    parking, comment = posted["parking"], posted["comment"]
    services.moderate(item=parking, action="hide", note="重复内容", by=None)
    assert found(campaign, "停车") == set()
    assert found(campaign, "立体车库") == set()  # its comment goes with it
    services.moderate(item=parking, action="restore", by=None)
    assert found(campaign, "立体车库") == {("comment", comment.pk)}
    services.moderate(item=comment, action="hide", note="广告", by=None)
    assert found(campaign, "立体车库") == set()
    services.moderate(item=comment, action="reject", note="广告", by=None)
    assert found(campaign, "立体车库") == set()


def test_search_stays_within_the_campaign(campaign, posted, make_campaign, citizen):
    other = make_campaign()
    services.suggestion_create(
        campaign=other, theme=other.themes.first(), title="另一活动的停车建议", body=PARKING + "另一活动。", by=citizen
    )
    assert found(campaign, "停车") == {("suggestion", posted["parking"].pk)}
    assert len(found(other, "停车")) == 1


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"停车',
        "停车*",
        "*",
        "停车 OR 垃圾",
        "OR",
        "AND",
        "NOT 停车",
        "NEAR(停车 小区)",
        "NEAR(",
        "'",
        "停车'; DROP TABLE discussion_searchentry; --",
        "\\",
        "停车\\",
        "%",
        "100%",
        "_",
        "停车 -垃圾",
        "tokens:停车",
        "{tokens}:停车",
        "^停车",
        "停车:*",
        "!停车 & 小区 | 垃圾",
        "(停车",
        "",
        "   ",
        "\x00",
        "，。！？",
        "a" * 3000,
        "停车" * 400,
        "停车 " * 100,
    ],
    ids=lambda query: query[:20] or "empty",
)
def test_query_syntax_and_sql_characters_never_fail(campaign, posted, query):
    entries = list(selectors.search_entries(campaign, query))
    selectors.search_hits(entries, query)
    assert SearchEntry.objects.exists()  # the table survives


def test_operators_are_taken_as_words(campaign, posted, make_suggestion):
    assert found(campaign, "停车 OR 垃圾") == set()  # "or" is a word no text holds
    assert found(campaign, "停车*") == {("suggestion", posted["parking"].pk)}
    assert found(campaign, "NEAR(停车 小区)") == set()
    english = make_suggestion(title="关于英文标识的建议", body="路牌上写着 parking or stop 的英文标识不统一。")
    assert found(campaign, "parking OR stop") == {("suggestion", english.pk)}
    assert found(campaign, '"停车"') == {("suggestion", posted["parking"].pk)}
    assert found(campaign, "停车'") == {("suggestion", posted["parking"].pk)}


def test_an_empty_query_finds_nothing(campaign, posted):
    assert found(campaign, "") == set()
    assert found(campaign, "！！") == set()


def test_hits_carry_the_text_and_marks_on_the_original(campaign, make_suggestion, citizen2):
    suggestion = make_suggestion(
        title="关于垃圾分类的建议", body="建议推行垃圾分類，小区里 垃 圾·分 类 做得好的给予表扬。"
    )
    comment = services.comment_create(suggestion=suggestion, body="ＡＢＣ小区的垃圾分类做得很好", by=citizen2)
    entries = list(selectors.search_entries(campaign, "垃圾分类"))
    hits = {hit.kind: hit for hit in selectors.search_hits(entries, "垃圾分类")}
    assert set(hits) == {"suggestion", "comment"}
    body_hit = hits["suggestion"]
    assert body_hit.suggestion == suggestion and body_hit.obj == suggestion
    assert body_hit.text == suggestion.body
    assert [body_hit.text[a:b] for a, b in body_hit.marks] == ["垃圾分類", "垃 圾·分 类"]
    comment_hit = hits["comment"]
    assert comment_hit.obj == comment and comment_hit.suggestion == suggestion
    assert [comment_hit.text[a:b] for a, b in comment_hit.marks] == ["垃圾分类"]
    abc = selectors.search_hits(list(selectors.search_entries(campaign, "abc")), "abc")
    assert [(h.kind, [h.text[a:b] for a, b in h.marks]) for h in abc] == [("comment", ["ＡＢＣ"])]


def test_highlight_marks_each_match_on_the_original_text():
    text = "停车难，停車更難！小区停车位少。"
    marks = search.highlight(text, "停车")
    assert [text[a:b] for a, b in marks] == ["停车", "停車", "停车"]
    assert search.highlight(text, "") == []
    assert search.highlight("", "停车") == []
    assert search.highlight(text, "地铁") == []
    # Neighbouring tokens of one query merge into one mark.
    assert [text[a:b] for a, b in search.highlight(text, "小区停车位")] == ["停车", "停車", "小区停车位"]
    assert [text[a:b] for a, b in search.highlight(text, "车位")] == ["车位"]


def test_search_hits_reads_a_page_in_a_fixed_number_of_queries(
    campaign, make_suggestion, citizen2, django_assert_max_num_queries
):
    for n in range(6):
        suggestion = make_suggestion(title=f"关于停车问题的第{n}条建议", body=f"{PARKING}第{n}条。")
        services.comment_create(suggestion=suggestion, body=f"停车确实难，第{n}条评论", by=citizen2)
    with django_assert_max_num_queries(4):
        entries = list(selectors.search_entries(campaign, "停车")[:20])
        hits = selectors.search_hits(entries, "停车")
    assert len(hits) == 12


def test_the_index_is_kept_in_step_with_the_text(campaign, posted):
    parking = posted["parking"]
    parking.body = "改为建议开放学校操场夜间停放车辆。"
    parking.save()
    search.index(parking)
    assert found(campaign, "操场") == {("suggestion", parking.pk)}
    assert found(campaign, "立体停车场") == set()
    search.unindex([parking])
    assert found(campaign, "操场") == set()
    assert not SearchEntry.objects.filter(kind="suggestion", object_id=parking.pk).exists()


@pytest.mark.postgres
def test_postgres_matches_through_the_tsvector_column(campaign, posted):
    require_postgres()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tsv::text FROM discussion_searchentry WHERE kind = 'suggestion' AND object_id = %s",
            [posted["parking"].pk],
        )
        (tsv,) = cursor.fetchone()
    assert "'停车'" in tsv and "'小区'" in tsv
    sql = str(search.matching("停车").query)
    assert "plainto_tsquery" in sql and "@@" in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'disc_search_tsv_idx'")
        (indexdef,) = cursor.fetchone()
    assert "gin" in indexdef.lower()


def test_sqlite_fts5_table_and_its_triggers_follow_the_entries():
    """The embedded mode's index, checked on an SQLite database of its own whatever the test database is:
    migration 0002's table and triggers keep FTS5 in step with inserts, updates and deletes."""
    import importlib
    import sqlite3

    from taolun.text.tokens import index_text, query_tokens

    migration = importlib.import_module("taolun.discussion.migrations.0002_search_index")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE discussion_searchentry (id INTEGER PRIMARY KEY, tokens TEXT NOT NULL)")
    for statement in migration.SQLITE_FORWARD:
        db.execute(statement)
    db.execute("INSERT INTO discussion_searchentry VALUES (1, ?)", [index_text("小区停车难，建议增设停车位")])
    db.execute("INSERT INTO discussion_searchentry VALUES (2, ?)", [index_text("垃圾分类要常态化")])

    def found(query: str) -> set[int]:
        sql = "SELECT rowid FROM discussion_searchentry_fts WHERE discussion_searchentry_fts MATCH ?"
        return {row[0] for row in db.execute(sql, [search.fts5_query(query_tokens(query))])}

    assert found("停车") == {1} and found("垃圾 分类") == {2} and found("停车 垃圾") == set()
    assert found('"*停车 OR NEAR(') == set()  # FTS5 syntax in a query is taken literally
    db.execute("UPDATE discussion_searchentry SET tokens = ? WHERE id = 2", [index_text("停车收费不透明")])
    assert found("停车") == {1, 2} and found("垃圾") == set()
    db.execute("DELETE FROM discussion_searchentry WHERE id = 1")
    assert found("停车") == {2}


def test_the_database_in_use_matches_through_its_own_index(campaign, posted):
    sql = str(search.matching("停车").query)
    if connection.vendor == "postgresql":
        assert "plainto_tsquery" in sql
        return
    assert connection.vendor == "sqlite"
    assert "discussion_searchentry_fts MATCH" in sql
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rowid FROM discussion_searchentry_fts WHERE discussion_searchentry_fts MATCH %s", ['"停车"']
        )
        rows = {row[0] for row in cursor.fetchall()}
    assert rows == set(
        SearchEntry.objects.filter(kind="suggestion", object_id=posted["parking"].pk).values_list("id", flat=True)
    )
