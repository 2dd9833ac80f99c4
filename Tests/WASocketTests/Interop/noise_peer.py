"""A textbook Noise_XX_25519_AESGCM_SHA256 peer (PyPI noiseprotocol), one JSON command per line."""
import base64
import json
import sys

from noise.connection import Keypair, NoiseConnection

noise = None
remote_static = b""


def remember_remote_static():
    # The handshake state (and its rs) is discarded when the handshake finishes, so keep rs as soon
    # as the library has read it.
    global remote_static
    state = getattr(noise.noise_protocol, "handshake_state", None)
    rs = getattr(state, "rs", None)
    if rs is not None and hasattr(rs, "public_bytes"):
        remote_static = rs.public_bytes


def b64(data):
    return base64.b64encode(bytes(data)).decode()


def handle(cmd):
    global noise
    op = cmd["op"]
    if op == "start":
        noise = NoiseConnection.from_name(b"Noise_XX_25519_AESGCM_SHA256")
        noise.set_as_initiator() if cmd["role"] == "initiator" else noise.set_as_responder()
        noise.set_keypair_from_private_bytes(Keypair.STATIC, base64.b64decode(cmd["static_private"]))
        noise.set_prologue(base64.b64decode(cmd["prologue"]))
        noise.start_handshake()
        finish = noise.noise_protocol.handshake_done

        def handshake_done():
            remember_remote_static()
            finish()

        noise.noise_protocol.handshake_done = handshake_done
        return {}
    if op == "write":
        return {"message": b64(noise.write_message(base64.b64decode(cmd.get("payload", ""))))}
    if op == "read":
        payload = noise.read_message(base64.b64decode(cmd["message"]))
        remember_remote_static()
        return {"payload": b64(payload)}
    if op == "state":
        return {"finished": noise.handshake_finished, "remote_static": b64(remote_static)}
    if op == "encrypt":
        return {"data": b64(noise.encrypt(base64.b64decode(cmd["data"])))}
    if op == "decrypt":
        return {"data": b64(noise.decrypt(base64.b64decode(cmd["data"])))}
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    try:
        reply = handle(json.loads(line))
    except Exception as error:
        reply = {"error": "%s: %s" % (type(error).__name__, error)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
