"""The research tests share the problem ledger's fixtures (campaign, leader, owner, make_topic, make_problem)."""

from taolun.problems.tests.conftest import campaign, leader, make_problem, make_topic, owner  # noqa: F401
