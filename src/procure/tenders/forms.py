"""The tender pages' forms read through ``procure.web.forms.Form``: the new tender, the sealed
bid and the correction, each field with its human label and its place for a service's refusal
(see docs/forms.md)."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.datastructures import FormMultiDict, UploadFile

from procure import calendar, clock, i18n
from procure.bids.schemas import BidIn
from procure.i18n import N_
from procure.policy import get_policy
from procure.tenders.schemas import TenderIn
from procure.tenders.states import ProcurementMethod
from procure.web.forms import AT_LEAST_ONE, CHOOSE, Form

LINE_ROWS = 4  # scope lines and technical criteria the new-tender form offers

#: The new-tender form's fields, as the reader sees them.
TENDER_LABELS = {
    "title": N_("Title"),
    "description": N_("Service need"),
    "method": N_("Method"),
    "evaluation_method": N_("Evaluation"),
    "ceiling": N_("Budget ceiling (yuan)"),
    "communities": N_("Communities covered"),
    "line_item-1": N_("Scope lines"),
    "price_weight": N_("Price weight"),
    "criterion_name-1": N_("Technical criterion"),
    "clarification_deadline": N_("Clarification deadline"),
    "submission_deadline": N_("Submission deadline"),
    "need_evidence": N_("Evidence of residents' needs"),
}
_TENDER_FIELDS = {
    "ceiling_fen": "ceiling",
    "criteria": "price_weight",
    "lines": "line_item-1",
    "need_evidence": "need_evidence",
}


def tender_field(location: str) -> str:
    """The new-tender form's field for a schema or service location (``lines.0.quantity``,
    ``lines[1].item_code``, ``criteria.2.weight``)."""
    parts = location.replace("[", ".").replace("]", "").split(".")
    if parts[0] == "lines" and len(parts) > 2 and parts[1].isdigit():
        name = {"quantity": "line_quantity", "description": "line_description"}.get(
            parts[2], "line_item"
        )
        return f"{name}-{int(parts[1]) + 1}"
    return _TENDER_FIELDS.get(parts[0], parts[0])


def tender_defaults(method: ProcurementMethod) -> dict[str, Any]:
    """A new tender's deadlines: the submission deadline the method's minimum period after
    today (and two days for the approval), the clarification deadline five days from now."""
    today = calendar.local_day(clock.now())
    period = get_policy().procurement.minimum_submission_days[method]
    submission = calendar.minimum_end(today + timedelta(days=2), period)
    clarification = min(today + timedelta(days=5), submission - timedelta(days=1))
    return {
        "clarification_deadline": f"{clarification.isoformat()}T17:00",
        "submission_deadline": f"{submission.isoformat()}T09:30",
        "price_weight": "20",
    }


def tender_from_form(form: Form) -> TenderIn | None:
    """The tender the form describes, or None with every problem beside its field."""
    lines = []
    for n in range(1, LINE_ROWS + 1):
        code = form.get(f"line_item-{n}")
        if code:
            lines.append(
                {
                    "item_code": code,
                    "quantity": form.whole(f"line_quantity-{n}", required=True, low=1),
                    "description": form.get(f"line_description-{n}"),
                }
            )
    if not lines:
        form.error("line_item-1", AT_LEAST_ONE)
    criteria: list[dict[str, Any]] = [{"code": "price", "name": "价格", "kind": "price"}]
    if form.get("evaluation_method") == "lowest_price":
        criteria[0]["weight"] = 100
    else:
        criteria[0]["weight"] = form.whole("price_weight", required=True, low=0, high=100)
        for n in range(1, LINE_ROWS + 1):
            name = form.get(f"criterion_name-{n}").strip()
            if name:
                weight = form.whole(f"criterion_weight-{n}", required=True, low=0, high=100)
                criteria.append(
                    {"code": f"T{n}", "name": name, "kind": "technical", "weight": weight}
                )
    ceiling = form.amount("ceiling")
    communities = form.getall("communities")
    if not communities:
        form.error("communities", CHOOSE)
    clarification = form.when("clarification_deadline")
    submission = form.when("submission_deadline")
    title = form.text("title", required=True)
    if not form.ok:
        return None
    evidence = form.get("need_evidence").strip()
    return form.validated(
        TenderIn,
        {
            "title": title,
            "description": form.get("description"),
            "method": form.get("method"),
            "evaluation_method": form.get("evaluation_method"),
            "ceiling_fen": ceiling,
            "communities": communities,
            "lines": lines,
            "criteria": criteria,
            "clarification_deadline": clarification,
            "submission_deadline": submission,
            "need_evidence": [
                {"kind": form.get("need_evidence_kind", "resident_survey"), "summary": evidence}
            ]
            if evidence
            else [],
        },
        tender_field,
    )


#: The bid form's fields; a line's price is labelled with its number when the form is made.
BID_LABELS = {
    "total": N_("Total price (yuan)"),
    "technical_proposal": N_("Technical proposal"),
    "staffing_plan": N_("Staffing plan"),
    "attachments": N_("Attachments"),
}
PRICE_OF_LINE = N_("Price of line %(n)s")
#: The staffing and cost plan of a line (docs/cost-floor.md): the form offers one role a line,
#: the API any number. Field ``plan_<line>_<key>``.
PLAN_LABELS = {
    "role": N_("Role"),
    "headcount": N_("Headcount"),
    "hours": N_("Hours per person"),
    "wage": N_("Hourly wage (yuan)"),
    "insurance": N_("Employer's social insurance (yuan)"),
    "materials": N_("Materials (yuan)"),
    "volunteer_hours": N_("Volunteer hours"),
}
PLAN_OF_LINE = N_("Line %(n)s plan: %(field)s")
#: The schema's names of a plan's values, by the form's keys.
PLAN_SCHEMA_KEYS = {
    "role": "role",
    "headcount": "headcount",
    "hours": "hours",
    "hourly_wage_fen": "wage",
    "social_insurance_fen": "insurance",
    "materials_fen": "materials",
    "volunteer_hours": "volunteer_hours",
}


def bid_form(request: Request[Any, Any, Any], tender: dict[str, Any], posted: Any = None) -> Form:
    form = Form.of(request, posted, labels=BID_LABELS)
    gettext = form.translations.gettext
    for line in tender["lines"]:
        n = line["line_no"]
        form.labels[f"line_{n}"] = gettext(PRICE_OF_LINE) % {"n": n}
        for key, label in PLAN_LABELS.items():
            form.labels[f"plan_{n}_{key}"] = gettext(PLAN_OF_LINE) % {
                "n": n,
                "field": gettext(label),
            }
    return form


def bid_field(location: str) -> str:
    parts = location.replace("[", ".").replace("]", "").split(".")
    if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
        return f"line_{int(parts[1]) + 1}"
    if parts[0] == "cost_plan":
        line = int(parts[1]) + 1 if len(parts) > 1 and parts[1].isdigit() else 1
        key = PLAN_SCHEMA_KEYS.get(parts[-1], "role")
        return f"plan_{line}_{key}"
    return {"total_fen": "total"}.get(parts[0], parts[0])


def _cost_plan(form: Form, tender: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan typed on the form: none when every plan field is empty, else every line's."""
    names = [f"plan_{line['line_no']}_{key}" for line in tender["lines"] for key in PLAN_LABELS]
    if not any(form.get(name).strip() for name in names):
        return []
    plans = []
    for line in tender["lines"]:
        field = f"plan_{line['line_no']}_"
        plans.append(
            {
                "line_no": line["line_no"],
                "roles": [
                    {
                        "role": form.text(field + "role", required=True),
                        "headcount": form.whole(field + "headcount", required=True, low=1),
                        "hours": form.whole(field + "hours", required=True, low=1),
                        "hourly_wage_fen": form.amount(field + "wage"),
                        "social_insurance_fen": form.amount(field + "insurance"),
                    }
                ],
                "materials_fen": form.amount(field + "materials", required=False) or 0,
                "volunteer_hours": form.whole(field + "volunteer_hours", low=0) or 0,
            }
        )
    return plans


LINES_NOT_TOTAL = N_("The line prices add up to %(lines)s, not the total price %(total)s")
ABOVE_CEILING = N_("%(label)s %(total)s is above the budget ceiling of %(ceiling)s")


async def bid_from_form(form: Form, uploads: FormMultiDict, tender: dict[str, Any]) -> BidIn | None:
    lines = [
        {"line_no": line["line_no"], "price_fen": form.amount(f"line_{line['line_no']}")}
        for line in tender["lines"]
    ]
    total = form.amount("total")
    prices = [line["price_fen"] for line in lines]
    if total is not None and None not in prices:
        money = {"total": i18n.yuan(total, form.locale)}
        if sum(prices) != total:
            form.error("total", LINES_NOT_TOTAL, lines=i18n.yuan(sum(prices), form.locale), **money)
        elif total > tender["ceiling_fen"]:
            form.error(
                "total",
                ABOVE_CEILING,
                ceiling=i18n.yuan(tender["ceiling_fen"], form.locale),
                **money,
            )
    technical = form.text("technical_proposal", required=True)
    staffing = form.text("staffing_plan", required=True)
    cost_plan = _cost_plan(form, tender)
    if not form.ok:
        return None
    attachments = [
        {
            "filename": upload.filename,
            "content_type": upload.content_type,
            "content_base64": base64.b64encode(await upload.read()).decode(),
        }
        for upload in uploads.getall("attachments", [])
        if isinstance(upload, UploadFile) and upload.filename
    ]
    return form.validated(
        BidIn,
        {
            "total_fen": total,
            "lines": lines,
            "technical_proposal": technical,
            "staffing_plan": staffing,
            "cost_plan": cost_plan,
            "attachments": attachments,
        },
        bid_field,
    )


#: The correction form on the tender's page: its fields' labels and element ids.
AMEND_LABELS = {
    "summary": N_("What changes (更正事项)"),
    "title": N_("Title"),
    "description": N_("Description and requirements"),
    "ceiling": N_("Budget ceiling (yuan)"),
    "clarification_deadline": N_("Clarification deadline"),
    "submission_deadline": N_("Submission deadline"),
}
AMEND_IDS = {
    "summary": "amend-summary",
    "title": "amend-title",
    "description": "amend-description",
    "ceiling": "amend-ceiling",
    "clarification_deadline": "amend-clarification",
    "submission_deadline": "amend-submission",
    "changes": "amend-summary",
}
CANCEL_REASON = N_("Reason for cancelling")
QUESTION = N_("Your question")
