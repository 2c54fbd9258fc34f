"""``taolun discussion import|send-reminders|words|reindex``: the online discussion from the command line
(run as the system, unrestricted).

- ``import --campaign SLUG FILE.csv`` imports offline opinions (书面意见, 走访调研, 12345热线 …) through
  :func:`taolun.discussion.imports.import_offline`: every row is checked first; when any is wrong the
  command prints each error with its row number and column, writes nothing and exits with status 1.
- ``send-reminders`` runs the reply reminders, 催办 and 督办 now (what the periodic task does) and
  prints how many notices went out.
- ``words add|remove|list`` keeps the sensitive-word list (words as arguments, or one a line from
  ``--file``); the screen of every process reloads when the list changes.
- ``reindex [--campaign SLUG]`` rebuilds the search entries of every suggestion, comment and reply from
  their texts, a batch at a time (entries are rewritten in place, so search keeps working meanwhile),
  and drops entries whose text is gone.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from taolun.core.commands import bar, campaign_by_slug
from taolun.discussion import search, services
from taolun.discussion.imports import decode_text, import_offline
from taolun.discussion.models import SearchKind, SensitiveWord


class Command(BaseCommand):
    help = (
        "The online discussion: import offline opinions from CSV (all rows or nothing), send the reply "
        "reminders, keep the sensitive-word list, rebuild the search index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{import,send-reminders,words,reindex}")
        load = sub.add_parser("import", help="import offline opinions from a CSV file: every row is checked first")
        load.add_argument("file", metavar="FILE.csv", help="CSV in the template's columns (UTF-8 or GB18030)")
        load.add_argument("--campaign", required=True, metavar="SLUG", help="campaign slug")
        sub.add_parser("send-reminders", help="send the reply reminders, 催办 and 督办 due now")
        words = sub.add_parser("words", help="add, remove or list sensitive words").add_subparsers(
            dest="words_action", required=True, metavar="{add,remove,list}"
        )
        for name, what in (("add", "add sensitive words"), ("remove", "remove sensitive words")):
            change = words.add_parser(name, help=what)
            change.add_argument("words", nargs="*", metavar="WORD")
            change.add_argument("--file", metavar="F", help="a text file of words, one a line (UTF-8 or GB18030)")
            if name == "add":
                change.add_argument("--category", default="", help="category of the words added")
        words.add_parser("list", help="list the sensitive words")
        reindex = sub.add_parser("reindex", help="rebuild the search entries of suggestions, comments and replies")
        reindex.add_argument("--campaign", metavar="SLUG", help="only this campaign")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"].replace("-", "_"))(**options)

    @property
    def progress_stream(self) -> Any:
        return getattr(self.stderr, "_out", sys.stderr)

    # —— import ——

    def do_import(self, **o: Any) -> None:
        campaign = campaign_by_slug(o["campaign"])
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(_("找不到文件“%(path)s”。") % {"path": path})
        result = import_offline(campaign=campaign, data=path.read_bytes(), filename=path.name, by=None)
        if not result.ok:
            for error in result.errors:
                self.stdout.write(str(error))
            raise CommandError(
                _("发现 %(n)s 处错误，没有导入任何一行。请逐处修改后重新导入。") % {"n": len(result.errors)},
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("已导入 %(created)s 条建言（已交办 %(routed)s 条，含敏感词待审核 %(held)s 条）。")
                % {"created": result.created, "routed": result.routed, "held": result.held}
            )
        )

    # —— send-reminders ——

    def do_send_reminders(self, **o: Any) -> None:
        sent = services.reminders_send()
        self.stdout.write(
            _("已发送到期提醒 %(remind)s 条、催办 %(urge)s 条、督办 %(escalate)s 条。")
            % {"remind": sent["remind"], "urge": sent["urge"], "escalate": sent["escalate"]}
        )

    # —— words ——

    def do_words(self, **o: Any) -> None:
        action = o["words_action"]
        if action == "list":
            words = list(SensitiveWord.objects.order_by("word").values_list("word", "category"))
            for word, category in words:
                self.stdout.write(f"{word}\t{category}" if category else word)
            self.stdout.write(_("共 %(n)s 个敏感词。") % {"n": len(words)})
            return
        given = list(o["words"])
        if o["file"]:
            path = Path(o["file"])
            try:
                given += decode_text(path.read_bytes()).splitlines()
            except OSError as error:
                raise CommandError(
                    _("无法读取“%(path)s”：%(error)s") % {"path": path, "error": error.strerror or error}
                ) from error
            except ValueError as error:
                raise CommandError(str(error)) from error
        given = [word.strip() for word in given if word.strip()]
        if not given:
            raise CommandError(_("请给出敏感词，或用 --file 给出每行一个词的文本文件。"))
        try:
            if action == "add":
                n = services.words_add(words=given, category=o.get("category", ""), by=None)
                self.stdout.write(
                    _("新增 %(n)s 个敏感词，%(known)s 个已在词表中。") % {"n": n, "known": len(set(given)) - n}
                )
            else:
                n = services.words_remove(words=given, by=None)
                self.stdout.write(
                    _("删除 %(n)s 个敏感词，%(unknown)s 个不在词表中。") % {"n": n, "unknown": len(set(given)) - n}
                )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error

    # —— reindex ——

    def do_reindex(self, **o: Any) -> None:
        campaign = campaign_by_slug(o["campaign"]) if o["campaign"] else None
        bars: dict[str, Any] = {}

        def progress(kind: str, total: int, done: int) -> None:
            if kind not in bars:
                bars[kind] = bar(self.progress_stream, total, str(SearchKind(kind).label), _("条"))
            bars[kind].update(done)

        try:
            counts = search.reindex(campaign=campaign, progress=progress)
        finally:
            for progress_bar in bars.values():
                progress_bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                _("搜索索引已重建：建言 %(s)s 条、评论 %(c)s 条、答复 %(r)s 条，删除失效条目 %(stale)s 条。")
                % {
                    "s": counts[SearchKind.SUGGESTION],
                    "c": counts[SearchKind.COMMENT],
                    "r": counts[SearchKind.REPLY],
                    "stale": counts["stale"],
                }
            )
        )
