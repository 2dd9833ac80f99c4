"""A python-axolotl peer driven over stdin/stdout, one JSON object per line each way.

python-axolotl is a port of libsignal-android, independent of Siaran's Swift code. The Swift
tests send commands (init, bundle, process_bundle, encrypt, decrypt, sign, verify) and compare.
All binary values are base64. The remote party is always ("swift", 1).
"""
import base64
import json
import os
import sys

from axolotl.ecc.curve import Curve
from axolotl.ecc.djbec import DjbECPublicKey
from axolotl.identitykey import IdentityKey
from axolotl.protocol.prekeywhispermessage import PreKeyWhisperMessage
from axolotl.protocol.whispermessage import WhisperMessage
from axolotl.sessionbuilder import SessionBuilder
from axolotl.sessioncipher import SessionCipher
from axolotl.state.prekeybundle import PreKeyBundle
from axolotl.tests.inmemoryaxolotlstore import InMemoryAxolotlStore
from axolotl.util.keyhelper import KeyHelper

from axolotl.protocol import whisperprotos_pb2 as whisperprotos

# python-axolotl reads PreKeyWhisperMessage.preKeyId without checking that the field is present,
# so a message without a one-time prekey (valid in libsignal: the field is omitted) looks like
# prekey id 0. libsignal-java checks hasPreKeyId(); do the same here before the library sees it.
def parse_pre_key_message(data):
    message = PreKeyWhisperMessage(serialized=data)
    body = whisperprotos.PreKeyWhisperMessage()
    body.ParseFromString(data[1:])
    if not body.HasField("preKeyId"):
        message.preKeyId = None
    return message


REMOTE = ("swift", 1)
store = InMemoryAxolotlStore()
pre_keys = KeyHelper.generatePreKeys(1, 5)
for record in pre_keys:
    store.storePreKey(record.getId(), record)
signed = KeyHelper.generateSignedPreKey(store.getIdentityKeyPair(), 7)
store.storeSignedPreKey(signed.getId(), signed)


def b64(data):
    return base64.b64encode(bytes(data)).decode()


def unb64(text):
    return base64.b64decode(text)


def cipher():
    return SessionCipher(store, store, store, store, *REMOTE)


def public_key(data):
    data = unb64(data)
    return Curve.decodePoint(bytearray(data if len(data) == 33 else b"\x05" + data), 0)


def handle(cmd):
    op = cmd["op"]
    if op == "bundle":
        use_pre_key = cmd.get("one_time", True)
        pre_key = pre_keys[cmd.get("pre_key_index", 0)]
        return {
            "registration_id": store.getLocalRegistrationId(),
            "device_id": 1,
            "pre_key_id": pre_key.getId() if use_pre_key else None,
            "pre_key": b64(pre_key.getKeyPair().getPublicKey().serialize()) if use_pre_key else None,
            "signed_pre_key_id": signed.getId(),
            "signed_pre_key": b64(signed.getKeyPair().getPublicKey().serialize()),
            "signature": b64(signed.getSignature()),
            "identity_key": b64(store.getIdentityKeyPair().getPublicKey().serialize()),
        }
    if op == "process_bundle":
        bundle = PreKeyBundle(
            cmd["registration_id"], cmd["device_id"],
            cmd.get("pre_key_id"), public_key(cmd["pre_key"]) if cmd.get("pre_key") else None,
            cmd["signed_pre_key_id"], public_key(cmd["signed_pre_key"]), unb64(cmd["signature"]),
            IdentityKey(public_key(cmd["identity_key"])),
        )
        SessionBuilder(store, store, store, store, *REMOTE).processPreKeyBundle(bundle)
        return {}
    if op == "encrypt":
        message = cipher().encrypt(unb64(cmd["plaintext"]))
        kind = "pkmsg" if isinstance(message, PreKeyWhisperMessage) else "msg"
        return {"type": kind, "data": b64(message.serialize())}
    if op == "decrypt":
        data = unb64(cmd["data"])
        if cmd["type"] == "pkmsg":
            plaintext = cipher().decryptPkmsg(parse_pre_key_message(data))
        else:
            plaintext = cipher().decryptMsg(WhisperMessage(serialized=data))
        return {"plaintext": b64(plaintext)}
    if op == "sign":
        private = store.getIdentityKeyPair().getPrivateKey()
        return {"signature": b64(Curve.calculateSignature(private, unb64(cmd["message"]))),
                "public_key": b64(store.getIdentityKeyPair().getPublicKey().serialize())}
    if op == "verify":
        return {"valid": bool(Curve.verifySignature(public_key(cmd["public_key"]), unb64(cmd["message"]), unb64(cmd["signature"])))}
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        reply = handle(json.loads(line))
    except Exception as error:  # report every failure to the Swift side, keep serving
        reply = {"error": "%s: %s" % (type(error).__name__, error)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
