#!/usr/bin/env python3
"""Reads a dirq QueueSimple the way ssmsend does (ssm/ssm2.py `send_all`, APEL.md section 6), for
the accounting tests: every element in sorted order is locked, read, decoded as ASCII (a
non-ASCII byte raises here exactly as it aborts ssmsend), then unlocked, or removed with
--consume as ssmsend does after a successful send.

Run with the dirq venv's python (scripts/install-dirq.sh):

    dirq-read.py QUEUE [--consume] [--purge]      prints {"count": N, "elements": [{"id", "text"}]}
    dirq-read.py QUEUE --add TEXT                 adds one element with dirq itself, prints {"id"}
"""

import argparse
import json
import sys

from dirq.QueueSimple import QueueSimple


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("queue")
    parser.add_argument("--consume", action="store_true", help="remove each element after reading it")
    parser.add_argument("--purge", action="store_true", help="run dirq's purge afterwards, as ssmsend does")
    parser.add_argument("--add", help="add this text as an element and exit")
    args = parser.parse_args()

    queue = QueueSimple(args.queue)
    if args.add is not None:
        print(json.dumps({"id": queue.add(args.add.encode("ascii"))}))
        return 0

    elements = []
    for name in queue:
        if not queue.lock(name):
            continue
        text = queue.get(name).decode("ascii")
        elements.append({"id": name, "text": text})
        if args.consume:
            queue.remove(name)
        else:
            queue.unlock(name)
    if args.purge:
        queue.purge()
    print(json.dumps({"count": queue.count(), "elements": elements}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
