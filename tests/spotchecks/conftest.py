from tests.reports.conftest import make_contract, report_clock  # noqa: F401  (fixtures)
