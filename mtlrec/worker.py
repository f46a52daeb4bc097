"""`python -m mtlrec.worker`: the process in which learner code runs (started by mtlrec.grading).

It reads one JSON request per line ({"exercise", "part", "path", "timeout", "fresh"}, or {"warm":
[exercise, ...]} to import those checks ahead of time) and answers
with JSON lines: progress ({"doing": "importing ex00_warmup.py"}, {"doing": "running part()"}) and
then the Result's fields. Requests and answers travel on private copies of the standard streams;
the learner's code gets /dev/null as stdin and stdout, so its prints, `input()`, a replaced
`print` or a closed `sys.stdout` cannot garble or silence the answers.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path


def _private_streams():
    """(requests file, answer function): the standard streams moved out of the learner's reach."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answer_fd = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    sys.stdin = open(os.devnull, encoding="utf-8")
    sys.stdout = open(os.devnull, "w", encoding="utf-8")
    write, dumps = os.write, json.dumps  # bound now: learner code may replace module attributes later

    def answer(payload: dict) -> None:
        data = (dumps(payload, ensure_ascii=False) + "\n").encode("utf-8")
        while data:
            data = data[write(answer_fd, data):]

    return requests, answer


def main() -> int:
    requests, answer = _private_streams()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which ends this process
    from mtlrec import grading

    for line in requests:
        request = json.loads(line)
        if "warm" in request:  # {"warm": [exercise, ...]}: import their checks (and TensorFlow) now
            for exercise in request["warm"]:
                try:
                    grading.checks_module(exercise)
                except Exception:  # reported when a part of that exercise is graded
                    pass
            answer({"warm": True})
            continue
        exercise, part, path = request["exercise"], request["part"], Path(request["path"])
        answer({"doing": f"importing {path.name}"})
        try:
            module = grading.load_module(path, fresh=request.get("fresh", False),
                                         import_timeout=request.get("import_timeout"))
        except grading.ImportFailure as error:
            answer(asdict(grading.Result(exercise, part, grading.FAILED, str(error))))
            continue
        answer({"doing": f"running {part}() of {path.name}"})
        result = grading.check_in_process(exercise, part, module, path=path, timeout=request["timeout"])
        answer(asdict(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
