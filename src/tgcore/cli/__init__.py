"""The ``tgclient`` command line: log in, send text, upload and download files.

```
tgclient --key tgdata/server.pub.pem login --phone 9996621111
tgclient send @bob "hello"
tgclient upload video.mp4 --to +9996622222
tgclient history +9996622222
tgclient download +9996622222 42 ./downloads/
```

The session (auth key, server address) lives in an SQLite file (``--session``, default
``tgclient.session``), so one ``login`` serves every later command; an interrupted ``upload``
resumes from the parts the server acknowledged when it is run again. Every option can also
come from the environment: ``TGCLIENT_SESSION``, ``TGCLIENT_HOST``, ``TGCLIENT_PORT``,
``TGCLIENT_KEY``.

A PEER is ``me`` (yourself), ``@username`` (or a bare name), ``+phone`` (the number is
imported as a contact if needed), or a user id of someone you have a chat with.
"""

from __future__ import annotations

from tgcore.cli._commands import main, resolve_peer

__all__ = ["main", "resolve_peer"]
