"""The single Piccolo app: every area's tables, one migrations folder at the repo's top level."""

from piccolo.conf.apps import AppConfig

from procure.db.registry import all_tables
from procure.settings import get_settings

APP_CONFIG = AppConfig(
    app_name="procure",
    migrations_folder_path=str(get_settings().migrations_dir),
    table_classes=all_tables(),
    migration_dependencies=[],
    commands=[],
)
