"""A bounded fuzz of the whole OpenAPI document (schemathesis, in process), anonymous and as
every role: no operation answers a server error, a status code or a content type the document
does not declare.

Anonymous requests get schemathesis' coverage phase (boundary values, control characters,
missing and unexpected parameters, other methods) and a few generated cases per operation:
they pass the input checks, which run before authentication. Each role gets a few generated
cases per operation, which reach the handlers the role may call. Derandomized, so every run
sends the same requests; no shrinking, no example database. It runs last (it writes as every
role, to ids it draws at random) so that no other test meets what it wrote."""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.checks import not_a_server_error
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from procure.security.tables import Role
from tests.conftest import USERNAMES, bearer

pytestmark = pytest.mark.last

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


def _settings(*, examples: int, coverage: bool) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        phases=[Phase.explicit, Phase.generate] if coverage else [Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )


ANONYMOUS = _settings(examples=3, coverage=True)
SIGNED_IN = _settings(examples=2, coverage=False)


@pytest.fixture(scope="session")
def api_schema(app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app)


def failures(api_schema: Any, headers: dict[str, str], settings: hypothesis.settings) -> list[str]:
    """Each operation's first failing case (its check, status and curl to reproduce it)."""

    def call(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    found = []
    for result in get_all_tests(
        schema=api_schema, test_func=call, settings=settings, given_kwargs={}
    ):
        operation, test = result.ok()
        try:
            test()
        except hypothesis.errors.Unsatisfiable:
            pass  # nothing to vary (no parameters): the other mode covers it
        except (Exception, BaseExceptionGroup) as error:
            found.append(f"{operation.label}: {error}")
    return found


@pytest.mark.parametrize("role", [None, *Role], ids=lambda role: role or "anonymous")
async def test_no_operation_answers_what_the_document_does_not_declare(
    api_schema: Any, role: Role | None
) -> None:
    headers = await bearer(USERNAMES[role]) if role else {}
    found = failures(api_schema, headers, SIGNED_IN if role else ANONYMOUS)
    assert found == [], "\n\n".join(found)
