"""The reference library pages (比对文库): collections, their texts, uploading many files at once, deleting.

For the office and admins (``articles.manage_references``). Thin: the writes are
:mod:`taolun.articles.references`'s (all or nothing, audited); the lists are the selectors'.

Uploads are limited before they are read: a body larger than the page's limit is refused from its
``Content-Length`` without reading it, and more files than Django will parse
(``DATA_UPLOAD_MAX_NUMBER_FILES``) get the same clear message instead of a bare "400 Bad Request". That
is why the upload view is ``csrf_exempt`` on the outside: Django's CSRF middleware would read the whole
body first. The CSRF check still runs (``csrf_protect`` on :func:`_upload`) before anything is imported;
a refusal changes nothing and so needs no token.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, TooManyFilesSent, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from rules.contrib.views import permission_required

from taolun.core.pagination import paginate
from taolun.orgs.forms import add_service_errors

from . import references, selectors
from .forms_library import CollectionForm, ReferenceSearchForm, ReferenceUploadForm, upload_max_bytes, upload_max_files
from .models import ReferenceCollection, ReferenceText

MULTIPART_SLACK = 1024 * 1024  # the multipart envelope around the files (boundaries, headers, the token)


def _collections() -> QuerySet[ReferenceCollection]:
    return selectors.collections_with_counts()


def file_problems(errors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``(file name, what is wrong)`` rows, without the file name the reader's message starts with."""
    rows = []
    for name, problem in errors:
        for separator in ("：", ": "):
            if name and problem.startswith(name + separator):
                problem = problem[len(name) + len(separator) :]
                break
        rows.append((name or "—", problem))
    return rows


# —— collections ——


@login_required
@permission_required("articles.manage_references", raise_exception=True)
@require_http_methods(["GET", "POST"])
def collection_list(request: HttpRequest) -> HttpResponse:
    """Every collection with its number of texts and characters, and the form that starts a new one."""
    form = CollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = references.collection_create(
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                by=request.user,  # type: ignore[arg-type]
            )
        except (ValidationError, PermissionDenied) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已新建文库“%(name)s”，现在可以上传文本。") % {"name": collection.name})
            return redirect("articles:collection", collection.pk)
    context = {"collections": list(_collections()), "form": form}
    return render(request, "articles/references.html", context)


def _collection_page(
    request: HttpRequest,
    collection: ReferenceCollection,
    *,
    upload_form: ReferenceUploadForm | None = None,
    errors: list[tuple[str, str]] | None = None,
    refusal: str = "",
    confirm_delete: bool = False,
) -> HttpResponse:
    search = ReferenceSearchForm(request.GET or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    page, base = paginate(request, selectors.reference_texts(collection, q))
    context = {
        "collection": collection,
        "search": search,
        "q": q,
        "page_obj": page,
        "querystring_base": base,
        "rows": list(page.object_list),
        "upload_form": upload_form or ReferenceUploadForm(),
        "errors": file_problems(errors or []),
        "refusal": refusal,
        "confirm_delete": confirm_delete,
    }
    return render(request, "articles/collection.html", context)


def _refused_upload(request: HttpRequest) -> str | None:
    """Why the upload is refused before its files are read (None: read them)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = upload_max_bytes()
    if length > limit + MULTIPART_SLACK:
        return _("这批文件共约 %(size)s，超过了一次上传的上限 %(max)s。请分批上传。") % {
            "size": filesizeformat(length),
            "max": filesizeformat(limit),
        }
    try:
        request.FILES  # noqa: B018 — parses the body, counting the files
    except TooManyFilesSent:
        return _("一次最多上传 %(max)s 个文件。请分批上传；更多文件可由管理员在服务器上用命令行导入。") % {
            "max": upload_max_files()
        }
    return None


def _read_uploads(collection: ReferenceCollection, uploads: list[UploadedFile], by: Any) -> references.ImportReport:
    """Import the uploaded files (all or nothing); a file over the size limit is reported without reading it."""
    files: list[tuple[str, bytes]] = []
    too_large: list[tuple[str, str]] = []
    order: dict[str, int] = {}
    for upload in uploads:
        name = PurePath(upload.name or "").name[:255]
        order.setdefault(name, len(order))
        if (upload.size or 0) > references.MAX_FILE_BYTES:
            too_large.append(
                (
                    name,
                    _("文件有 %(size)s，超过了每个文件 %(max)s 的上限。请拆分后再上传。")
                    % {"size": filesizeformat(upload.size or 0), "max": filesizeformat(references.MAX_FILE_BYTES)},
                )
            )
            continue
        files.append((name, upload.read()))
    if not too_large:
        return references.references_import(collection=collection, files=files, by=by)
    # Some files are refused already: nothing is imported, but the others are still checked and reported.
    report = references.ImportReport(errors=too_large)
    if files:
        checked = references.references_import(collection=collection, files=files, by=by, dry_run=True)
        report.errors += checked.errors
    report.errors.sort(key=lambda error: order.get(error[0], len(order)))
    return report


@csrf_protect
def _upload(request: HttpRequest, collection: ReferenceCollection) -> HttpResponse:
    form = ReferenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _collection_page(request, collection, upload_form=form)
    try:
        report = _read_uploads(collection, form.cleaned_data["uploads"], request.user)
    except (ValidationError, PermissionDenied) as exc:
        add_service_errors(form, exc)
        return _collection_page(request, collection, upload_form=form)
    if not report.ok:
        form.add_error(
            None,
            _("有 %(n)s 个文件不能导入，这批文件一个也没有导入。请按下表修改或去掉这些文件后重新上传。")
            % {"n": len(report.errors)},
        )
        return _collection_page(request, collection, upload_form=form, errors=report.errors)
    message = _("导入 %(added)s 篇，跳过重复 %(skipped)s 篇。") % {"added": report.added, "skipped": report.skipped}
    if report.ids and ReferenceText.objects.filter(pk__in=report.ids, indexed=False).exists():
        message += " " + _("新文本正在加入比对索引，稍后即用于检测。")
    messages.success(request, message)
    return redirect("articles:collection", collection.pk)


@csrf_exempt  # checked in _upload, once the request is known to be within the limits (see the module's notes)
@login_required
@permission_required("articles.manage_references", raise_exception=True)
@require_http_methods(["GET", "POST"])
def collection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A collection's texts (searched by title, a page at a time) and the upload of many files at once."""
    collection = get_object_or_404(_collections(), pk=pk)
    if request.method == "POST":
        refusal = _refused_upload(request)
        if refusal is None:
            return _upload(request, collection)
        return _collection_page(request, collection, refusal=refusal)
    return _collection_page(request, collection)


@login_required
@permission_required("articles.manage_references", raise_exception=True)
@require_http_methods(["GET", "POST"])
def collection_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: ask (with the number of texts that go with it); POST: delete the collection and its texts."""
    collection = get_object_or_404(_collections(), pk=pk)
    if request.method == "POST":
        try:
            references.collection_delete(collection=collection, by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("articles:collection", collection.pk)
        messages.success(
            request,
            _("已删除文库“%(name)s”及其中的 %(n)s 篇文本。") % {"name": collection.name, "n": collection.text_count},  # type: ignore[attr-defined]
        )
        return redirect("articles:references")
    return _collection_page(request, collection, confirm_delete=True)


# —— texts ——


@login_required
@permission_required("articles.manage_references", raise_exception=True)
def reference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    text = get_object_or_404(ReferenceText.objects.select_related("collection", "imported_by"), pk=pk)
    return render(request, "articles/reference.html", {"text": text, "collection": text.collection})


@login_required
@permission_required("articles.manage_references", raise_exception=True)
@require_POST
def reference_delete(request: HttpRequest, pk: int) -> HttpResponse:
    text = get_object_or_404(ReferenceText.objects.select_related("collection"), pk=pk)
    collection_id, title = text.collection_id, text.title
    try:
        references.reference_delete(text=text, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("articles:reference", text.pk)
    messages.success(request, _("已删除比对文本“%(title)s”。") % {"title": title})
    return redirect("articles:collection", collection_id)
