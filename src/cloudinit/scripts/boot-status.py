#!/usr/bin/env python3
"""Writes /var/lib/linode-build/boot-status.json for the boot runner (format: docs/plan.md).

Python because JSON must be escaped exactly (step output may hold any bytes) and every image
with cloud-init has python3. Each update rewrites the file atomically (temp file + rename).
Usage: boot-status.py STATUS MANIFEST init | start ID | finish ID CODE LOG | skip ID REASON | end STATE
"""
import datetime
import json
import os
import sys
import tempfile


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_manifest(path):
    steps = []
    with open(path, encoding="utf-8", errors="replace") as manifest:
        for line in manifest:
            fields = line.rstrip("\n").split("\t", 4)
            if len(fields) != 5 or not fields[0]:
                continue
            step_id, capability, name, depends, description = fields
            steps.append({
                "id": step_id, "capability": capability, "name": name, "description": description,
                "depends_on": [] if depends == "-" else depends.split(","),
                "state": "pending", "exit_code": None, "started_at": None, "finished_at": None,
                "output_tail": [],
            })
    return steps


def tail(path, count=20):
    try:
        with open(path, encoding="utf-8", errors="replace") as log:
            return [line.rstrip("\n") for line in log.readlines()[-count:]]
    except OSError:
        return []


def write(path, status):
    status["updated_at"] = now()
    directory = os.path.dirname(path) or "."
    handle, temp = tempfile.mkstemp(prefix=".boot-status.", dir=directory)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(status, out, indent=2, ensure_ascii=True)
        out.write("\n")
        out.flush()
        os.fsync(out.fileno())
    os.chmod(temp, 0o600)
    os.replace(temp, path)


def main(argv):
    path, manifest, command, args = argv[1], argv[2], argv[3], argv[4:]
    if command == "init":
        status = {"version": 1, "started_at": now(), "updated_at": now(), "state": "running",
                  "current_step": None, "steps": read_manifest(manifest)}
        write(path, status)
        return 0
    with open(path, encoding="utf-8") as current:
        status = json.load(current)
    if command == "end":
        status["state"] = args[0]
        status["current_step"] = None
        status["finished_at"] = now()
        write(path, status)
        return 0
    step = next(s for s in status["steps"] if s["id"] == args[0])
    if command == "start":
        step.update(state="running", started_at=now())
        status["current_step"] = step["id"]
    elif command == "finish":
        code = int(args[1])
        step.update(state="ok" if code == 0 else "failed", exit_code=code, finished_at=now(),
                    output_tail=tail(args[2]))
        status["current_step"] = None
    elif command == "skip":
        step.update(state="skipped", reason=args[1], finished_at=now())
    else:
        raise SystemExit("unknown command " + command)
    write(path, status)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
