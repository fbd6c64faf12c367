"""The Jinja2 environment: templates/ at the repo's top level, gettext per request, and the
display filters (money, local time) every page uses."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.connection import ASGIConnection
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from procure import i18n
from procure.db.pagination import SortRequest, page_href, pager_window, sort_query
from procure.policy import Period, PeriodUnit, get_policy
from procure.security.policy import Action, is_allowed
from procure.settings import get_settings
from procure.web.labels import field_label, label, message, replaced_reasons
from procure.web.notices import DONE_PARAM, notice_message


def request_locale(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The language of this request: the ``lang`` cookie if set, else the deployment's default."""
    return i18n.negotiate(connection.cookies.get(i18n.LANG_COOKIE), get_settings().locale)


#: Fixes the language of a render made outside any request (see render_to_string).
RENDER_LOCALE = "render_locale"


def _context_locale(context: Context) -> str:
    if (locale := context.get(RENDER_LOCALE)) is not None:
        return str(locale)
    request = context.get("request")
    return request_locale(request) if request is not None else get_settings().locale


@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.translations(_context_locale(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(_context_locale(context)).ngettext(singular, plural, n)


@pass_context
def _yuan(context: Context, fen: int | None) -> str:
    return i18n.yuan(fen, _context_locale(context))


@pass_context
def _wan_yuan(context: Context, fen: int | None) -> str:
    return i18n.wan_yuan(fen, _context_locale(context))


@pass_context
def _can(context: Context, action: str) -> bool:
    """Whether the signed-in visitor's role may perform the action (the one policy table), so
    templates offer only what the guard will allow."""
    request = context.get("request")
    actor = request.scope.get("user") if request is not None else None
    return is_allowed(Action(action), actor)


@pass_context
def _period_rule(context: Context, rule: Any) -> str:
    """A legal period as the pages show it beside a deadline: "7 个工作日（财政部令第94号 第十条）".
    ``rule`` is a policy period's name, a ``Period``, or anything with its days, unit and basis
    (a deadline, as an object or a dict)."""
    period = get_policy().periods[rule] if isinstance(rule, str) else rule
    if not isinstance(period, Period):
        period = Period.model_validate(period, from_attributes=True)
    translations = i18n.translations(_context_locale(context))
    if period.unit is PeriodUnit.working:
        text = translations.ngettext("%(num)d working day", "%(num)d working days", period.days)
    else:
        text = translations.ngettext("%(num)d day", "%(num)d days", period.days)
    return translations.gettext("%(length)s (%(basis)s)") % {
        "length": text % {"num": period.days},
        "basis": period.basis,
    }


@pass_context
def _page_href(context: Context, number: int, param: str = "page") -> str:
    """This page's address with ``param`` (``page``) set to ``number``, its filters kept."""
    request = context.get("request")
    return page_href(request.url, number, param) if request is not None else f"?{param}={number}"


@pass_context
def _label(context: Context, kind: str, value: object) -> str:
    """``label(kind, value)``: the registry's label (procure.web.labels) in this page's language."""
    return label(_context_locale(context), kind, value)


@pass_context
def _label_filter(context: Context, value: object, kind: str) -> str:
    """``value|label(kind)``: the same as the global."""
    return _label(context, kind, value)


@pass_context
def _refusal(context: Context, error: Any, **shown: object) -> str:
    """``refusal(error)``: a service's refusal (InvalidInput, Conflict, NotFound) in this page's
    language, its values filled in (``shown`` replaces some, e.g. the page's own ``label`` of the
    field); a message outside the catalog reads as the service gave it."""
    given = getattr(error, "message", None) or str(error)
    variables = {**error.variables, **shown}
    return message(_context_locale(context), error.template, variables, given)


@pass_context
def _field_refusal(context: Context, error: Any) -> str:
    """``field_refusal(error)``: a refused field's label, then why; a refusal that names its
    field itself (Pydantic's, through procure.web.forms) reads as it is."""
    if "label" in error.variables:
        return _refusal(context, error)
    return f"{field_label(_context_locale(context), error.field)}: {_refusal(context, error)}"


@pass_context
def _replaced_reasons(context: Context, reason: str | None) -> list[str]:
    return replaced_reasons(_context_locale(context), reason or "")


@pass_context
def _sort_href(context: Context, key: str, order: SortRequest) -> str:
    """This page's address sorted by ``key`` (the other way if it is already), filters kept."""
    request = context.get("request")
    if request is None:
        return f"?sort={key}"
    return f"{request.url.path}?{sort_query(request.url, key, order)}"


@pass_context
def _current_locale(context: Context) -> str:
    return _context_locale(context)


@pass_context
def _done_notice(context: Context) -> str | None:
    """The translated success notice this page's ``?done=`` key asks for, if any."""
    request = context.get("request")
    if request is None:
        return None
    message = notice_message(request.query_params.get(DONE_PARAM))
    return _gettext(context, message) if message else None


def build_environment(templates_dir: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["current_locale"] = _current_locale
    env.globals["can"] = _can
    env.globals["done_notice"] = _done_notice
    env.globals["page_href"] = _page_href
    env.globals["label"] = _label
    env.globals["refusal"] = _refusal
    env.globals["field_refusal"] = _field_refusal
    env.globals["sort_href"] = _sort_href
    env.filters["label"] = _label_filter
    env.filters["replaced_reasons"] = _replaced_reasons
    env.globals["pager_window"] = pager_window
    env.globals["period_rule"] = _period_rule
    env.globals["submission_period"] = lambda method: (
        get_policy().procurement.minimum_submission_days[method]
    )
    env.filters["yuan"] = _yuan
    env.filters["wan_yuan"] = _wan_yuan
    env.filters["local_time"] = lambda value, fmt="%Y-%m-%d %H:%M": i18n.local_time(
        value, get_settings().timezone, fmt
    )
    env.filters["local_date"] = i18n.local_date
    # A legal period ends at 24:00 of its last day (民法典 第二百零三条): show that day, not 00:00
    # of the next.
    env.filters["period_end"] = lambda value: (
        i18n.local_time(value - timedelta(microseconds=1), get_settings().timezone, "%Y-%m-%d")
        + " 24:00"
        if value is not None
        else "—"
    )
    return env


def render_to_string(env: Environment, name: str, context: dict[str, Any], *, locale: str) -> str:
    """A template rendered without a request (PDF documents), in the given language."""
    return env.get_template(name).render({**context, RENDER_LOCALE: locale})


def template_config(templates_dir: Path) -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        instance=JinjaTemplateEngine.from_environment(build_environment(templates_dir))
    )
