"""The inbox page (/notifications) and the preferences form (/notifications/preferences)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from procure.db.pagination import PageRequest, paging_dependency
from procure.errors import InvalidInput
from procure.notifications import services
from procure.notifications.mail import email_enabled
from procure.notifications.messages import CHANNEL_LABELS, KIND_LABELS, TITLES
from procure.notifications.selectors import (
    PER_PAGE,
    catalog_categories,
    channels_of,
    contact_of,
    followed_categories,
    inbox_page,
    unread_count,
)
from procure.notifications.tables import Channel, NotificationKind
from procure.security.actors import Actor
from procure.security.policy import Action
from procure.web import labels
from procure.web.notices import done_url, see
from procure.web.templating import request_locale


class NotificationPages(Controller):
    path = "/notifications"
    include_in_schema = False

    @get("/", opt={"action": Action.notification_read}, dependencies=paging_dependency(PER_PAGE))
    async def inbox(
        self,
        request: Request[Actor, Any, Any],
        paging: NamedDependency[PageRequest],
        unread: FromQuery[bool] = False,
    ) -> Template:
        return Template(
            "notifications/index.html",
            context={
                "notifications": await inbox_page(request.user, paging, unread=unread),
                "titles": TITLES,
                "unread_only": unread,
            },
        )

    @post("/{notification_id:int}/read", opt={"action": Action.notification_manage})
    async def mark_read(
        self, request: Request[Actor, Any, Any], notification_id: FromPath[int]
    ) -> Redirect:
        await services.notifications_mark_read(
            actor=request.user, notification_ids=[notification_id]
        )
        return see(done_url("/notifications", "marked_read"))

    @post("/read-all", opt={"action": Action.notification_manage})
    async def mark_all_read(self, request: Request[Actor, Any, Any]) -> Redirect:
        await services.notifications_mark_read(actor=request.user, notification_ids=None)
        return see(done_url("/notifications", "marked_read"))

    async def _preferences(
        self,
        request: Request[Actor, Any, Any],
        *,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        categories: list[str] | None = None,
    ) -> Template:
        chosen = await channels_of(request.user.id)
        organization = request.user.organization_id
        followed = categories if categories is not None else await followed_categories(organization)
        contact = await contact_of(request.user.id)
        values = form or {
            "email": contact["email"],
            "locale": contact["locale"],
            **{str(kind): chosen.get(kind, Channel.inbox) for kind in NotificationKind},
        }
        return Template(
            "notifications/preferences.html",
            context={
                "kinds": list(NotificationKind),
                "channels": list(Channel),
                "kind_labels": KIND_LABELS,
                "channel_labels": CHANNEL_LABELS,
                "values": values,
                "errors": errors or {},
                "email_enabled": email_enabled(),
                "categories": await catalog_categories() if organization is not None else [],
                "followed": followed,
            },
            status_code=HTTP_400_BAD_REQUEST if errors else 200,
        )

    @get("/preferences", opt={"action": Action.notification_read})
    async def preferences(self, request: Request[Actor, Any, Any]) -> Template:
        return await self._preferences(request)

    @post("/preferences", opt={"action": Action.notification_manage})
    async def save_preferences(self, request: Request[Actor, Any, Any]) -> Template | Redirect:
        data = await request.form()
        form = {key: str(value) for key, value in data.items() if key != "_csrf_token"}
        chosen = [str(value) for value in data.getall("categories", [])]
        try:
            await services.preferences_save(
                actor=request.user,
                channels=services.parse_channels(form),
                email=form.get("email", ""),
                locale=form.get("locale", ""),
                categories=services.parse_categories(chosen),
            )
        except InvalidInput as error:
            message = labels.refusal(request_locale(request), error)
            return await self._preferences(
                request, form=form, errors={error.field: message}, categories=chosen
            )
        return see(done_url("/notifications/preferences", "preferences_saved"))


async def unread_in_header(request: Request[Any, Any, Any]) -> None:
    """The app's ``before_request``: the signed-in user's unread count, for the header of
    every page (base.html); a read (COUNT), never a write, and only for pages."""
    user = request.scope.get("user")
    if user is None or request.method != "GET" or request.url.path.startswith("/api/"):
        return
    request.scope["notifications_unread"] = await unread_count(user.id)  # type: ignore[typeddict-unknown-key]
