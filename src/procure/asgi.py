"""The ASGI entry point for uvicorn: ``procure.asgi:app``."""

from procure.app import create_app

app = create_app()
