"""``auth.*``: phone codes, sign-in, sign-up, logout (TL <-> :class:`AuthService`)."""

from __future__ import annotations

from tgcore.tl import TLObject, functions, pack_bool, types
from tgserver.rpc.context import RequestContext
from tgserver.rpc.dispatcher import Dispatcher
from tgserver.rpc.handlers.account import require_user
from tgserver.rpc.handlers.peers import tl_user
from tgserver.services import PHONE_CODE_EMPTY, AccountServices, SentCode, bad_request

__all__ = ["AuthHandlers", "client_ip"]


def client_ip(ctx: RequestContext) -> str:
    """The client's address without the port (``""`` when unknown)."""
    peer = ctx.connection.peer
    if peer == "-":
        return ""
    host = peer.rsplit(":", 1)[0] if ":" in peer else peer
    return host.strip("[]")


def _sent_code(sent: SentCode) -> types.auth.SentCode:
    return types.auth.SentCode(
        type=types.auth.SentCodeTypeSms(length=sent.length),
        phone_code_hash=sent.phone_code_hash,
    )


class AuthHandlers:
    """The ``auth.*`` methods over the account services."""

    def __init__(self, services: AccountServices) -> None:
        self._services = services
        self._auth = services.auth

    def register(self, dispatcher: Dispatcher) -> None:
        """Install every ``auth.*`` handler of this class."""
        dispatcher.add(functions.auth.SendCode, self.send_code)
        dispatcher.add(functions.auth.ResendCode, self.resend_code)
        dispatcher.add(functions.auth.CancelCode, self.cancel_code)
        dispatcher.add(functions.auth.SignIn, self.sign_in)
        dispatcher.add(functions.auth.SignUp, self.sign_up)
        dispatcher.add(functions.auth.LogOut, self.log_out)
        dispatcher.add(functions.auth.ResetAuthorizations, self.reset_authorizations)

    async def send_code(
        self, ctx: RequestContext, request: functions.auth.SendCode
    ) -> types.auth.SentCode:
        """auth.sendCode: a code by SMS (or none, for a test number)."""
        return _sent_code(await self._auth.send_code(request.phone_number, ctx.auth_key_id))

    async def resend_code(
        self, ctx: RequestContext, request: functions.auth.ResendCode
    ) -> types.auth.SentCode:
        """auth.resendCode: the pending code again."""
        sent = await self._auth.resend_code(
            request.phone_number, request.phone_code_hash, ctx.auth_key_id
        )
        return _sent_code(sent)

    async def cancel_code(self, ctx: RequestContext, request: functions.auth.CancelCode) -> bytes:
        """auth.cancelCode: forget the pending code."""
        done = await self._auth.cancel_code(
            request.phone_number, request.phone_code_hash, ctx.auth_key_id
        )
        return pack_bool(done)

    async def sign_in(self, ctx: RequestContext, request: functions.auth.SignIn) -> TLObject:
        """auth.signIn: log in, or auth.authorizationSignUpRequired for a new number."""
        if request.phone_code is None and request.email_verification is not None:
            raise bad_request(PHONE_CODE_EMPTY)  # no e-mail login on this server
        result = await self._auth.sign_in(
            request.phone_number,
            request.phone_code_hash,
            request.phone_code,
            ctx.auth_key_id,
            ip=client_ip(ctx),
        )
        if result.user is None:
            return types.auth.AuthorizationSignUpRequired()
        return types.auth.Authorization(user=tl_user(result.user))

    async def sign_up(
        self, ctx: RequestContext, request: functions.auth.SignUp
    ) -> types.auth.Authorization:
        """auth.signUp: create the account of a verified number and log in."""
        user = await self._auth.sign_up(
            request.phone_number,
            request.phone_code_hash,
            request.first_name,
            request.last_name,
            ctx.auth_key_id,
            ip=client_ip(ctx),
        )
        return types.auth.Authorization(user=tl_user(user))

    async def log_out(
        self, ctx: RequestContext, request: functions.auth.LogOut
    ) -> types.auth.LoggedOut:
        """auth.logOut: the key is no longer logged in (it stays usable)."""
        require_user(ctx)
        await self._auth.log_out(ctx.auth_key_id)
        return types.auth.LoggedOut()

    async def reset_authorizations(
        self, ctx: RequestContext, request: functions.auth.ResetAuthorizations
    ) -> bytes:
        """auth.resetAuthorizations: log out every other session of the account."""
        user_id = require_user(ctx)
        await self._services.authorizations.reset_others(user_id, ctx.auth_key_id)
        return pack_bool(True)
