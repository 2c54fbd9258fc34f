"""What articles prove, for the requirement engine (``campaigns.evidence``).

An article counts for an ``article`` requirement when it belongs to the requirement's campaign and its
status is one of those asked (by default approved, excellent or published). A person's count is their
own article; a unit's, the articles of its people (by the unit the author was in when writing).
"""

from __future__ import annotations

from taolun.campaigns import evidence

from .models import Article

evidence.register("article", evidence.StatusCountProvider(Article, "author_id"))
