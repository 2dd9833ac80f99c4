"""A SOCKS5 (RFC 1928/1929) and HTTP CONNECT proxy on loopback for the test suite.

Spoken to as a PythonPeer (one JSON object per line on stdin/stdout):
  {"cmd": "start", "kind": "socks5" | "http", "user": "u", "password": "p"}  -> {"port": N}
  {"cmd": "report", "port": N}  -> {"tunnels": [{"target": "host:port", "address": "ipv4|ipv6|domain|connect"}],
                                   "auth_failures": K}
It checks credentials when started with a user, counts every tunnel it carried, and relays bytes
both ways. It listens on 127.0.0.1 only and ends when its input closes.
"""
import asyncio
import base64
import json
import socket
import struct
import sys
import threading


class Proxy:
    def __init__(self, kind, user, password):
        self.kind = kind
        self.user = user
        self.password = password
        self.tunnels = []
        self.auth_failures = 0
        self.server = None

    async def start(self):
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def serve(self, reader, writer):
        try:
            if self.kind == "socks5":
                target = await self.socks5(reader, writer)
            else:
                target = await self.connect(reader, writer)
            if target is None:
                return
            upstream_reader, upstream_writer = target
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def socks5(self, reader, writer):
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != 5:
            return None
        wanted = 2 if self.user is not None else 0
        if wanted not in methods:
            writer.write(bytes([5, 0xFF]))
            await writer.drain()
            if self.user is not None:
                self.auth_failures += 1
            return None
        writer.write(bytes([5, wanted]))
        await writer.drain()
        if wanted == 2:
            _, length = await reader.readexactly(2)
            user = (await reader.readexactly(length)).decode()
            (length,) = await reader.readexactly(1)
            password = (await reader.readexactly(length)).decode()
            if (user, password) != (self.user, self.password):
                self.auth_failures += 1
                writer.write(bytes([1, 1]))
                await writer.drain()
                return None
            writer.write(bytes([1, 0]))
            await writer.drain()
        version, command, _, address_type = await reader.readexactly(4)
        if address_type == 1:
            host, kind = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4)), "ipv4"
        elif address_type == 4:
            host, kind = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16)), "ipv6"
        else:
            (length,) = await reader.readexactly(1)
            host, kind = (await reader.readexactly(length)).decode(), "domain"
        (port,) = struct.unpack(">H", await reader.readexactly(2))
        if command != 1:
            writer.write(bytes([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]))
            await writer.drain()
            return None
        try:
            upstream = await asyncio.open_connection(host, port)
        except OSError:
            writer.write(bytes([5, 5, 0, 1, 0, 0, 0, 0, 0, 0]))
            await writer.drain()
            return None
        self.tunnels.append({"target": f"{host}:{port}", "address": kind})
        writer.write(bytes([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]))
        await writer.drain()
        return upstream

    async def connect(self, reader, writer):
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        lines = head.split("\r\n")
        method, authority, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if method != "CONNECT":
            writer.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return None
        if self.user is not None:
            expected = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if headers.get("proxy-authorization") != expected:
                self.auth_failures += 1
                writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                             b"Proxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return None
        host, _, port = authority.rpartition(":")
        host = host.strip("[]")
        try:
            upstream = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return None
        self.tunnels.append({"target": f"{host}:{port}", "address": "connect"})
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        return upstream


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


def main():
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    proxies = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "start":
                proxy = Proxy(request["kind"], request.get("user"), request.get("password"))
                port = asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(10)
                proxies[port] = proxy
                reply = {"port": port}
            elif request["cmd"] == "report":
                proxy = proxies[request["port"]]
                reply = {"tunnels": list(proxy.tunnels), "auth_failures": proxy.auth_failures}
            else:
                reply = {"error": f"unknown command {request['cmd']}"}
        except Exception as error:  # reported to the test, which fails with it
            reply = {"error": repr(error)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
