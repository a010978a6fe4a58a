"""The channel services wired together over the account services and a channel store."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs

from tgserver.bus import EventBus
from tgserver.services.bundle import AccountServices
from tgserver.services.channels.access import MAX_MEMBERS, ChannelAccess
from tgserver.services.channels.members import ChannelMembers
from tgserver.services.channels.online import OnlineChannels
from tgserver.services.channels.posts import CHANNEL_TOO_LONG_GAP, ChannelMessaging
from tgserver.services.channels.service import ChannelService
from tgserver.store.channels import ChannelStore

__all__ = ["ChannelServices"]


@attrs.frozen
class ChannelServices:
    """Supergroups and broadcast channels, as the RPC handlers use them.

    Attributes:
        accounts: The account services (users, access hashes).
        access: Channel lookups, access hashes and role checks.
        messaging: Posting, reading, getChannelDifference.
        channels: Creation, members, admins, bans, titles, usernames.
        members: Participant lists and channel details.
        online: The online members of each channel (fed by the gateway's online index).
        bus: Where changes are published.
    """

    accounts: AccountServices
    access: ChannelAccess
    messaging: ChannelMessaging
    channels: ChannelService
    members: ChannelMembers
    online: OnlineChannels
    bus: EventBus

    @classmethod
    def create(
        cls,
        accounts: AccountServices,
        store: ChannelStore,
        *,
        bus: EventBus,
        max_members: int = MAX_MEMBERS,
        too_long_gap: int = CHANNEL_TOO_LONG_GAP,
        clock: Callable[[], float] = time.time,
    ) -> ChannelServices:
        """Wire the services; ``bus`` must be the one the gateway listens to."""
        access = ChannelAccess(store, accounts.users.access)
        online = OnlineChannels(store)
        messaging = ChannelMessaging(access, bus, online, clock=clock, too_long_gap=too_long_gap)
        return cls(
            accounts=accounts,
            access=access,
            messaging=messaging,
            channels=ChannelService(
                messaging, accounts.users, max_members=max_members, clock=clock
            ),
            members=ChannelMembers(access, accounts.users),
            online=online,
            bus=bus,
        )
