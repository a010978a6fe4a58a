"""The account handlers through the dispatcher: TL in, services, TL out, Telegram's errors."""

from __future__ import annotations

from typing import Any

import pytest

from tgcore.errors import RpcError
from tgcore.testing import FakeClock, SeededRandom
from tgcore.tl import Reader, TLRequest, functions, types
from tgserver.rpc import (
    Call,
    ConnectionInfo,
    DcAddress,
    Dispatcher,
    SessionCalls,
    register_account_handlers,
    register_builtin_handlers,
    register_messaging_handlers,
)
from tgserver.services import AccountServices, MessagingServices
from tgserver.store import ClientInfo, MemoryAuthKeyStore
from tgserver.store.accounts import AccountStores
from tgserver.store.messages import MemoryMessageStore

ANN, BOB = "9996621111", "9996622222"


class Harness:
    """A dispatcher with the account handlers (and the message store's update state); calls
    are made as auth key ``key``."""

    def __init__(self, services: AccountServices) -> None:
        self.services = services
        self.dispatcher = Dispatcher(lookup_user=services.lookup_user)
        register_builtin_handlers(self.dispatcher, DcAddress(dc_id=2, host="127.0.0.1", port=1))
        register_account_handlers(self.dispatcher, services)
        messaging = MessagingServices.create(services, MemoryMessageStore())
        register_messaging_handlers(self.dispatcher, messaging)
        self._msg_id = 0

    async def __call__(self, key: int, request: TLRequest) -> Any:
        self._msg_id += 4
        session = SessionCalls(auth_key_id=key, session_id=1)
        call = Call(self._msg_id, request.to_bytes(), session, ConnectionInfo(peer="10.0.0.5:4444"))
        data = await self.dispatcher.dispatch(call)
        return request.read_result(Reader(data))

    async def sign_up(self, key: int, phone: str, first_name: str) -> types.User:
        sent = await self(
            key,
            functions.auth.SendCode(
                phone_number=phone, api_id=1, api_hash="x", settings=types.CodeSettings()
            ),
        )
        assert isinstance(sent, types.auth.SentCode)
        assert sent.type == types.auth.SentCodeTypeSms(length=5)
        result = await self(
            key,
            functions.auth.SignIn(
                phone_number=phone, phone_code_hash=sent.phone_code_hash, phone_code="22222"
            ),
        )
        if isinstance(result, types.auth.AuthorizationSignUpRequired):
            result = await self(
                key,
                functions.auth.SignUp(
                    phone_number=phone,
                    phone_code_hash=sent.phone_code_hash,
                    first_name=first_name,
                    last_name="",
                ),
            )
        assert isinstance(result, types.auth.Authorization)
        assert isinstance(result.user, types.User)
        return result.user


@pytest.fixture
async def rpc() -> Harness:
    keys = MemoryAuthKeyStore()
    services = await AccountServices.create(
        AccountStores.memory(), dc_id=2, auth_keys=keys, clock=FakeClock(), rng=SeededRandom(3)
    )
    return Harness(services)


async def rpc_error(rpc: Harness, key: int, request: TLRequest) -> tuple[int, str]:
    with pytest.raises(RpcError) as info:
        await rpc(key, request)
    return info.value.code, info.value.name


def input_user(user: types.User) -> types.InputUser:
    assert user.access_hash is not None
    return types.InputUser(user_id=user.id, access_hash=user.access_hash)


def input_peer(user: types.User) -> types.InputPeerUser:
    assert user.access_hash is not None
    return types.InputPeerUser(user_id=user.id, access_hash=user.access_hash)


NEEDS_LOGIN: list[TLRequest] = [
    functions.users.GetUsers(id=[types.InputUserSelf()]),
    functions.users.GetFullUser(id=types.InputUserSelf()),
    functions.updates.GetState(),
    functions.updates.GetDifference(pts=1, date=0, qts=0),
    functions.auth.LogOut(),
    functions.auth.ResetAuthorizations(),
    functions.account.UpdateProfile(first_name="x"),
    functions.account.UpdateStatus(offline=False),
    functions.account.CheckUsername(username="abcdef"),
    functions.account.UpdateUsername(username="abcdef"),
    functions.account.GetAuthorizations(),
    functions.account.ResetAuthorization(hash=1),
    functions.contacts.GetContacts(hash=0),
    functions.contacts.GetContactIDs(hash=0),
    functions.contacts.GetStatuses(),
    functions.contacts.ImportContacts(contacts=[]),
    functions.contacts.DeleteContacts(id=[]),
    functions.contacts.DeleteByPhones(phones=[]),
    functions.contacts.ResolveUsername(username="abcdef"),
    functions.contacts.ResolvePhone(phone="15550001"),
    functions.contacts.Search(q="abc", limit=10),
    functions.contacts.Block(id=types.InputPeerSelf()),
    functions.contacts.Unblock(id=types.InputPeerSelf()),
    functions.contacts.GetBlocked(offset=0, limit=10),
]


@pytest.mark.parametrize("request_", NEEDS_LOGIN, ids=lambda r: r.TL_NAME)
async def test_needs_login(rpc: Harness, request_: TLRequest) -> None:
    assert await rpc_error(rpc, 1, request_) == (401, "AUTH_KEY_UNREGISTERED")


async def test_sign_up_get_me_state_and_log_out(rpc: Harness) -> None:
    user = await rpc.sign_up(1, ANN, "Ann")
    assert user.self and user.phone == ANN and user.first_name == "Ann"
    assert isinstance(user.status, types.UserStatusOnline) or user.status is not None
    [me] = await rpc(1, functions.users.GetUsers(id=[types.InputUserSelf()]))
    assert me.self and me.id == user.id and me.access_hash == user.access_hash
    state = await rpc(1, functions.updates.GetState())
    assert (state.pts, state.qts, state.seq, state.unread_count) == (1, 0, 0, 0)
    empty = await rpc(1, functions.updates.GetDifference(pts=1, date=state.date, qts=0))
    assert empty == types.updates.DifferenceEmpty(date=state.date, seq=0)
    assert await rpc(1, functions.auth.LogOut()) == types.auth.LoggedOut()
    assert await rpc_error(rpc, 1, functions.updates.GetState()) == (401, "AUTH_KEY_UNREGISTERED")


async def test_sign_in_errors(rpc: Harness) -> None:
    def sign_in(code: str | None, code_hash: str = "h") -> functions.auth.SignIn:
        return functions.auth.SignIn(phone_number=ANN, phone_code_hash=code_hash, phone_code=code)

    assert await rpc_error(rpc, 1, sign_in(None)) == (400, "PHONE_CODE_EMPTY")
    assert await rpc_error(rpc, 1, sign_in("1", "")) == (400, "PHONE_CODE_HASH_EMPTY")
    assert await rpc_error(rpc, 1, sign_in("1")) == (400, "PHONE_CODE_EXPIRED")
    email = functions.auth.SignIn(
        phone_number=ANN,
        phone_code_hash="h",
        email_verification=types.EmailVerificationCode(code="1"),
    )
    assert await rpc_error(rpc, 1, email) == (400, "PHONE_CODE_EMPTY")
    bad_phone = functions.auth.SendCode(
        phone_number="hello", api_id=1, api_hash="x", settings=types.CodeSettings()
    )
    assert await rpc_error(rpc, 1, bad_phone) == (400, "PHONE_NUMBER_INVALID")


async def test_resend_and_cancel_code(rpc: Harness) -> None:
    sent = await rpc(
        1,
        functions.auth.SendCode(
            phone_number=ANN, api_id=1, api_hash="x", settings=types.CodeSettings()
        ),
    )
    again = await rpc(
        1, functions.auth.ResendCode(phone_number=ANN, phone_code_hash=sent.phone_code_hash)
    )
    assert again.phone_code_hash == sent.phone_code_hash
    assert (
        await rpc(
            1, functions.auth.CancelCode(phone_number=ANN, phone_code_hash=sent.phone_code_hash)
        )
        is True
    )


async def test_oversized_first_name(rpc: Harness) -> None:
    sent = await rpc(
        1,
        functions.auth.SendCode(
            phone_number=ANN, api_id=1, api_hash="x", settings=types.CodeSettings()
        ),
    )
    await rpc(
        1,
        functions.auth.SignIn(
            phone_number=ANN, phone_code_hash=sent.phone_code_hash, phone_code="22222"
        ),
    )
    sign_up = functions.auth.SignUp(
        phone_number=ANN, phone_code_hash=sent.phone_code_hash, first_name="x" * 65, last_name=""
    )
    assert await rpc_error(rpc, 1, sign_up) == (400, "FIRSTNAME_INVALID")


async def test_profile_username_and_full_user(rpc: Harness) -> None:
    ann = await rpc.sign_up(1, ANN, "Ann")
    bob = await rpc.sign_up(2, BOB, "Bob")
    updated = await rpc(1, functions.account.UpdateProfile(last_name="Lee", about="Hi there"))
    assert (updated.first_name, updated.last_name) == ("Ann", "Lee")
    assert await rpc(1, functions.account.CheckUsername(username="ann_lee")) is True
    named = await rpc(1, functions.account.UpdateUsername(username="ann_lee"))
    assert named.username == "ann_lee"
    assert await rpc(2, functions.account.CheckUsername(username="Ann_Lee")) is False
    assert await rpc_error(rpc, 2, functions.account.UpdateUsername(username="ANN_LEE")) == (
        400,
        "USERNAME_OCCUPIED",
    )
    assert await rpc_error(rpc, 2, functions.account.UpdateUsername(username="x")) == (
        400,
        "USERNAME_INVALID",
    )
    resolved = await rpc(2, functions.contacts.ResolveUsername(username="ann_lee"))
    assert resolved.peer == types.PeerUser(user_id=ann.id)
    [seen] = resolved.users
    assert seen.phone is None and not seen.self and seen.access_hash != ann.access_hash
    full = await rpc(2, functions.users.GetFullUser(id=input_user(seen)))
    assert full.full_user.about == "Hi there" and full.full_user.id == ann.id
    assert isinstance(full.full_user.settings, types.PeerSettings)
    assert [u.id for u in full.users] == [ann.id]
    # Bob's hash for Ann is his own: Ann cannot use it for herself, nor Bob Ann's.
    assert await rpc_error(
        rpc,
        1,
        functions.users.GetUsers(
            id=[types.InputUser(user_id=ann.id, access_hash=seen.access_hash)]
        ),
    ) == (400, "USER_ID_INVALID")
    assert bob.id != ann.id


async def test_contacts_flow(rpc: Harness) -> None:
    ann = await rpc.sign_up(1, ANN, "Ann")
    bob = await rpc.sign_up(2, BOB, "Bob")
    imported = await rpc(
        1,
        functions.contacts.ImportContacts(
            contacts=[
                types.InputPhoneContact(
                    client_id=5, phone="+" + BOB, first_name="Robert", last_name=""
                ),
                types.InputPhoneContact(
                    client_id=6, phone="+15550000", first_name="Nobody", last_name=""
                ),
            ]
        ),
    )
    assert imported.imported == [types.ImportedContact(user_id=bob.id, client_id=5)]
    assert imported.retry_contacts == [] and imported.popular_invites == []
    [robert] = imported.users
    assert (robert.first_name, robert.phone, robert.contact) == ("Robert", BOB, True)
    listed = await rpc(1, functions.contacts.GetContacts(hash=0))
    assert listed.contacts == [types.Contact(user_id=bob.id, mutual=False)]
    again = await rpc(1, functions.contacts.GetContacts(hash=listed_hash(listed)))
    assert again == types.contacts.ContactsNotModified()
    assert await rpc(1, functions.contacts.GetContactIDs(hash=0)) == [bob.id]
    [status] = await rpc(1, functions.contacts.GetStatuses())
    assert status.user_id == bob.id
    found = await rpc(1, functions.contacts.Search(q="rob", limit=10))
    assert found.my_results == [types.PeerUser(user_id=bob.id)] and found.results == []
    # Bob sees Ann's phone: she saved him (Telegram's "my contacts" default).
    [ann_for_bob] = await rpc(
        2,
        functions.users.GetUsers(
            id=[input_user((await rpc(2, functions.contacts.ResolvePhone(phone=ANN))).users[0])]
        ),
    )
    assert ann_for_bob.phone == ANN and ann.id == ann_for_bob.id
    deleted = await rpc(1, functions.contacts.DeleteContacts(id=[input_user(robert)]))
    assert isinstance(deleted, types.Updates) and [u.id for u in deleted.users] == [bob.id]
    assert (await rpc(1, functions.contacts.GetContacts(hash=0))).contacts == []
    await rpc(
        1,
        functions.contacts.ImportContacts(
            contacts=[
                types.InputPhoneContact(client_id=5, phone=BOB, first_name="Rob", last_name="")
            ]
        ),
    )
    assert await rpc(1, functions.contacts.DeleteByPhones(phones=[BOB, "junk"])) is True
    assert (await rpc(1, functions.contacts.GetContacts(hash=0))).contacts == []


def listed_hash(listed: types.contacts.Contacts) -> int:
    from tgserver.services import vector_hash

    return vector_hash([listed.saved_count, *sorted(c.user_id for c in listed.contacts)])


async def test_block_unblock(rpc: Harness) -> None:
    await rpc.sign_up(1, ANN, "Ann")
    await rpc.sign_up(2, BOB, "Bob")
    bob = (await rpc(1, functions.contacts.ResolvePhone(phone=BOB))).users[0]
    assert await rpc(1, functions.contacts.Block(id=input_peer(bob))) is True
    blocked = await rpc(1, functions.contacts.GetBlocked(offset=0, limit=10))
    assert isinstance(blocked, types.contacts.Blocked)
    assert [b.peer_id for b in blocked.blocked] == [types.PeerUser(user_id=bob.id)]
    sliced = await rpc(1, functions.contacts.GetBlocked(offset=0, limit=0))
    assert isinstance(sliced, types.contacts.BlockedSlice) and sliced.count == 1
    full = await rpc(1, functions.users.GetFullUser(id=input_user(bob)))
    assert full.full_user.blocked
    assert await rpc(1, functions.contacts.Unblock(id=input_peer(bob))) is True
    assert (await rpc(1, functions.contacts.GetBlocked(offset=0, limit=10))).blocked == []
    assert await rpc_error(rpc, 1, functions.contacts.Block(id=types.InputPeerSelf())) == (
        400,
        "CONTACT_ID_INVALID",
    )


@pytest.mark.parametrize(
    "peer",
    [
        types.InputPeerUser(user_id=1000002, access_hash=0),
        types.InputPeerUser(user_id=-5, access_hash=-1),
        types.InputPeerEmpty(),
        types.InputPeerChat(chat_id=1),
        types.InputPeerChannel(channel_id=1, access_hash=1),
    ],
    ids=lambda p: type(p).__name__,
)
async def test_bad_input_peers(rpc: Harness, peer: types.TypeInputPeer) -> None:
    await rpc.sign_up(1, ANN, "Ann")
    await rpc.sign_up(2, BOB, "Bob")
    assert await rpc_error(rpc, 1, functions.contacts.Block(id=peer)) == (400, "PEER_ID_INVALID")


@pytest.mark.parametrize(
    "user",
    [
        types.InputUser(user_id=1000002, access_hash=12345),
        types.InputUserEmpty(),
        types.InputUserFromMessage(peer=types.InputPeerSelf(), msg_id=1, user_id=1000002),
    ],
    ids=lambda p: type(p).__name__,
)
async def test_bad_input_users(rpc: Harness, user: types.TypeInputUser) -> None:
    await rpc.sign_up(1, ANN, "Ann")
    await rpc.sign_up(2, BOB, "Bob")
    assert await rpc_error(rpc, 1, functions.users.GetFullUser(id=user)) == (400, "USER_ID_INVALID")
    assert await rpc_error(rpc, 1, functions.users.GetUsers(id=[user])) == (400, "USER_ID_INVALID")


async def test_too_many_users_asked(rpc: Harness) -> None:
    await rpc.sign_up(1, ANN, "Ann")
    request = functions.users.GetUsers(id=[types.InputUserSelf()] * 201)
    assert await rpc_error(rpc, 1, request) == (400, "LIMIT_INVALID")


async def test_wrong_argument_types_are_fetch_errors(rpc: Harness) -> None:
    await rpc.sign_up(1, ANN, "Ann")
    # users.getUsers whose vector holds an InputPeer instead of an InputUser, and a
    # truncated one.
    good = functions.users.GetUsers(id=[types.InputUserSelf()]).to_bytes()
    wrong_type = good[:12] + types.InputPeerSelf().to_bytes()
    truncated = good[:-2]
    session = SessionCalls(auth_key_id=1, session_id=1)
    for payload in (wrong_type, truncated):
        with pytest.raises(RpcError) as info:
            await rpc.dispatcher.dispatch(Call(99, payload, session))
        assert info.value.code == 400 and info.value.name.startswith("INPUT_")


async def test_authorizations(rpc: Harness) -> None:
    keys = rpc.services.authorizations._auth_keys
    assert isinstance(keys, MemoryAuthKeyStore)
    from tgserver.store import AuthKeyRecord

    client = ClientInfo(17, "Pixel", "Android 14", "1.2", "en", "", "en")
    await keys.add(AuthKeyRecord(key_id=1, key=b"\x01" * 256, created_at=0.0, client=client))
    ann = await rpc.sign_up(1, ANN, "Ann")
    await rpc.sign_up(2, ANN, "Ann")
    sessions = await rpc(2, functions.account.GetAuthorizations())
    current, other = sessions.authorizations
    assert current.current and current.hash == 0 and current.ip == "10.0.0.5"
    assert (other.device_model, other.system_version, other.api_id, other.app_version) == (
        "Pixel",
        "Android 14",
        17,
        "1.2",
    )
    assert other.hash != 0
    assert await rpc_error(rpc, 2, functions.account.ResetAuthorization(hash=0)) == (
        400,
        "HASH_INVALID",
    )
    assert await rpc(2, functions.account.ResetAuthorization(hash=other.hash)) is True
    assert await rpc_error(rpc, 1, functions.updates.GetState()) == (401, "AUTH_KEY_UNREGISTERED")
    await rpc.sign_up(3, ANN, "Ann")
    assert await rpc(2, functions.auth.ResetAuthorizations()) is True
    assert await rpc_error(rpc, 3, functions.updates.GetState()) == (401, "AUTH_KEY_UNREGISTERED")
    assert ann.id == (await rpc(2, functions.users.GetUsers(id=[types.InputUserSelf()])))[0].id


async def test_update_status(rpc: Harness) -> None:
    ann = await rpc.sign_up(1, ANN, "Ann")
    assert await rpc(1, functions.account.UpdateStatus(offline=True)) is True
    await rpc.sign_up(2, BOB, "Bob")
    seen = (await rpc(2, functions.contacts.ResolvePhone(phone=ANN))).users[0]
    # Bob's own request does not make Ann online; she said she is offline.
    assert isinstance(seen.status, types.UserStatusOffline) and seen.id == ann.id
    assert await rpc(1, functions.account.UpdateStatus(offline=False)) is True


async def test_flood_wait_reaches_the_client(rpc: Harness) -> None:
    send = functions.auth.SendCode(
        phone_number="15550001", api_id=1, api_hash="x", settings=types.CodeSettings()
    )
    for key in range(5):
        await rpc(key, send)
    code, name = await rpc_error(rpc, 9, send)
    assert code == 420 and name.startswith("FLOOD_WAIT_")
    assert 0 < int(name.removeprefix("FLOOD_WAIT_")) <= 3600
