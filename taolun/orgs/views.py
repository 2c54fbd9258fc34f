from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def unit_tree(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/home.html", {})


person_list = roster_import = unit_tree
