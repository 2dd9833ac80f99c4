"""Echo WebSocket servers from PyPI `websockets` (an independent RFC 6455/7692 implementation),
for the permessage-deflate tests. Spoken to as a PythonPeer (one JSON object per line):
  {"cmd": "start", "deflate": null | {"server_no_context_takeover": bool, "client_no_context_takeover": bool,
                                      "server_max_window_bits": int, "client_max_window_bits": int}}
      -> {"port": N}   (null: the server does not take the extension)
  {"cmd": "report", "port": N} -> {"connections": [{"extensions": [...], "echoed": K}]}
Listens on 127.0.0.1 only; ends when its input closes.
"""
import asyncio
import json
import sys
import threading

from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory


class EchoServer:
    def __init__(self, deflate):
        self.deflate = deflate
        self.connections = []

    async def start(self):
        extensions = None if self.deflate is None else [ServerPerMessageDeflateFactory(**self.deflate)]
        self.server = await serve(self.echo, "127.0.0.1", 0, compression=None, extensions=extensions,
                                  max_size=2 ** 25, ping_interval=None)
        return self.server.sockets[0].getsockname()[1]

    async def echo(self, websocket):
        record = {"extensions": [describe(extension) for extension in websocket.protocol.extensions], "echoed": 0}
        self.connections.append(record)
        async for message in websocket:
            await websocket.send(message)
            record["echoed"] += 1


def describe(extension):
    fields = ["remote_no_context_takeover", "local_no_context_takeover", "remote_max_window_bits", "local_max_window_bits"]
    return {"name": extension.name, **{field: getattr(extension, field, None) for field in fields}}


def main():
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    servers = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "start":
                server = EchoServer(request.get("deflate"))
                port = asyncio.run_coroutine_threadsafe(server.start(), loop).result(10)
                servers[port] = server
                reply = {"port": port}
            elif request["cmd"] == "report":
                reply = {"connections": servers[request["port"]].connections}
            else:
                reply = {"error": f"unknown command {request['cmd']}"}
        except Exception as error:  # reported to the test, which fails with it
            reply = {"error": repr(error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
