"""``python -m bench``: every benchmark against one throw-away PostgreSQL database (see README.md)."""

from __future__ import annotations

from . import activities, articles, discussion, problems, roster_import, subtree_query, text, text_quality
from .common import bench_database


def main() -> None:
    with bench_database():
        roster_import.run()
        subtree_query.run()
        activities.run()
        problems.run()
    text.run()  # the text engine needs no database
    text_quality.run()
    articles.run()  # the detector as the articles app uses it: a library on disk, no database
    discussion.run()  # gunicorn + wrk against its own database, kept between runs (own process)


if __name__ == "__main__":
    main()
