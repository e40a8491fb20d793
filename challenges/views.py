"""Pages of open challenges: the public list, detail and proposal form (no account), the
proposer's status page, the supervisors' pages (publish, panel, ranking, award, close), the
expert library, and the experts' review pages.

Views parse input, call challenges.services and show what came back; a DomainError becomes a
message on the page, never a 500. Objects come through the selectors (404 when not visible).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from brokers.models import User
from brokers.requests import signed_in
from challenges import permissions, selectors, services
from challenges.api import PROPOSAL_LIMIT, serve_attachment
from challenges.forms import AwardForm, CloseForm, ExpertSearchForm, ProposalForm, PublishForm
from challenges.models import Challenge, ChallengeStatus, Proposal
from common.exceptions import DomainError, ValidationFailed
from common.honeypot import is_bot
from common.pages import (
    bind,
    login_required,
    panel_tags,
    pop_stashed_form,
    refusal_errors,
    report_invalid_form,
    stash_form,
    stashed_errors,
)
from deals.models import Deal

PROPOSER_REFS = "proposer_refs"


def _report(request: HttpRequest, exc: DomainError) -> None:
    from deals.views import report_domain_error

    report_domain_error(request, exc)


def _remember_proposal(request: HttpRequest, reference: str) -> None:
    refs = [r for r in request.session.get(PROPOSER_REFS, []) if r != reference]
    request.session[PROPOSER_REFS] = [*refs, reference][-20:]


# --- public ---------------------------------------------------------------------------------------


def challenge_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.challenges_public(), 20).get_page(request.GET.get("page"))
    return render(request, "challenges/public_list.html", {"page": page, "now": timezone.now()})


def challenge_detail(request: HttpRequest, challenge_id: int) -> HttpResponse:
    """The challenge, and the form to answer it (揭榜) while it is open."""
    challenge = selectors.public_challenge_get(challenge_id)
    posted = request.method == "POST"
    # Bound on every POST, even an empty one: an unbound form has no errors to show, and
    # `add_error` on it raises.
    form = ProposalForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if request.method == "POST":
        status = 400
        if not PROPOSAL_LIMIT.hit(request):
            form.add_error(None, PROPOSAL_LIMIT.message())
            status = 429
        elif form.is_valid():
            data = dict(form.cleaned_data)
            files = data.pop("attachments")
            data.pop("website")
            if is_bot(form.data):
                form.add_error(None, _("提交未通过校验。"))
            else:
                try:
                    proposal = services.proposal_submit(challenge=challenge, files=files, **data)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    _remember_proposal(request, proposal.reference)
                    request.session["proposal_submitted"] = proposal.reference
                    return redirect("challenge-submitted")
    return render(
        request,
        "challenges/public_detail.html",
        {"challenge": challenge, "form": form, "open": challenge.accepting_proposals()},
        status=status,
    )


def proposal_submitted(request: HttpRequest) -> HttpResponse:
    reference = request.session.get("proposal_submitted")
    if not reference:
        return redirect("challenge-list")
    proposal = Proposal.objects.select_related("challenge").filter(reference=reference).first()
    if proposal is None:
        return redirect("challenge-list")
    return render(request, "challenges/submitted.html", {"proposal": proposal})


def proposal_status(request: HttpRequest) -> HttpResponse:
    """A proposer's own proposal, by its reference and the e-mail given with it."""
    reference = request.GET.get("ref", "")[:20]
    email = request.GET.get("email", "")[:254]
    proposal = None
    if reference or email:
        try:
            proposal = selectors.proposal_get_for_proposer(reference=reference, email=email)
        except Http404:
            messages.error(request, _("没有找到该受理编号与邮箱对应的揭榜方案，请核对后再查。"))
        else:
            _remember_proposal(request, proposal.reference)
    return render(
        request,
        "challenges/proposal_status.html",
        {"proposal": proposal, "ref": reference, "email": email},
        status=200 if proposal or not (reference or email) else 404,
    )


def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    attachment = selectors.attachment_get_for_user(
        user=request.user,  # type: ignore[arg-type]
        attachment_id=attachment_id,
        proposer_references=request.session.get(PROPOSER_REFS, []),
    )
    return serve_attachment(attachment)


# --- supervisors ----------------------------------------------------------------------------------


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not permissions.may_publish_challenge(user):
        raise Http404
    challenges = selectors.challenges_visible_to(user)
    return render(request, "challenges/manage_list.html", {"challenges": challenges})


@login_required
def publish(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not permissions.may_publish_challenge(user):
        raise Http404
    initial = {}
    demand_id = request.GET.get("demand", "")
    if demand_id.isdigit() and len(demand_id) < 18:
        initial["demand"] = int(demand_id)
    form = PublishForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            challenge = services.challenge_publish(actor=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("榜单“%(title)s”已发布。") % {"title": challenge.title})
            return redirect("challenge-manage", challenge_id=challenge.pk)
    return render(
        request, "challenges/publish.html", {"form": form}, status=400 if form.errors else 200
    )


def _managed(request: HttpRequest, challenge_id: int) -> Challenge:
    user = signed_in(request)
    challenge = selectors.challenge_get_for_user(user=user, challenge_id=challenge_id)
    if not permissions.may_manage_challenge(user, challenge):
        raise Http404
    return challenge


@login_required
def manage_detail(request: HttpRequest, challenge_id: int) -> HttpResponse:
    user = signed_in(request)
    challenge = _managed(request, challenge_id)
    stashed, typed = pop_stashed_form(request)
    panel = selectors.panel_experts(challenge)
    on_panel = {e.pk for e in panel}
    candidates = []
    if challenge.status == ChallengeStatus.OPEN:
        for expert in selectors.experts_visible_to(user).filter(
            organisation_id=challenge.organisation_id
        ):
            if expert.pk in on_panel:
                continue
            candidates.append(
                {
                    "expert": expert,
                    "reasons": selectors.proposal_conflict_reasons(expert, challenge),
                }
            )
    context: dict[str, Any] = {
        "challenge": challenge,
        "proposals": selectors.proposals_for_user(user, challenge),
        "panel": panel,
        "candidates": candidates,
        "progress": selectors.challenge_progress(challenge),
        "ranking": selectors.challenge_ranking(challenge),
        "judging": selectors.judging_started(challenge),
        "may_award": permissions.may_award_challenge(user, challenge),
        "history": selectors.challenge_history(challenge),
        "close_form": bind(CloseForm(typed), stashed_errors(typed))
        if stashed == "close"
        else CloseForm(),
    }
    return render(request, "challenges/manage_detail.html", context)


@login_required
@require_POST
def manage_panel(request: HttpRequest, challenge_id: int) -> HttpResponse:
    user = signed_in(request)
    challenge = _managed(request, challenge_id)
    ids = [int(i) for i in request.POST.getlist("experts") if i.isdigit() and len(i) < 18]
    experts = list(selectors.experts_visible_to(user).filter(pk__in=ids))
    try:
        services.panel_invite(actor=user, challenge=challenge, experts=experts)
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("已邀请 %(n)d 位专家。") % {"n": len(experts)})
    return redirect("challenge-manage", challenge_id=challenge.pk)


@login_required
@require_POST
def manage_award(request: HttpRequest, challenge_id: int) -> HttpResponse:
    user = signed_in(request)
    challenge = _managed(request, challenge_id)
    form = AwardForm(request.POST)
    proposal = None
    if form.is_valid():
        proposal = challenge.proposals.filter(pk=form.cleaned_data["proposal"]).first()
    if proposal is None:
        messages.error(request, _("请选择本榜单的一份方案。"))
        return redirect("challenge-manage", challenge_id=challenge.pk)
    try:
        challenge = services.challenge_award(actor=user, challenge=challenge, proposal=proposal)
    except DomainError as exc:
        _report(request, exc)
        return redirect("challenge-manage", challenge_id=challenge.pk)
    messages.success(
        request,
        _("已授予 %(institution)s，项目已建立并进入“成果匹配”阶段。")
        % {"institution": proposal.institution},
    )
    return redirect("challenge-manage", challenge_id=challenge.pk)


@login_required
@require_POST
def manage_close(request: HttpRequest, challenge_id: int) -> HttpResponse:
    user = signed_in(request)
    challenge = _managed(request, challenge_id)
    page = reverse("challenge-manage", args=[challenge.pk])
    form = CloseForm(request.POST)
    if not form.is_valid():
        # The reason goes to every proposer: what was typed comes back with its error.
        stash_form(request, page, "close")
        report_invalid_form(request, form, "close")
        return redirect(f"{page}#close")
    try:
        services.challenge_close(
            actor=user, challenge=challenge, reason=form.cleaned_data["reason"]
        )
    except ValidationFailed as exc:
        stash_form(request, page, "close", errors=refusal_errors(exc))
        messages.error(request, _("未完成：请按表单中的提示修改。"), extra_tags=panel_tags("close"))
        return redirect(f"{page}#close")
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("榜单已关闭，已通知全部揭榜单位。"))
    return redirect(page)


@login_required
def expert_library(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if not permissions.may_manage_experts(user):
        raise Http404
    form = ExpertSearchForm(request.GET or None)
    # A refused filter is marked at its input (the template shows form.errors); the others apply.
    valid = form.is_valid()
    filters = form.cleaned_data if form.is_bound else {}
    experts = selectors.experts_search(
        user,
        field=filters.get("field", ""),
        region=filters.get("region", ""),
        q=filters.get("q", ""),
    )
    page = Paginator(experts, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "challenges/experts.html",
        {"page": page, "form": form},
        status=200 if valid or not form.is_bound else 400,
    )


# --- experts ------------------------------------------------------------------------------------


def _expert_only(request: HttpRequest) -> User:
    user = signed_in(request)
    if getattr(user, "expert_profile", None) is None:
        raise Http404
    return user


@login_required
def review_home(request: HttpRequest) -> HttpResponse:
    user = _expert_only(request)
    invitations = selectors.invitations_for_expert(user)
    return render(
        request, "challenges/review_home.html", {"invitations": invitations, "now": timezone.now()}
    )


@login_required
def review_challenge(request: HttpRequest, challenge_id: int) -> HttpResponse:
    user = _expert_only(request)
    challenge = selectors.challenge_get_for_user(user=user, challenge_id=challenge_id)
    expert = user.expert_profile  # type: ignore[attr-defined]
    own = {r.proposal_id: r for r in expert.reviews.filter(proposal__challenge=challenge)}
    stashed, typed = pop_stashed_form(request)
    proposals = []
    for p in selectors.proposals_for_user(user, challenge):
        review = own.get(p.pk)
        item: dict[str, Any] = {
            "proposal": p,
            "review": review,
            "scores": review.scores if review else {},
            "opinion": review.opinion if review else "",
        }
        if stashed == f"review:{p.pk}":
            # A refused review comes back as it was typed, the refusal above its scores.
            item["failed"] = True
            item["errors"] = stashed_errors(typed).get("__all__", [])
            item["scores"] = {
                c["name"]: int(raw)
                for i, c in enumerate(challenge.criteria)
                if (raw := str(typed.get(f"score-{i}", ""))).isdigit() and len(raw) < 3
            }
            item["opinion"] = typed.get("opinion", "")
        proposals.append(item)
    progress = selectors.challenge_progress(challenge)
    return render(
        request,
        "challenges/review_challenge.html",
        {
            "challenge": challenge,
            "proposals": proposals,
            "judging": selectors.judging_started(challenge),
            "progress": progress,
            "ranking": selectors.challenge_ranking(challenge) if progress["complete"] else None,
            "scale": range(1, 6),
        },
    )


@login_required
@require_POST
def review_submit(request: HttpRequest, proposal_id: int) -> HttpResponse:
    user = _expert_only(request)
    proposal = selectors.proposal_get_for_user(user=user, proposal_id=proposal_id)
    scores = {
        c["name"]: request.POST.get(f"score-{i}", "")
        for i, c in enumerate(proposal.challenge.criteria)
    }
    try:
        services.review_submit(
            actor=user, proposal=proposal, scores=scores, opinion=request.POST.get("opinion", "")
        )
    except ValidationFailed as exc:
        page = reverse("review-challenge", args=[proposal.challenge_id])
        stash_form(request, page, f"review:{proposal.pk}", errors=refusal_errors(exc))
        messages.error(
            request, _("未完成：请按表单中的提示修改。"), extra_tags=panel_tags("review")
        )
        return redirect(f"{page}#p-{proposal.pk}")
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("已提交对 %(ref)s 的评审。") % {"ref": proposal.reference})
    return redirect("review-challenge", challenge_id=proposal.challenge_id)


@login_required
def review_deal(request: HttpRequest, deal_id: int) -> HttpResponse:
    user = _expert_only(request)
    deal: Deal = selectors.deal_for_expert(user=user, deal_id=deal_id)
    expert = user.expert_profile  # type: ignore[attr-defined]
    if request.method == "POST":
        scores = {
            name: request.POST.get(f"score-{i}", "")
            for i, name in enumerate(services.MATCH_CRITERIA)
        }
        try:
            services.review_submit(
                actor=user, deal=deal, scores=scores, opinion=request.POST.get("opinion", "")
            )
        except DomainError as exc:
            _report(request, exc)
        else:
            messages.success(request, _("评审意见已提交。"))
            return redirect("review-deal", deal_id=deal.pk)
    return render(
        request,
        "challenges/review_deal.html",
        {
            "deal": deal,
            "achievements": deal.achievements.all(),
            "criteria": services.MATCH_CRITERIA,
            "review": expert.reviews.filter(deal=deal).first(),
            "scale": range(1, 6),
        },
    )


# --- the deal page's expert panel (composed into the deal page by config.views) -------------------


def deal_expert_panel(user: User, deal: Deal) -> dict[str, Any]:
    """The deal's expert reviews (a short opinion and 1–5 per criterion), its support money when
    a challenge opened it, and for its supervisors the experts they may invite, with conflicts."""
    challenge = Challenge.objects.filter(deal=deal).first()
    invited = {i.expert_id for i in deal.expert_invitations.all()}
    candidates = []
    if permissions.may_invite_to_deal(user, deal.organisation_id):
        for expert in selectors.experts_visible_to(user).filter(
            organisation_id=deal.organisation_id
        ):
            if expert.pk not in invited:
                candidates.append(
                    {"expert": expert, "reasons": selectors.deal_conflict_reasons(expert, deal)}
                )
    return {
        "deal": deal,
        "challenge": challenge,
        "criteria": services.MATCH_CRITERIA,
        "reviews": [
            {"review": r, "scores": [r.scores.get(c) for c in services.MATCH_CRITERIA]}
            for r in selectors.deal_reviews(deal)
        ],
        "invited": [i.expert for i in deal.expert_invitations.select_related("expert")],
        "candidates": candidates,
    }


@login_required
@require_POST
def deal_invite(request: HttpRequest, deal_id: int) -> HttpResponse:
    from deals.selectors import deal_get_for_user

    user = signed_in(request)
    deal = deal_get_for_user(user=user, deal_id=deal_id)
    ids = [int(i) for i in request.POST.getlist("experts") if i.isdigit() and len(i) < 18]
    experts = list(selectors.experts_visible_to(user).filter(pk__in=ids))
    try:
        services.deal_invite_experts(actor=user, deal=deal, experts=experts)
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("已邀请 %(n)d 位专家评审匹配。") % {"n": len(experts)})
    return redirect("deal-detail", deal_id=deal.pk)
