"""One way every HTML form refuses bad input (GOV.UK "Error summary" + "Error message"): the
page reads the posted fields through a ``Form``, which turns each bad value — unparseable,
refused by the Pydantic schema, or refused by the service — into a message beside the field,
in the reader's language and under the field's human label (never an internal name, never
fen). The handler then renders the same template again with status 400 and the posted values;
``templates/forms.html`` draws the summary and the messages. See docs/forms.md."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from litestar import Request
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from procure import i18n
from procure.errors import Conflict, InvalidInput
from procure.i18n import N_, yuan_to_fen
from procure.settings import get_settings
from procure.web import labels
from procure.web.templating import request_locale

REQUIRED = N_("Enter %(label)s")
NOT_AMOUNT = N_(
    "%(label)s: “%(value)s” is not an amount in yuan. Type it like 300000, 300,000.00 or 30万, "
    "with at most two decimals."
)
NEGATIVE_AMOUNT = N_("%(label)s cannot be negative")
NOT_WHOLE = N_("%(label)s must be a whole number, like 12")
OUT_OF_RANGE = N_("%(label)s must be between %(low)s and %(high)s")
NOT_WHEN = N_("%(label)s must be a date and time, like 2026-12-31 17:00")
NOT_DAY = N_("%(label)s must be a date, like 2026-12-31")
TOO_LONG = N_("%(label)s must be at most %(limit)s characters")
TOO_SMALL = N_("%(label)s must be at least %(limit)s")
TOO_LARGE = N_("%(label)s must be at most %(limit)s")
CHOOSE = N_("Choose %(label)s")
AT_LEAST_ONE = N_("Add at least one %(label)s")
NOT_VALID = N_("%(label)s is not valid: %(reason)s")
A_FIELD = N_("this field")

M = TypeVar("M", bound=BaseModel)

#: Pydantic's error types, as the message the reader sees.
_PYDANTIC = {
    "missing": REQUIRED,
    "string_too_short": REQUIRED,
    "string_too_long": TOO_LONG,
    "int_parsing": NOT_WHOLE,
    "int_type": NOT_WHOLE,
    "int_from_float": NOT_WHOLE,
    "decimal_parsing": NOT_WHOLE,
    "datetime_type": NOT_WHEN,
    "greater_than_equal": TOO_SMALL,
    "greater_than": TOO_SMALL,
    "less_than_equal": TOO_LARGE,
    "less_than": TOO_LARGE,
    "enum": CHOOSE,
    "literal_error": CHOOSE,
    "datetime_parsing": NOT_WHEN,
    "datetime_from_date_parsing": NOT_WHEN,
    "date_parsing": NOT_DAY,
    "date_type": NOT_DAY,
    "date_from_datetime_inexact": NOT_DAY,
    "date_from_datetime_parsing": NOT_DAY,
    "too_short": AT_LEAST_ONE,
}


def pydantic_message(locale: str, problem: ErrorDetails) -> tuple[str, dict[str, Any]]:
    """One of Pydantic's complaints as the catalog message the reader sees (with ``%(label)s``)
    and its values: the limit it broke; a schema validator's InvalidInput as its catalog message
    in ``locale``; else Pydantic's own reason. The one place a Pydantic error becomes a message;
    every page goes through it."""
    context = problem.get("ctx") or {}
    message = _PYDANTIC.get(problem["type"])
    if message is None:
        error = context.get("error")
        if isinstance(error, InvalidInput):
            return NOT_VALID, {"reason": labels.refusal(locale, error)}
        return NOT_VALID, {"reason": problem["msg"]}
    limit = next((context[k] for k in ("ge", "gt", "le", "lt", "max_length") if k in context), "")
    return message, {"limit": limit}


def invalid_input(locale: str, refusal: ValidationError) -> InvalidInput:
    """Pydantic's first complaint about a page's form as an InvalidInput naming its field, its
    message the catalog's (``pydantic_message``) with the field's label in ``locale``: for the
    pages that show one refusal (``refusal(error)``) rather than a ``Form``."""
    problem = refusal.errors()[0]
    field = ".".join(str(part) for part in problem["loc"]) or "form"
    message, variables = pydantic_message(locale, problem)
    return InvalidInput(field, message, label=labels.field_label(locale, field), **variables)


def validated(locale: str, model: type[M], data: Mapping[str, Any]) -> M:
    """A page's input as its schema; Pydantic's first complaint raises ``invalid_input``."""
    try:
        return model.model_validate(data)
    except ValidationError as refusal:
        raise invalid_input(locale, refusal) from None


class Form:
    """The posted fields (kept to show again), their labels and the errors found so far, one per
    field, in the order the reader meets them."""

    def __init__(
        self,
        locale: str,
        posted: Mapping[str, Any] | None = None,
        *,
        labels: Mapping[str, str] | None = None,
        defaults: Mapping[str, Any] | None = None,
        ids: Mapping[str, str] | None = None,
    ) -> None:
        self.locale = locale
        #: A field's element id where it differs from its name (one page, several forms).
        self.ids: dict[str, str] = dict(ids or {})
        self.translations = i18n.translations(locale)
        self.labels: dict[str, str] = dict(labels or {})
        self.errors: dict[str, str] = {}
        self.values: dict[str, list[str]] = {}
        for name, value in (defaults or {}).items():
            self.values[name] = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        if posted is not None:
            self.values = {}
            items = posted.multi_items() if hasattr(posted, "multi_items") else posted.items()
            for name, value in items:
                if isinstance(value, str):
                    self.values.setdefault(name, []).append(value)

    @classmethod
    def of(
        cls,
        request: Request[Any, Any, Any],
        posted: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Form:
        return cls(request_locale(request), posted, **kwargs)

    # -- reading --------------------------------------------------------------------------------

    def get(self, name: str, default: str = "") -> str:
        """The (first) value of a field, as typed (for showing it again)."""
        values = self.values.get(name)
        return values[0] if values else default

    def getall(self, name: str) -> list[str]:
        return list(self.values.get(name, []))

    def value(self, name: str, default: Any = "") -> str:
        return self.get(name, "" if default is None else str(default))

    def has(self, name: str, value: str) -> bool:
        """Whether a checkbox or a multiple select posted (or defaults to) this value."""
        return value in self.values.get(name, [])

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.get(name).strip()
        if required and not value:
            self.error(name, REQUIRED)
        return value

    def _given(self, name: str, required: bool, text: str | None = None) -> str | None:
        """The field's text, stripped; None when it is empty (refused when it is required)."""
        given = (self.get(name) if text is None else text).strip()
        if given:
            return given
        if required:
            self.error(name, REQUIRED)
        return None

    def amount(self, name: str, *, required: bool = True) -> int | None:
        """An amount typed in 元 (30万, 300,000.00, 30.5万 too) as fen."""
        text = self._given(name, required)
        if text is None:
            return None
        try:
            fen = yuan_to_fen(text)
        except (ArithmeticError, ValueError):
            self.error(name, NOT_AMOUNT, value=text)
            return None
        if fen < 0:
            self.error(name, NEGATIVE_AMOUNT)
            return None
        return fen

    def whole(
        self,
        name: str,
        *,
        required: bool = False,
        low: int | None = None,
        high: int | None = None,
        text: str | None = None,
    ) -> int | None:
        given = self._given(name, required, text)
        if given is None:
            return None
        try:
            number = int(given)
        except ValueError:
            self.error(name, NOT_WHOLE)
            return None
        if (low is not None and number < low) or (high is not None and number > high):
            self.error(name, OUT_OF_RANGE, low=low, high=high)
            return None
        return number

    def when(self, name: str, *, required: bool = True) -> str | None:
        """A datetime-local value, read in the platform's time zone, as ISO 8601."""
        text = self._given(name, required)
        if text is None:
            return None
        try:
            naive = datetime.fromisoformat(text)
        except ValueError:
            self.error(name, NOT_WHEN)
            return None
        return naive.replace(tzinfo=ZoneInfo(get_settings().timezone)).isoformat()

    def day(self, name: str, *, required: bool = True) -> date | None:
        text = self._given(name, required)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.error(name, NOT_DAY)
            return None

    # -- refusing -------------------------------------------------------------------------------

    def label(self, name: str) -> str:
        return self.translations.gettext(self.labels.get(name, A_FIELD))

    def error(self, name: str, message: str, **variables: Any) -> None:
        """Refuses a field: ``message`` is a catalog message with ``%(label)s`` and variables.
        The error is kept under the field's element id, which the summary links to."""
        key = self.ids.get(name, name)
        if key in self.errors:
            return  # the first problem of a field is the one to fix first
        text = self.translations.gettext(message)
        try:
            self.errors[key] = text % {"label": self.label(name), **variables}
        except (KeyError, TypeError, ValueError):
            self.errors[key] = text

    @property
    def ok(self) -> bool:
        return not self.errors

    def validated(
        self, model: type[M], data: dict[str, Any], fields: Callable[[str], str] | None = None
    ) -> M | None:
        """The schema's model, or None with every complaint added beside its field. ``fields``
        maps pydantic's location ("lines.0.quantity") to the form's field id."""
        try:
            return model.model_validate(data)
        except ValidationError as refusal:
            for problem in refusal.errors():
                location = ".".join(str(part) for part in problem["loc"])
                message, variables = pydantic_message(self.locale, problem)
                self.error(fields(location) if fields else location, message, **variables)
            return None

    async def attempt(
        self,
        write: Awaitable[Any],
        fields: Callable[[str], str] | None = None,
        *,
        conflicts: bool = False,
    ) -> bool:
        """Run a service's write for this form: True when it was done; a refusal lands beside
        its field (and, with ``conflicts``, a state conflict in the summary, else the conflict
        answers 409 as a page) and the form is shown again."""
        try:
            await write
        except InvalidInput as refusal:
            self.refuse(refusal, fields)
            return False
        except Conflict as conflict:
            if not conflicts:
                raise
            self.conflict(conflict)
            return False
        return True

    def refuse(self, refusal: InvalidInput, fields: Callable[[str], str] | None = None) -> None:
        """A service's refusal beside the field it names (its catalog message translated; a
        message outside the catalog reads as the service gave it)."""
        name = fields(refusal.field) if fields else refusal.field
        if name not in self.labels and self.labels:
            name = next(iter(self.labels))  # a field the form does not show: its first field
        text = labels.refusal(self.locale, refusal)
        self.errors.setdefault(self.ids.get(name, name), f"{self.label(name)}: {text}")

    def conflict(self, conflict: Conflict) -> None:
        """A service's state conflict in the form's summary, its catalog message translated (a
        message outside the catalog reads as the service gave it)."""
        self.general(labels.refusal(self.locale, conflict))

    def general(self, message: str) -> None:
        """A problem of the whole form (another person acted first, a state conflict): shown in
        the summary, linked to the form's first field."""
        first = next(iter(self.labels), "form")
        first = self.ids.get(first, first)
        key = first if first not in self.errors else "form"
        self.errors.setdefault(key, message)
