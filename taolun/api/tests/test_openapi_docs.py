"""The OpenAPI schema lists every route; the docs page and every asset it loads come from this server."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROUTES = {
    ("get", "/api/activities"),
    ("post", "/api/activities"),
    ("get", "/api/activities/mine"),
    ("get", "/api/activities/{activity_id}"),
    ("patch", "/api/activities/{activity_id}"),
    ("post", "/api/activities/{activity_id}/confirm"),
    ("post", "/api/activities/{activity_id}/unlock"),
    ("post", "/api/activities/{activity_id}/cancel"),
    ("post", "/api/activities/{activity_id}/invitations"),
    ("get", "/api/activities/{activity_id}/participants"),
    ("post", "/api/activities/{activity_id}/leave"),
    ("post", "/api/activities/{activity_id}/leave/decide"),
    ("post", "/api/activities/{activity_id}/checkin"),
    ("get", "/api/activities/{activity_id}/code"),
    ("post", "/api/activities/{activity_id}/attendance"),
    ("put", "/api/activities/{activity_id}/minutes"),
    ("get", "/api/activities/{activity_id}/speeches"),
    ("post", "/api/activities/{activity_id}/speeches"),
    ("delete", "/api/activities/{activity_id}/speeches/{person_id}"),
    ("get", "/api/activities/{activity_id}/opinions"),
    ("post", "/api/activities/{activity_id}/opinions"),
    ("put", "/api/activities/{activity_id}/inspection"),
    ("get", "/api/activities/{activity_id}/attachments"),
    ("post", "/api/activities/{activity_id}/attachments"),
    ("get", "/api/me"),
    ("get", "/api/tokens"),
    ("post", "/api/tokens"),
    ("delete", "/api/tokens/{token_id}"),
    ("get", "/api/units"),
    ("post", "/api/units"),
    ("get", "/api/units/{unit_id}"),
    ("patch", "/api/units/{unit_id}"),
    ("get", "/api/units/{unit_id}/children"),
    ("get", "/api/people"),
    ("post", "/api/people"),
    ("get", "/api/people/{person_id}"),
    ("patch", "/api/people/{person_id}"),
    ("get", "/api/campaigns"),
    ("get", "/api/campaigns/{slug}"),
    ("get", "/api/research/topics"),
    ("post", "/api/research/topics"),
    ("get", "/api/research/topics/{topic_id}"),
    ("patch", "/api/research/topics/{topic_id}"),
    ("post", "/api/research/topics/{topic_id}/register"),
    ("post", "/api/research/topics/{topic_id}/progress"),
    ("post", "/api/research/topics/{topic_id}/progress/file"),
    ("post", "/api/research/topics/{topic_id}/report"),
    ("post", "/api/research/topics/{topic_id}/accept"),
    ("post", "/api/research/topics/{topic_id}/return"),
    ("get", "/api/problems"),
    ("post", "/api/problems"),
    ("get", "/api/problems/summary"),
    ("get", "/api/problems/{problem_id}"),
    ("patch", "/api/problems/{problem_id}"),
    ("post", "/api/problems/{problem_id}/transitions"),
    ("get", "/api/problems/{problem_id}/history"),
    ("post", "/api/problems/{problem_id}/measures"),
    ("patch", "/api/problems/measures/{measure_id}"),
    ("delete", "/api/problems/measures/{measure_id}"),
    ("post", "/api/problems/measures/{measure_id}/progress"),
    ("post", "/api/problems/{problem_id}/extensions"),
    ("post", "/api/problems/extensions/{extension_id}/decision"),
    ("post", "/api/problems/{problem_id}/public"),
    ("post", "/api/problems/{problem_id}/evidence"),
    ("delete", "/api/problems/evidence/{evidence_id}"),
    ("get", "/api/problems/self-examination"),
    ("put", "/api/problems/self-examination"),
    ("get", "/api/problems/self-examinations"),
    ("get", "/api/problems/self-examinations/{examination_id}"),
    ("get", "/api/problems/public/{campaign_slug}"),
    ("get", "/api/articles"),
    ("post", "/api/articles"),
    ("get", "/api/articles/mine"),
    ("get", "/api/articles/{article_id}"),
    ("patch", "/api/articles/{article_id}"),
    ("post", "/api/articles/{article_id}/submit"),
    ("post", "/api/articles/{article_id}/withdraw"),
    ("post", "/api/articles/{article_id}/consent"),
    ("post", "/api/articles/{article_id}/return"),
    ("post", "/api/articles/{article_id}/approve"),
    ("post", "/api/articles/{article_id}/excellent"),
    ("post", "/api/articles/{article_id}/unexcellent"),
    ("post", "/api/articles/{article_id}/publish"),
    ("post", "/api/articles/{article_id}/unpublish"),
    ("post", "/api/articles/{article_id}/assign"),
    ("get", "/api/articles/{article_id}/revisions"),
    ("get", "/api/articles/{article_id}/revisions/{number}"),
    ("get", "/api/articles/{article_id}/check"),
    ("post", "/api/articles/recheck"),
    ("get", "/api/articles/rechecks/{run_id}"),
    ("get", "/api/articles/references/collections"),
    ("post", "/api/articles/references/collections"),
    ("get", "/api/articles/references/collections/{collection_id}/texts"),
    ("post", "/api/articles/references/collections/{collection_id}/import"),
    ("delete", "/api/articles/references/texts/{text_id}"),
    ("get", "/api/articles/published"),
    ("get", "/api/discussion/themes"),
    ("get", "/api/discussion/suggestions"),
    ("post", "/api/discussion/suggestions"),
    ("get", "/api/discussion/suggestions/{suggestion_id}"),
    ("get", "/api/discussion/search"),
    ("post", "/api/discussion/suggestions/{suggestion_id}/comments"),
    ("put", "/api/discussion/suggestions/{suggestion_id}/vote"),
    ("delete", "/api/discussion/suggestions/{suggestion_id}/vote"),
    ("put", "/api/discussion/suggestions/{suggestion_id}/follow"),
    ("delete", "/api/discussion/suggestions/{suggestion_id}/follow"),
    ("post", "/api/discussion/suggestions/{suggestion_id}/reports"),
    ("post", "/api/discussion/comments/{comment_id}/reports"),
    ("post", "/api/discussion/replies/{reply_id}/rating"),
    ("get", "/api/discussion/inbox"),
    ("post", "/api/discussion/suggestions/{suggestion_id}/replies"),
    ("post", "/api/discussion/suggestions/{suggestion_id}/route"),
    ("get", "/api/discussion/moderation"),
    ("post", "/api/discussion/moderation"),
    ("post", "/api/discussion/participants/{participant_id}/block"),
    ("post", "/api/discussion/participants/{participant_id}/unblock"),
    ("get", "/api/discussion/settings"),
    ("patch", "/api/discussion/settings"),
    ("put", "/api/discussion/settings/routing"),
}
# The only operations anyone may call without signing in.
PUBLIC = {
    ("get", "/api/problems/public/{campaign_slug}"),
    ("get", "/api/articles/published"),
    ("get", "/api/discussion/themes"),
    ("get", "/api/discussion/suggestions"),
    ("get", "/api/discussion/suggestions/{suggestion_id}"),
    ("get", "/api/discussion/search"),
}
# Where a page or stylesheet would make the browser fetch something.
LOADS = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\(\s*["']?([^"')]+)["']?\s*\)|@import\s+["']([^"']+)""")
# Hosts scripts would load code, styles or fonts from at run time. (Swagger UI's online validator is the
# one fetch the bundle knows of; the page turns it off, see test_the_docs_page_disables_the_online_validator.)
FETCHING_HOSTS = re.compile(r"cdn\.|unpkg\.com|jsdelivr|googleapis|gstatic|cloudflare|bootcdn|staticfile\.org", re.I)


def test_openapi_json_loads_and_lists_every_route():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    routes = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert routes == ROUTES


def test_every_operation_documents_its_errors_and_authentication():
    schema = Client().get("/api/openapi.json").json()
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert operation["summary"], (method, path)
            if (method, path) in PUBLIC:
                assert "security" not in operation and "401" not in operation["responses"], (method, path)
                continue
            assert operation["security"], (method, path)
            assert "401" in operation["responses"], (method, path)
            if method in {"post", "patch"}:
                assert "400" in operation["responses"], (method, path)


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"", "data"} and not url.startswith("//")


def test_the_docs_page_references_no_other_host():
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html)
    assert not re.search(r"""["']//""", html)
    assets = [next(g for g in match.groups() if g) for match in LOADS.finditer(html)]
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert all(is_local(a) for a in assets), assets


def test_the_assets_of_the_docs_page_are_served_here_and_load_nothing_from_elsewhere():
    client = Client()
    html = client.get("/api/docs").content.decode()
    assets = [next(g for g in match.groups() if g) for match in LOADS.finditer(html)]
    assert len(assets) >= 4
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        if asset.endswith(".css"):
            loaded = [next(g for g in m.groups() if g) for m in LOADS.finditer(text)]
            assert all(is_local(url) for url in loaded), (asset, [u for u in loaded if not is_local(u)])
        if asset.endswith(".js"):
            # The bundle mentions many URLs in strings (XML namespaces, licences); none of them is a CDN
            # it would load code, styles or fonts from.
            assert not FETCHING_HOSTS.search(text), (asset, FETCHING_HOSTS.search(text))
            assert not re.search(r"""(?:importScripts|import)\(\s*["']https?://""", text)


def test_the_docs_page_disables_the_online_validator():
    html = Client().get("/api/docs").content.decode()
    assert '"validatorUrl": null' in html


def test_the_docs_page_content_security_policy_allows_no_inline_script():
    csp = Client().get("/api/docs").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "http" not in csp
