"""``help.*`` methods a client calls right after connecting: the config and the nearest DC."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from tgcore.tl import functions, types
from tgserver.rpc.context import RequestContext

__all__ = ["CONFIG_EXPIRES", "DcAddress", "HelpHandlers"]

#: Seconds a client may cache help.getConfig (Telegram uses about an hour).
CONFIG_EXPIRES = 3600


@attrs.frozen
class DcAddress:
    """This server as a data center: its id and the address clients are told to use.

    Attributes:
        dc_id: The DC id (``this_dc``).
        host: The address in ``dc_options`` (the public host, else the listening host).
        port: The MTProto TCP port.
        country: Two-letter country code for ``help.getNearestDc`` (``ZZ``: unknown).
    """

    dc_id: int
    host: str
    port: int
    country: str = "ZZ"


class HelpHandlers:
    """help.getConfig, help.getNearestDc and help.getAppConfig for one DC.

    Only this DC is listed in ``dc_options``: a client never needs another one here, and
    listing fake ones would make Telethon or Kurigram try them when exporting
    authorizations.
    """

    def __init__(self, dc: DcAddress, *, clock: Callable[[], float] = time.time) -> None:
        self._dc = dc
        self._clock = clock

    def dc_options(self) -> list[types.DcOption]:
        """The ``dc_options`` of help.getConfig."""
        dc = self._dc
        return [types.DcOption(ipv6=":" in dc.host, id=dc.dc_id, ip_address=dc.host, port=dc.port)]

    async def get_config(
        self, ctx: RequestContext, request: functions.help.GetConfig
    ) -> types.Config:
        """help.getConfig: this DC's address and Telegram's current default limits."""
        now = int(self._clock())
        dc_id = self._dc.dc_id
        return types.Config(
            revoke_pm_inbox=True,
            date=now,
            expires=now + CONFIG_EXPIRES,
            test_mode=False,
            this_dc=dc_id,
            dc_options=self.dc_options(),
            dc_txt_domain_name="apv3.stel.com",
            chat_size_max=200,
            megagroup_size_max=200000,
            forwarded_count_max=100,
            online_update_period_ms=210000,
            offline_blur_timeout_ms=5000,
            offline_idle_timeout_ms=30000,
            online_cloud_timeout_ms=300000,
            notify_cloud_delay_ms=30000,
            notify_default_delay_ms=1500,
            push_chat_period_ms=60000,
            push_chat_limit=2,
            edit_time_limit=172800,
            revoke_time_limit=2147483647,
            revoke_pm_time_limit=2147483647,
            rating_e_decay=2419200,
            stickers_recent_limit=200,
            channels_read_media_period=604800,
            call_receive_timeout_ms=20000,
            call_ring_timeout_ms=90000,
            call_connect_timeout_ms=30000,
            call_packet_timeout_ms=10000,
            me_url_prefix="https://t.me/",
            gif_search_username="gif",
            venue_search_username="foursquare",
            img_search_username="bing",
            caption_length_max=1024,
            message_length_max=4096,
            webfile_dc_id=dc_id,
            reactions_default=types.ReactionEmoji(emoticon="\N{THUMBS UP SIGN}"),
        )

    async def get_nearest_dc(
        self, ctx: RequestContext, request: functions.help.GetNearestDc
    ) -> types.NearestDc:
        """help.getNearestDc: this DC is the nearest (and only) one."""
        dc = self._dc
        return types.NearestDc(country=dc.country, this_dc=dc.dc_id, nearest_dc=dc.dc_id)

    async def get_app_config(
        self, ctx: RequestContext, request: functions.help.GetAppConfig
    ) -> types.help.AppConfig:
        """help.getAppConfig: no app-specific settings yet (an empty JSON object)."""
        return types.help.AppConfig(hash=0, config=types.JsonObject(value=[]))
