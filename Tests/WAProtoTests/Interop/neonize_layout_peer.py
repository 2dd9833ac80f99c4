"""Checks our .proto subset against whatsmeow's own definitions (the generated modules shipped in
PyPI neonize), one JSON command per line on stdin, one JSON reply per line on stdout.

  {"op": "load", "protos": DIR}
      compiles every DIR/*.proto with protoc into a descriptor set (ours).
  {"op": "layout"}
      compares every message, field and enum value of ours with neonize's descriptors:
      name, number, type, label, packing, presence, message/enum type. Reply: {"problems": [...],
      "messages": N, "fields": N, "enum_values": N}.
  {"op": "generate", "seed": S}
      for every message type of ours (nested ones too), a message with EVERY field we declare set
      to a random value (nested messages to depth 3), built and encoded with neonize's classes.
      Reply: {"samples": [{"type": NAME, "data": base64}]}.
  {"op": "compare", "type": NAME, "expected": base64, "data": base64, "json": {...}}
      decodes what Swift re-encoded (binary and JSON) with neonize's classes and compares both
      with the expected message. Reply: {"binary": "" or a reason, "json": "" or a reason}.
"""
import base64
import importlib
import json
import os
import random
import subprocess
import sys
import tempfile

import neonize.proto
from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf.descriptor import FieldDescriptor

FDP = descriptor_pb2.FieldDescriptorProto

# neonize's proto folders have no __init__.py: import every generated module by path.
root = os.path.dirname(neonize.proto.__file__)
for folder, _, files in os.walk(root):
    for file in files:
        if file.endswith("_pb2.py"):
            relative = os.path.relpath(os.path.join(folder, file[:-3]), root)
            try:
                importlib.import_module("neonize.proto." + relative.replace(os.sep, "."))
            except Exception:
                pass
theirs = descriptor_pool.Default()

ours = {}        # full name -> DescriptorProto
our_enums = {}   # full name -> EnumDescriptorProto


def load(protos):
    ours.clear()
    our_enums.clear()
    files = sorted(os.path.join(protos, f) for f in os.listdir(protos) if f.endswith(".proto"))
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "ours.pb")
        try:
            subprocess.run(["protoc", "--proto_path=" + protos, "--include_imports",
                            "--descriptor_set_out=" + out] + files,
                           check=True, capture_output=True, text=True)
        except FileNotFoundError:
            raise RuntimeError("protoc is missing: run scripts/bootstrap (Debian protobuf-compiler)")
        except subprocess.CalledProcessError as error:
            raise RuntimeError("protoc refused our .proto files: " + error.stderr)
        with open(out, "rb") as f:
            fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())

    def walk(prefix, message):
        name = prefix + "." + message.name
        ours[name] = message
        for nested in message.nested_type:
            walk(name, nested)
        for enum in message.enum_type:
            our_enums[name + "." + enum.name] = enum

    for file in fds.file:
        if file.syntax not in ("", "proto2"):
            raise RuntimeError("%s is %s; WhatsApp's definitions are proto2" % (file.name, file.syntax))
        for message in file.message_type:
            walk(file.package, message)
        for enum in file.enum_type:
            our_enums[file.package + "." + enum.name] = enum
    return {"messages": len(ours), "enums": len(our_enums), "files": len(fds.file)}


def layout():
    if not ours:
        raise RuntimeError("no .proto loaded")
    problems = []
    counts = {"messages": 0, "fields": 0, "enum_values": 0}
    for name, message in sorted(ours.items()):
        try:
            them = theirs.FindMessageTypeByName(name)
        except KeyError:
            problems.append("%s: no such message in whatsmeow's definitions" % name)
            continue
        counts["messages"] += 1
        for field in message.field:
            where = "%s.%s = %d" % (name, field.name, field.number)
            other = them.fields_by_number.get(field.number)
            if other is None:
                problems.append("%s: whatsmeow has no field %d" % (where, field.number))
                continue
            counts["fields"] += 1
            if other.name != field.name:
                problems.append("%s: whatsmeow calls field %d %s" % (where, field.number, other.name))
            if other.type != field.type:
                problems.append("%s: type %d, whatsmeow %d" % (where, field.type, other.type))
            repeated = field.label == FDP.LABEL_REPEATED
            if other.is_repeated != repeated:
                problems.append("%s: repeated=%s, whatsmeow %s" % (where, repeated, other.is_repeated))
            if other.is_required != (field.label == FDP.LABEL_REQUIRED):
                problems.append("%s: required differs" % where)
            if repeated and field.type not in (FDP.TYPE_STRING, FDP.TYPE_BYTES, FDP.TYPE_MESSAGE):
                packed = field.options.packed if field.options.HasField("packed") else False
                if other.is_packed != packed:
                    problems.append("%s: packed=%s, whatsmeow %s" % (where, packed, other.is_packed))
            if not repeated and not other.has_presence:
                problems.append("%s: whatsmeow's field has no presence (not proto2 optional)" % where)
            if field.type_name:
                target = other.message_type or other.enum_type
                if target is None or "." + target.full_name != field.type_name:
                    problems.append("%s: refers to %s, whatsmeow to %s"
                                    % (where, field.type_name, target and target.full_name))
    for name, enum in sorted(our_enums.items()):
        try:
            them = theirs.FindEnumTypeByName(name)
        except KeyError:
            problems.append("%s: no such enum in whatsmeow's definitions" % name)
            continue
        for value in enum.value:
            counts["enum_values"] += 1
            other = them.values_by_name.get(value.name)
            if other is None or other.number != value.number:
                problems.append("%s.%s = %d: whatsmeow has %s" % (
                    name, value.name, value.number, other and other.number))
    return dict(problems=problems, **counts)


# -- random messages with every declared field set ------------------------------------------------

TEXT = "Halo Kak! Promo akhir pekan ☕ diskon 50% — balas STOP untuk berhenti. 🇮🇩 ÄÖÜ ñ 中文 "
RANGES = {
    FDP.TYPE_INT32: (-2**31, 2**31 - 1), FDP.TYPE_SINT32: (-2**31, 2**31 - 1),
    FDP.TYPE_SFIXED32: (-2**31, 2**31 - 1), FDP.TYPE_UINT32: (0, 2**32 - 1),
    FDP.TYPE_FIXED32: (0, 2**32 - 1), FDP.TYPE_INT64: (-2**63, 2**63 - 1),
    FDP.TYPE_SINT64: (-2**63, 2**63 - 1), FDP.TYPE_SFIXED64: (-2**63, 2**63 - 1),
    FDP.TYPE_UINT64: (0, 2**64 - 1), FDP.TYPE_FIXED64: (0, 2**64 - 1),
}


def scalar(rng, field):
    if field.type in RANGES:
        low, high = RANGES[field.type]
        return rng.choice([low, high, 0, 1, rng.randint(low, high)])
    if field.type == FDP.TYPE_BOOL:
        return rng.choice([True, False])
    if field.type == FDP.TYPE_STRING:
        start = rng.randrange(len(TEXT))
        return (TEXT[start:] + TEXT)[: rng.randint(0, 40)]
    if field.type == FDP.TYPE_BYTES:
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 16, 32, 33, 64, 200])))
    if field.type == FDP.TYPE_ENUM:
        return rng.choice(our_enums[field.type_name[1:]].value).number
    raise ValueError("unexpected field type %d" % field.type)


def fill(rng, name, target, depth):
    for field in ours[name].field:
        count = rng.randint(1, 3) if field.label == FDP.LABEL_REPEATED else None
        if field.type == FDP.TYPE_MESSAGE:
            if depth >= 3:
                continue
            child = field.type_name[1:]
            if count is None:
                fill(rng, child, getattr(target, field.name), depth + 1)
                getattr(target, field.name).SetInParent()
            else:
                for _ in range(count):
                    fill(rng, child, getattr(target, field.name).add(), depth + 1)
        elif count is None:
            setattr(target, field.name, scalar(rng, field))
        else:
            getattr(target, field.name).extend(scalar(rng, field) for _ in range(count))


def message_class(name):
    from google.protobuf import message_factory
    return message_factory.GetMessageClass(theirs.FindMessageTypeByName(name))


def generate(seed):
    if not ours:
        raise RuntimeError("no .proto loaded")
    rng = random.Random(seed)
    samples = []
    for name in sorted(ours):
        message = message_class(name)()
        fill(rng, name, message, 0)
        samples.append({"type": name, "data": b64(message.SerializeToString())})
    return {"samples": samples}


def differences(got, want, path=""):
    """Field paths whose values differ (nested messages compared field by field)."""
    found = []
    names = {f.name for f, _ in got.ListFields()} | {f.name for f, _ in want.ListFields()}
    for name in sorted(names):
        field = want.DESCRIPTOR.fields_by_name[name]
        a, b = getattr(got, name), getattr(want, name)
        where = path + "." + name if path else name
        if field.message_type is not None and not field.is_repeated:
            if got.HasField(name) != want.HasField(name):
                found.append(where + (" missing" if want.HasField(name) else " unexpected"))
            else:
                found += differences(a, b, where)
        elif field.message_type is not None:
            if len(a) != len(b):
                found.append("%s: %d items, expected %d" % (where, len(a), len(b)))
            for index, (x, y) in enumerate(zip(a, b)):
                found += differences(x, y, "%s[%d]" % (where, index))
        elif field.is_repeated:
            if list(a) != list(b):
                found.append("%s: %r, expected %r" % (where, list(a)[:4], list(b)[:4]))
        elif got.HasField(name) != want.HasField(name) or a != b:
            found.append("%s: %r, expected %r" % (where, a if got.HasField(name) else None, b))
    return found


def verdict(got, want):
    if got == want:
        return ""
    found = differences(got, want)
    return "; ".join(found[:5]) if found else "differs in unknown fields"


def compare(request):
    cls = message_class(request["type"])
    expected = cls.FromString(base64.b64decode(request["expected"]))
    reasons = {}
    try:
        binary = cls.FromString(base64.b64decode(request["data"]))
        reasons["binary"] = verdict(binary, expected)
    except Exception as error:
        reasons["binary"] = "%s: %s" % (type(error).__name__, error)
    try:
        parsed = json_format.ParseDict(request["json"], cls())
        reasons["json"] = verdict(parsed, expected)
    except Exception as error:
        reasons["json"] = "%s: %s" % (type(error).__name__, error)
    return reasons


def b64(data):
    return base64.b64encode(bytes(data)).decode()


def handle(request):
    op = request["op"]
    if op == "load":
        return load(request["protos"])
    if op == "layout":
        return layout()
    if op == "generate":
        return generate(request["seed"])
    if op == "compare":
        return compare(request)
    raise ValueError("unknown op " + op)


for line in sys.stdin:
    try:
        reply = handle(json.loads(line))
    except Exception as error:
        reply = {"error": "%s: %s" % (type(error).__name__, error)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
