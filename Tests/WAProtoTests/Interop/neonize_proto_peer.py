"""Decodes and re-encodes protobuf messages with the generated modules shipped in neonize
(whatsmeow's own .proto definitions), one JSON request per line on stdin.

Request: {"type": "WAWebProtobufsE2E.Message", "data": base64}           (decode Swift's bytes)
     or: {"type": ..., "json": {...}}                                   (encode from JSON)
Reply:   {"json": {...}, "data": base64 of the deterministic encoding}
"""
import base64
import importlib
import json
import os
import sys

import neonize.proto
from google.protobuf import json_format

# The proto folders have no __init__.py, so find the generated modules by walking the files.
root = os.path.dirname(neonize.proto.__file__)
module_names = []
for folder, _, files in os.walk(root):
    for file in files:
        if file.endswith("_pb2.py"):
            relative = os.path.relpath(os.path.join(folder, file[:-3]), root)
            module_names.append("neonize.proto." + relative.replace(os.sep, "."))

classes = {}
for name in module_names:
    try:
        mod = importlib.import_module(name)
    except Exception:
        continue
    def collect(descriptor, cls):
        classes[descriptor.full_name] = cls
        for nested in descriptor.nested_types:
            collect(nested, getattr(cls, nested.name))
    for name, descriptor in mod.DESCRIPTOR.message_types_by_name.items():
        collect(descriptor, getattr(mod, name))

for line in sys.stdin:
    request = json.loads(line)
    try:
        message = classes[request["type"]]()
        if "data" in request:
            message.ParseFromString(base64.b64decode(request["data"]))
        else:
            json_format.ParseDict(request["json"], message)
        reply = {
            "json": json_format.MessageToDict(message, preserving_proto_field_name=True),
            "data": base64.b64encode(message.SerializeToString(deterministic=True)).decode(),
        }
    except Exception as error:
        reply = {"error": "%s: %s" % (type(error).__name__, error)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
