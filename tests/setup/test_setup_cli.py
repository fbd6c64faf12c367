"""`procure setup` as an administrator deploys a real district: on an empty database, upgrade,
write the template, import it (twice: the second run changes nothing), and a bad workbook is
refused with its rows and exit 1."""

from __future__ import annotations

from pathlib import Path

from tests.setup.test_setup_import import spoiled
from tests.setup.workbooks import xlsx
from tests.test_cli import fresh_env, procure  # noqa: F401 (fresh_env is a fixture)


def test_a_district_from_an_empty_database(fresh_env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    assert procure("db", "upgrade", env=fresh_env).returncode == 0
    template = tmp_path / "district.xlsx"
    written = procure("setup", "template", str(template), env=fresh_env)
    assert written.returncode == 0, written.stderr
    first = procure("setup", "import", str(template), env=fresh_env)
    assert first.returncode == 0, first.stderr
    assert "滨江区 (440399000000):" in first.stdout
    assert "communities: 1 created, 0 updated, 0 unchanged" in first.stdout
    assert "users: 2 created, 0 updated, 0 unchanged" in first.stdout
    assert "generated passwords (shown this once):" in first.stdout
    assert "bj-buyer\t" in first.stdout
    again = procure("setup", "import", str(template), env=fresh_env)
    assert "users: 0 created, 0 updated, 2 unchanged" in again.stdout
    assert "generated passwords" not in again.stdout

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(spoiled("450301")))
    refused = procure("setup", "import", str(bad), env=fresh_env)
    assert refused.returncode == 1
    assert "未导入任何数据：有 6 行存在错误" in refused.stderr
    assert "用户 · #4 · 登录账号: 登录账号 u450301-buyer 与第 2 行重复" in refused.stderr
    english = procure("setup", "import", str(bad), "--lang", "en", env=fresh_env)
    assert "Users · #3 · Role: unknown role 主任" in english.stderr
