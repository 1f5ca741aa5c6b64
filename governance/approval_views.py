"""Reviewer inbox, request and decision pages (HTML). Adapters over governance.approvals."""

from django.http import HttpResponse


def _todo(request, **kwargs):  # replaced by the page implementations
    return HttpResponse("")


inbox = request_detail = request_create = request_decide = _todo
request_withdraw = request_revoke = request_submit = _todo
