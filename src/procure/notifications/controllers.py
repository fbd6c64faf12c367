"""The notifications API: your inbox, and marking notifications read."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody

from procure.db.pagination import PageRequest, page_headers, paging_dependency
from procure.notifications import services
from procure.notifications.messages import title
from procure.notifications.schemas import MarkReadIn, MarkReadOut, NotificationOut, NotificationPage
from procure.notifications.selectors import PER_PAGE, inbox_page, unread_count
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.web.templating import request_locale


class NotificationController(Controller):
    path = "/api/v1/notifications"
    tags = ["notifications"]

    @get("/", opt={"action": Action.notification_read}, dependencies=paging_dependency(PER_PAGE))
    async def list_notifications(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        unread: FromQuery[bool] = False,
    ) -> Response[NotificationPage]:
        """Your notifications, newest first (``?unread=true``: the unread only); pages:
        ``page``, ``per_page`` (≤ 100)."""
        locale = request_locale(request)
        page = await inbox_page(request.user, paging, unread=unread)
        items = [
            NotificationOut(**row, title=title(row["kind"], row["data"], locale))
            for row in page.items
        ]
        body = NotificationPage(
            items=items, unread=await unread_count(request.user.id), **page.fields()
        )
        return Response(body, headers=page_headers(request, page))

    @post("/read", opt={"action": Action.notification_manage}, status_code=200)
    async def mark_read(
        self, request: Request[Actor, Any, Any], data: JSONBody[MarkReadIn | None] = None
    ) -> MarkReadOut:
        """Mark your notifications read: the ``ids`` given, or all."""
        ids = data.ids if data else None
        marked = await services.notifications_mark_read(actor=request.user, notification_ids=ids)
        return MarkReadOut(marked=marked)
