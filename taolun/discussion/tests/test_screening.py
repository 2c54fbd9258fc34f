"""The sensitive-word screen in use (``screening``): the list in the database, the screen rebuilt
whenever the list changes, in this process and in others (simulated by the shared cache's stamp and
by dropping the process's built screen).
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from taolun.core.models import AuditEntry
from taolun.discussion import screening, services
from taolun.discussion.models import SensitiveWord

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_screen(monkeypatch):
    """Each test starts as a new process would: nothing built yet."""
    monkeypatch.setattr(screening, "_built", None)


def test_words_added_and_removed_take_effect_at_once(org, words):
    assert screening.hits("有人宣传法轮功") == []
    assert words("法轮功", "邪教") == 2
    assert screening.hits("有人宣传法 轮·功和邪教") == ["法轮功", "邪教"]
    assert services.words_remove(words=["邪教"], by=org.user("office")) == 1
    assert screening.hits("有人宣传法轮功和邪教") == ["法轮功"]
    assert services.words_remove(words=["法轮功", "不存在的词"], by=None) == 1
    assert screening.hits("有人宣传法轮功") == []


def test_each_word_is_found_once_in_the_order_first_seen(words):
    words("赌博", "法轮功")
    assert screening.hits("法轮功……赌博……法輪功", "又是赌博") == ["法轮功", "赌博"]
    assert screening.hits("", "普通文字") == []


def test_the_word_list_is_cleaned_and_audited(org, words):
    office = org.user("office")
    assert services.words_add(words=["  赌博 ", "", "赌博", "   "], category="违法", by=office) == 1
    assert services.words_add(words=["赌博", "诈骗"], by=office) == 1  # known words are skipped
    assert sorted(SensitiveWord.objects.values_list("word", flat=True)) == ["诈骗", "赌博"]
    assert SensitiveWord.objects.get(word="赌博").category == "违法"
    with pytest.raises(ValidationError) as refused:
        services.words_add(words=["长" * 41], by=office)
    assert "words" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.words_add(words=["·—！"], by=office)
    assert "words" in refused.value.message_dict
    assert services.words_add(words=[], by=office) == 0
    added = AuditEntry.objects.filter(action="discussion.words_add").order_by("id")
    assert [e.after for e in added] == [{"words": ["赌博"]}, {"words": ["诈骗"]}]
    assert all(e.actor == office for e in added)
    services.words_remove(words=["诈骗"], by=office)
    assert AuditEntry.objects.get(action="discussion.words_remove").before == {"words": ["诈骗"]}


def test_only_moderators_keep_the_word_list(org):
    for role in ("liaison", "reviewer", "cadre", "citizen"):
        with pytest.raises(PermissionDenied):
            services.words_add(words=["赌博"], by=org.user(role))
        with pytest.raises(PermissionDenied):
            services.words_remove(words=["赌博"], by=org.user(role))
    assert services.words_add(words=["赌博"], by=org.user("publicity")) == 1


def test_another_process_change_is_seen_through_the_shared_stamp(words):
    words("赌博")
    assert screening.hits("赌博网站") == ["赌博"]
    # Another process adds a word: the row is there, but this process keeps its screen ...
    SensitiveWord.objects.create(word="诈骗")
    assert screening.hits("电信诈骗") == []
    # ... until that process publishes the new stamp after its commit.
    cache.set(screening.STAMP_KEY, "another-process-stamp", timeout=None)
    assert screening.hits("电信诈骗") == ["诈骗"]
    # And a removal elsewhere.
    SensitiveWord.objects.filter(word="赌博").delete()
    cache.set(screening.STAMP_KEY, "yet-another-stamp", timeout=None)
    assert screening.hits("赌博网站") == []


def test_a_new_process_builds_from_the_database(words):
    words("赌博")
    assert screening.hits("赌博") == ["赌博"]
    SensitiveWord.objects.create(word="诈骗")
    screening._built = None  # another process: nothing built yet
    assert screening.hits("赌博诈骗") == ["赌博", "诈骗"]


def test_a_lost_stamp_is_read_again_from_the_database(words):
    words("赌博")
    assert screening.hits("赌博") == ["赌博"]
    SensitiveWord.objects.create(word="诈骗")  # another process, whose stamp the cache then lost
    cache.clear()
    assert screening.hits("赌博诈骗") == ["赌博", "诈骗"]
    SensitiveWord.objects.filter(word="赌博").delete()
    cache.clear()
    assert screening.hits("赌博诈骗") == ["诈骗"]


def test_the_stamp_changes_with_every_change_of_the_list(words):
    stamps = {screening._stamp_from_db()}
    words("赌博", "诈骗")
    stamps.add(screening._stamp_from_db())
    SensitiveWord.objects.filter(word="赌博").delete()  # not the newest word
    stamps.add(screening._stamp_from_db())
    SensitiveWord.objects.filter(word="诈骗").delete()
    SensitiveWord.objects.create(word="邪教")  # one out, one in: the same count
    stamps.add(screening._stamp_from_db())
    word = SensitiveWord.objects.get()
    word.word = "邪恶组织"
    word.save()  # edited in place (as in the admin)
    stamps.add(screening._stamp_from_db())
    assert len(stamps) == 5


def test_the_new_stamp_is_published_when_the_change_commits(words, django_capture_on_commit_callbacks):
    words("赌博")
    before = screening.current_stamp()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.words_add(words=["诈骗"], by=None)
    assert cache.get(screening.STAMP_KEY) is None  # dropped at once: this transaction reads afresh
    assert len(callbacks) == 1
    callbacks[0]()
    assert cache.get(screening.STAMP_KEY) == screening._stamp_from_db() != before


def test_a_stamp_read_before_another_process_commits_does_not_stick(words, monkeypatch):
    words("赌博")
    assert screening.hits("赌博") == ["赌博"]
    old_stamp = screening.current_stamp()
    cache.delete(screening.STAMP_KEY)  # another process's words_changed(), inside its transaction
    read_from_db = screening._stamp_from_db

    def read_just_before_the_other_commits() -> str:
        stamp = old_stamp  # what this process reads: the other transaction has not committed yet
        SensitiveWord.objects.create(word="诈骗")  # now it commits ...
        cache.set(screening.STAMP_KEY, read_from_db(), timeout=None)  # ... and publishes its stamp
        return stamp

    monkeypatch.setattr(screening, "_stamp_from_db", read_just_before_the_other_commits)
    screening.current_stamp()
    monkeypatch.setattr(screening, "_stamp_from_db", read_from_db)
    assert screening.hits("电信诈骗") == ["诈骗"]


def test_a_word_added_later_refuses_nicknames_and_holds_posts(org, campaign, theme, citizen, words):
    from tests.factories import UserFactory

    user = UserFactory(username="newcomer")
    assert services.participant_ensure(user=user, nickname="诈骗专家").nickname == "诈骗专家"
    words("诈骗")
    other = UserFactory(username="newcomer2")
    with pytest.raises(ValidationError) as refused:
        services.participant_ensure(user=other, nickname="诈 骗 专 家")
    assert refused.value.message_dict["nickname"] == ["昵称含有不宜使用的词语，请换一个。"]
    held = services.suggestion_create(
        campaign=campaign,
        theme=theme,
        title="关于防范电信诈骗的建议",
        body="建议社区多开展防范电信诈骗的宣传活动，提醒老年人。",
        by=citizen,
    )
    assert held.status == "pending" and held.screen_hits == ["诈骗"]
    services.words_remove(words=["诈骗"], by=None)
    again = services.suggestion_create(
        campaign=campaign,
        theme=theme,
        title="关于防范电信诈骗宣传的建议",
        body="建议社区多开展防范电信诈骗的宣传活动，提醒老年人注意。",
        by=citizen,
    )
    assert again.status == "published" and again.screen_hits == []
