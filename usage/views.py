"""The "Usage and cost" page of a model."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.selectors import model_service_get
from usage import charts, selectors


@login_required
def model_usage(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    last = timezone.now().date().replace(day=1)
    months = selectors.model_usage_months(model, last=last, count=12)
    currencies = sorted({cur for m in months for cur in m["cost_raw"]})
    cost_charts = [
        charts.bar_chart(
            _("Cost per month (%(currency)s)") % {"currency": cur},
            [
                (
                    m["month"].strftime("%m/%y"),
                    float(m["cost_raw"].get(cur, 0)),
                    f"{m['month']:%Y-%m}: {m['cost'].get(cur, '0.00')} {cur}",
                )
                for m in months
            ],
        )
        for cur in currencies
    ]
    requests_chart = charts.bar_chart(
        _("Requests per month"),
        [
            (m["month"].strftime("%m/%y"), m["requests"], f"{m['month']:%Y-%m}: {m['requests']}")
            for m in months
        ],
    )
    return render(
        request,
        "usage/model_usage.html",
        {
            "model": model,
            "months": list(reversed(months)),
            "currencies": currencies,
            "cost_charts": cost_charts,
            "requests_chart": requests_chart,
            "sources": selectors.model_usage_sources(model),
            "unapproved": selectors.live_without_approval(model, today=timezone.now().date()),
        },
    )
