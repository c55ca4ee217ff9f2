"""The ASGI application for servers (`uvicorn app.web.asgi:app`); settings from the environment."""

from app.web.main import create_app

app = create_app()
