"""Piccolo's configuration module: the one engine of this process and the app registry."""

from piccolo.conf.apps import AppRegistry

from procure.db.engines import build_engine
from procure.settings import get_settings

DB = build_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=["procure.db.piccolo_app"])
