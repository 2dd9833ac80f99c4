"""Baseline for `siaran-bench noise`: the same work with PyPI noiseprotocol (textbook
Noise_XX_25519_AESGCM_SHA256 over `cryptography`), both sides in one process.

usage: noise-baseline.py HANDSHAKES SMALL_FRAMES LARGE_FRAMES   (1 KiB and 65,519-byte frames:
Noise caps a message at 65,535 bytes with its 16-byte tag)
prints one JSON object: seconds for the handshakes and for each transport run.
"""
import json
import sys
import time

from noise.connection import Keypair, NoiseConnection
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization

handshakes, small, large = (int(x) for x in sys.argv[1:4])
PROLOGUE = b"WA\x06\x03"


def private():
    return X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


def pair():
    sides = []
    for role in ("initiator", "responder"):
        side = NoiseConnection.from_name(b"Noise_XX_25519_AESGCM_SHA256")
        side.set_as_initiator() if role == "initiator" else side.set_as_responder()
        side.set_keypair_from_private_bytes(Keypair.STATIC, private())
        side.set_prologue(PROLOGUE)
        side.start_handshake()
        sides.append(side)
    client, server = sides
    server.read_message(client.write_message())
    client.read_message(server.write_message(b"c" * 300))  # about the size of a certificate chain
    server.read_message(client.write_message(b"p" * 200))  # about the size of a ClientPayload
    return client, server


start = time.perf_counter()
for _ in range(handshakes):
    pair()
handshake_seconds = time.perf_counter() - start

client, server = pair()


def transport(count, size):
    payload = b"a" * size
    start = time.perf_counter()
    for _ in range(count):
        server.decrypt(client.encrypt(payload))
    return time.perf_counter() - start


print(json.dumps({
    "handshakes": handshake_seconds,
    "small": transport(small, 1024),
    "large": transport(large, 65519),
}))
