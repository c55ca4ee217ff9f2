"""The public side: published results (`/publik`), waiting-room screens (`/tv`) and open
data (`/publik/data`), read from published snapshots only."""

from app.web.public.opendata import OpenData
from app.web.public.pages import PublicPages
from app.web.public.tv import TvPages

PUBLIC_ROUTES = [PublicPages, OpenData, TvPages]
