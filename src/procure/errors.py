"""Domain errors shared by every area; the app maps them to HTTP answers."""

from __future__ import annotations


def english(message: str, variables: dict[str, object]) -> str:
    """A catalog message with its values, as the API says it: a list of values reads as
    ``a, b``, a status enum as its value."""
    if not variables:
        return message
    return message % {
        name: ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
        for name, value in variables.items()
    }


class InvalidInput(ValueError):
    """Bad input, naming the field (and the row, for imports) and why. A catalog message
    (marked with ``N_``, its values given as ``variables``) reads translated on pages."""

    def __init__(self, field: str, message: str, /, **variables: object) -> None:
        self.field = field
        self.template = message
        self.variables = variables
        self.message = english(message, variables)
        super().__init__(f"{field}: {self.message}")


class NotFound(LookupError):
    """The object does not exist, or lies outside the actor's scope: both answer 404. A catalog
    message (marked with ``N_``, its values given as ``variables``) reads translated on pages;
    the API keeps the English text."""

    def __init__(self, message: str = "", /, **variables: object) -> None:
        self.template = message
        self.variables = variables
        super().__init__(english(message, variables))

    def __str__(self) -> str:  # LookupError's would quote the message like a key
        return str(self.args[0]) if self.args else ""


class Conflict(RuntimeError):
    """The object is in a state that does not allow this (e.g. bidding after the deadline): 409.
    A catalog message (marked with ``N_``, its values given as ``variables``) reads translated
    on pages; the API keeps the English text."""

    def __init__(self, message: str = "", /, **variables: object) -> None:
        self.template = message
        self.variables = variables
        super().__init__(english(message, variables))


class NotYet(Conflict):
    """Something asked for before it exists (a tender's award notice before the award): 409,
    its message a catalog one (marked with ``N_``) read in the asker's language, also in the API."""
