"""Risk assessment and obligations pages. Adapters: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from catalog.selectors import model_service_can_edit, model_service_get, model_service_visible
from common.forms import form_errors, message_errors
from risk import access, selectors, services
from risk import ruleset as rulesets
from risk.forms import (
    EvidenceForm,
    ObligationForm,
    ObligationPlanForm,
    ReviewForm,
    answers_from,
    questionnaire_form,
)
from risk.models import Evidence, Obligation
from risk.obligation_plan_services import obligations_plan
from risk.ruleset_change import earlier_ruleset_change


def _steps(ruleset, form):
    ruleset = ruleset.localized()  # step titles and help in the active language
    steps = []
    for step in ruleset.data["steps"]:
        fields = [form[q["id"]] for q in ruleset.questions if q["step"] == step["id"]]
        steps.append({**step, "fields": fields})
    return steps


@login_required
def assessment_detail(request, model_id, revision=None):
    model = model_service_get(user=request.user, model_id=model_id)
    latest = selectors.assessment_latest(model)
    if revision is None:
        shown = latest
    else:
        shown = selectors.assessment_history(model).filter(revision=revision).first()
        if shown is None:
            raise Http404(_("No such revision."))
    is_certifier = services.has_role(request.user, *services.CERTIFIERS)
    obligations = list(selectors.obligations_current(model)) if shown == latest else []
    earlier = earlier_ruleset_change(model, latest) if shown == latest else None
    if earlier is not None:  # each obligation shows its date under the current rule set
        moved = {m.code: m.new for m in earlier.moved}
        for obligation in obligations:
            obligation.applies_from_current = moved.get(obligation.code)
    # After an inline save the page opens at that obligation (or the bulk form): its outcome
    # is shown there, where the person is looking, rather than at the top.
    for obligation in obligations:
        obligation.anchor = f"obligation-{obligation.pk}"
    focus = request.GET.get("focus", "")
    anchors = {"obligation-plan", *(o.anchor for o in obligations)}
    focus = focus if focus in anchors else ""
    notes = list(messages.get_messages(request)) if focus else []
    return render(
        request,
        "risk/assessment_detail.html",
        {
            "focus": focus,
            "focus_notes": notes,
            "focus_failed": any(n.level >= messages.ERROR for n in notes),
            "justification_limit": Obligation._meta.get_field("justification").max_length,
            "model": model,
            "assessment": shown,
            "latest": latest,
            "is_latest": shown is not None and latest is not None and shown.pk == latest.pk,
            "history": selectors.assessment_history(model),
            "draft": selectors.assessment_draft(model),
            "proposal": selectors.assessment_proposal(model),
            "may_review": access.can_classify_directly(request.user),
            "review_reasons": selectors.review_reasons(model, latest),
            "obligations": obligations,
            "earlier_ruleset": earlier,
            "answers": selectors.answers_worded(shown) if shown else [],
            "current_ruleset": rulesets.current(),
            "can_assess": services.can_assess(request.user, model),
            "can_update": is_certifier or model_service_can_edit(request.user, model),
            "is_certifier": is_certifier,
            "statuses": Obligation.Status.choices,
            "owner_choices": selectors.obligation_owner_choices(model),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request, model_id):
    model = model_service_get(user=request.user, model_id=model_id)
    if not services.can_assess(request.user, model):
        raise PermissionDenied(_("Only the owning team, compliance officers and admins assess."))
    rules = rulesets.current()
    status = 200
    if request.method == "POST":
        form = questionnaire_form(rules, data=request.POST)
        answers = answers_from(form)
        submit = request.POST.get("action") == "submit"
        action = services.assessment_submit if submit else services.assessment_draft_save
        with form_errors(form) as call:
            assessment = action(actor=request.user, model_service=model, answers=answers)
        if call.ok and submit and assessment.is_proposal:
            messages.info(
                request,
                _(
                    "Revision %(revision)s proposed (%(tier)s). It takes effect when a "
                    "compliance officer confirms it; until then the tier in force stays."
                )
                % {"revision": assessment.revision, "tier": assessment.get_tier_display()},
            )
            return redirect("risk:assessment-detail", model_id=model.pk)
        if call.ok and submit:
            messages.success(
                request,
                _("Assessment revision %(revision)s submitted: %(tier)s.")
                % {"revision": assessment.revision, "tier": assessment.get_tier_display()},
            )
            return redirect("risk:assessment-detail", model_id=model.pk)
        if call.ok:
            messages.info(request, _("Draft saved. Nothing is classified until you submit."))
            return redirect("risk:assessment-edit", model_id=model.pk)
        messages.error(request, _("Some answers need attention; nothing was saved."))
        status = call.status
    else:
        start = selectors.assessment_draft(model) or selectors.assessment_latest(model)
        form = questionnaire_form(rules, initial=start.answers if start else None)
    return render(
        request,
        "risk/assessment_form.html",
        {
            "model": model,
            "form": form,
            "steps": _steps(rules, form),
            "ruleset": rules.localized(),
        },
        status=status,
    )


def _obligation_for(request, obligation_id) -> Obligation:
    obligation = (
        Obligation.objects.filter(pk=obligation_id)
        .filter(model_service__in=model_service_visible(user=request.user))
        .first()
    )
    if obligation is None:
        raise Http404(_("No such obligation."))
    return obligation


@login_required
@require_POST
def obligation_update(request, obligation_id):
    obligation = _obligation_for(request, obligation_id)
    form = ObligationForm(request.POST)
    if form.is_valid():
        with message_errors(request, prefix=f"{obligation.title}: ") as call:
            owner_name = form.cleaned_data["owner"]
            owner = (
                selectors.obligation_owner_choices(obligation.model_service)
                .filter(username=owner_name)
                .first()
                if owner_name
                else None
            )
            if owner_name and owner is None:
                raise ValidationError({"owner": _("Choose an owner from the list.")})
            services.obligation_update(
                actor=request.user,
                obligation=obligation,
                status=form.cleaned_data["status"],
                due_date=form.cleaned_data["due_date"],
                justification=form.cleaned_data["justification"],
                owner=owner,
                clear_owner=not owner_name,
            )
        if call.ok:
            messages.success(request, _("Updated: %(title)s.") % {"title": obligation.title})
    else:
        messages.error(request, f"{obligation.title}: {form.errors.as_text()}")
    return _back_to(obligation.model_service_id, f"obligation-{obligation.pk}")


def _back_to(model_id, anchor: str):
    """The checklist again, scrolled to ``anchor`` (the obligation just saved, or the bulk
    form), which then shows the outcome and takes the focus (issue 20, point 3: every inline
    save used to land at the top of the page)."""
    url = reverse("risk:assessment-detail", kwargs={"model_id": model_id})
    return redirect(f"{url}?{urlencode({'focus': anchor})}#{anchor}")


@login_required
@require_POST
def obligation_plan(request, model_id):
    """The checklist's bulk form: one owner and/or due date for the ticked obligations."""
    model = model_service_get(user=request.user, model_id=model_id)
    current = list(selectors.obligations_current(model))
    form = ObligationPlanForm(request.POST, obligations=current)
    if form.is_valid():
        with message_errors(request, prefix=_("Nothing planned: ")) as call:
            chosen = set(form.cleaned_data["obligations"])
            owner_name = form.cleaned_data["owner"]
            owner = None
            if owner_name and owner_name != ObligationPlanForm.NO_OWNER:
                owner = (
                    selectors.obligation_owner_choices(model).filter(username=owner_name).first()
                )
                if owner is None:
                    raise ValidationError({"owner": _("Choose an owner from the list.")})
            changed = obligations_plan(
                actor=request.user,
                model_service=model,
                obligations=[o for o in current if str(o.pk) in chosen],
                owner=owner,
                clear_owner=owner_name == ObligationPlanForm.NO_OWNER,
                due_date=form.cleaned_data["due_date"],
            )
        if call.ok:
            messages.success(
                request,
                ngettext(
                    "Planned %(count)d obligation of %(chosen)d ticked.",
                    "Planned %(count)d obligations of %(chosen)d ticked.",
                    len(changed),
                )
                % {"count": len(changed), "chosen": len(chosen)},
            )
    else:
        messages.error(request, _("Nothing planned: %(errors)s") % {"errors": _form_text(form)})
    return _back_to(model.pk, "obligation-plan")


def _form_text(form) -> str:
    return " ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
        for name, errors in form.errors.items()
    )


@login_required
@require_POST
def evidence_add(request, obligation_id):
    obligation = _obligation_for(request, obligation_id)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        with message_errors(request, prefix=_("Evidence not added: ")) as call:
            services.evidence_add(
                actor=request.user,
                obligation=obligation,
                upload=form.cleaned_data["file"],
                link=form.cleaned_data["link"] or "",
                description=form.cleaned_data["description"],
            )
        if call.ok:
            messages.success(
                request, _("Evidence added to %(title)s.") % {"title": obligation.title}
            )
    else:
        messages.error(
            request, _("Evidence not added: %(errors)s") % {"errors": form.errors.as_text()}
        )
    return _back_to(obligation.model_service_id, f"obligation-{obligation.pk}")


@login_required
def evidence_download(request, evidence_id):
    evidence = (
        Evidence.objects.filter(pk=evidence_id)
        .exclude(file="")
        .filter(obligation__model_service__in=model_service_visible(user=request.user))
        .first()
    )
    if evidence is None:
        raise Http404(_("No such evidence file."))
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.file_name)


# --- Second-line review of proposed assessments ---------------------------------------------
def _proposal_for(request, model_id, revision) -> tuple:
    model = model_service_get(user=request.user, model_id=model_id)
    proposal = selectors.assessment_history(model).filter(revision=revision).first()
    if proposal is None:
        raise Http404(_("No such revision."))
    return model, proposal


@login_required
def assessment_review(request, model_id, revision):
    """A proposal beside the revision in force: every answer side by side, changed ones marked,
    and the confirm / return forms for a compliance officer who did not submit it."""
    model, proposal = _proposal_for(request, model_id, revision)
    in_force = selectors.assessment_latest(model)
    return render(
        request,
        "risk/assessment_review.html",
        {
            "model": model,
            "proposal": proposal,
            "in_force": in_force,
            "rows": selectors.answers_side_by_side(in_force, proposal),
            "refusal": access.confirm_refusal(request.user, proposal),
            "form": ReviewForm(),
        },
    )


def _review_action(request, model_id, revision, service, done: str):
    model, proposal = _proposal_for(request, model_id, revision)
    form = ReviewForm(request.POST)
    form.is_valid()
    with message_errors(request) as call:
        service(
            actor=request.user, assessment=proposal, comment=form.cleaned_data.get("comment", "")
        )
    if call.ok:
        messages.success(request, done % {"revision": proposal.revision})
        return redirect("risk:assessment-detail", model_id=model.pk)
    return redirect("risk:assessment-review", model_id=model.pk, revision=proposal.revision)


@login_required
@require_POST
def assessment_confirm(request, model_id, revision):
    return _review_action(
        request,
        model_id,
        revision,
        services.assessment_confirm,
        _("Revision %(revision)s confirmed: it is now in force."),
    )


@login_required
@require_POST
def assessment_return(request, model_id, revision):
    return _review_action(
        request,
        model_id,
        revision,
        services.assessment_return,
        _("Revision %(revision)s returned to the team."),
    )
