from tests.test_cli import fresh_env  # noqa: F401  (the CLI tests' empty database)
