#!/usr/bin/env python3
"""The serve benchmark's answer checker.

    serve_check.py record BASE KEY BODIES N EXPECTED
        screens the first N bodies one by one and writes the answers
        (result ids, scores, match flags per query) to EXPECTED;
    serve_check.py check BASE KEY BODIES N EXPECTED SECONDS
        for SECONDS, screens the same bodies again and again and compares
        every answer with EXPECTED; prints a JSON summary (requests,
        mismatches, non-200 answers, list versions seen).

Loopback only; bounded in time.
"""
import json
import sys
import time
import urllib.error
import urllib.request


def screen(base, key, body):
    request = urllib.request.Request(
        f"{base}/match/default",
        data=body.encode("utf-8"),
        headers={"Authorization": f"ApiKey {key}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, None


def answer(reply):
    out = {}
    for qid, response in reply["responses"].items():
        out[qid] = [(r["id"], r["score"], r["match"]) for r in response["results"]]
    return out


def versions(reply):
    return {r["lists_version"] for r in reply["responses"].values()}


mode, base, key, bodies_path, n, expected_path = sys.argv[1:7]
bodies = [line.rstrip("\n") for line in open(bodies_path, encoding="utf-8")][: int(n)]
if mode == "record":
    expected = []
    for body in bodies:
        status, reply = screen(base, key, body)
        assert status == 200, status
        expected.append(answer(reply))
    json.dump(expected, open(expected_path, "w"))
    print(len(expected))
else:
    seconds = float(sys.argv[7])
    expected = json.load(open(expected_path))
    expected = [{q: [tuple(r) for r in rs] for q, rs in e.items()} for e in expected]
    deadline = time.monotonic() + seconds
    summary = {"requests": 0, "mismatches": 0, "errors": 0, "lists_versions": []}
    seen = []
    i = 0
    while time.monotonic() < deadline:
        status, reply = screen(base, key, bodies[i])
        summary["requests"] += 1
        if status != 200:
            summary["errors"] += 1
        else:
            for version in versions(reply):
                if version not in seen:
                    seen.append(version)
            if answer(reply) != expected[i]:
                summary["mismatches"] += 1
        i = (i + 1) % len(bodies)
    summary["lists_versions"] = seen
    print(json.dumps(summary))
