"""Runs whatsmeow (compiled inside PyPI neonize 0.5.2) against a local server.

A copy of the neonize package is made in WORKDIR with two constants of the Go library replaced in
place: the WebSocket URL (by a local URL of the same length) and WhatsApp's root certificate key
(by the test root key), as described in the protocol brief ("Observed against whatsmeow").

usage: neonize_client.py PORT ROOT_KEY_HEX WORKDIR
Prints "QR <code>" lines when whatsmeow shows a QR code, "CONNECTED" once logged in, and
"MESSAGE {json}" for every message it decrypts (text, sender, chat, whether it came from one of its
own devices, and the SHA-256 of a downloaded image). Commands on standard input:
  send PHONE TEXT   send a text message to a phone number
  pair PHONE        link by pairing code instead of QR; prints "CODE XXXX-XXXX"
Runs until killed, or until its standard input closes: the test process holds the other end, so
when it ends in any way (a crash or SIGKILL included) this process ends too. whatsmeow's Go
runtime catches SIGTERM and keeps reconnecting for ever, so nothing else would end it.
"""
import hashlib
import json
import threading
import importlib.util
import os
import shutil
import signal
import sys

port, root_hex, workdir = sys.argv[1], sys.argv[2], sys.argv[3]
WHATSAPP_URL = b"wss://web.whatsapp.com/ws/chat"
WHATSAPP_ROOT = bytes.fromhex("142375574d0a587166aae71ebe516437c4a28b73e3695c6ce1f7f9545da8ee6b")

source = os.path.dirname(importlib.util.find_spec("neonize").origin)
target = os.path.join(workdir, "neonize")
shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
library = os.path.join(target, "neonize-linux-amd64.so")
with open(library, "rb") as f:
    data = f.read()
local_url = ("ws://127.0.0.1:%s/ws/chat?" % port).encode()
local_url += b"a" * (len(WHATSAPP_URL) - len(local_url))
assert len(local_url) == len(WHATSAPP_URL), "the local URL must have the same length"
assert data.count(WHATSAPP_URL) == 1 and data.count(WHATSAPP_ROOT) == 1, "constants not found exactly once"
data = data.replace(WHATSAPP_URL, local_url).replace(WHATSAPP_ROOT, bytes.fromhex(root_hex))
with open(library, "wb") as f:
    f.write(data)

sys.path.insert(0, workdir)
os.chdir(workdir)
import neonize  # noqa: E402  (the patched copy)
assert neonize.__file__.startswith(workdir), neonize.__file__
import neonize.utils.ffmpeg as ffmpeg  # noqa: E402
ffmpeg.check_ffmpeg_available = lambda: None  # media conversion is not used here
from neonize.client import NewClient  # noqa: E402

client = NewClient("siaran-interop")


@client.event.qr
def on_qr(_, code):
    print("QR " + (code.decode() if isinstance(code, bytes) else str(code)), flush=True)


from neonize.events import ConnectedEv, MessageEv  # noqa: E402
from neonize.utils.jid import build_jid  # noqa: E402


@client.event(ConnectedEv)
def on_connected(_, __):
    print("CONNECTED", flush=True)


@client.event(MessageEv)
def on_message(c, event):
    message = event.Message
    source = event.Info.MessageSource
    text = message.conversation or message.extendedTextMessage.text or message.imageMessage.caption
    info = {"id": event.Info.ID, "chat": source.Chat.User, "sender": source.Sender.User,
            "from_me": bool(source.IsFromMe), "text": text}
    if message.HasField("imageMessage"):
        try:
            info["image_sha256"] = hashlib.sha256(c.download_any(message)).hexdigest()
        except Exception as error:  # reported, not fatal: the test decides
            info["image_error"] = str(error)
    print("MESSAGE " + json.dumps(info), flush=True)


def end_with_the_test():
    """Ends this process (and its process group, should whatsmeow ever start a child) and removes
    WORKDIR. Go's runtime threads would keep an ordinary exit waiting; _exit does not wait."""
    shutil.rmtree(workdir, ignore_errors=True)
    sys.stdout.flush()
    if os.getpgrp() == os.getpid():  # the test starts us as the leader of our own group
        os.killpg(0, signal.SIGKILL)
    os._exit(0)


def commands():
    for line in sys.stdin:
        parts = line.rstrip("\n").split(" ", 2)
        try:
            if parts[0] == "send" and len(parts) == 3:
                client.send_message(build_jid(parts[1]), parts[2])
                print("SENT", flush=True)
            elif parts[0] == "pair" and len(parts) >= 2:
                print("CODE " + client.PairPhone(parts[1], True), flush=True)
        except Exception as error:
            print("ERROR " + str(error), flush=True)
    end_with_the_test()  # standard input closed: the test process stopped us or is gone


threading.Thread(target=commands, daemon=True).start()
print("CONNECTING", flush=True)
client.connect()
