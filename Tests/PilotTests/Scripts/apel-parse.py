#!/usr/bin/env python3
"""Loads APEL messages with APEL's own parser, as the server's loader does (APEL.md section 7):
`RecordFactory().create_records(text)`, then `get_db_tuple()` on every record, which re-runs the
checks the MySQL backend runs before inserting.

Run with the dirq venv's python (scripts/install-dirq.sh installs `future` and `iso8601`):

    apel-parse.py APEL_SOURCE FILE...     prints {"messages": N, "records": M}; exits 1 on the
                                          first refusal, printing the file and APEL's reason

APEL_SOURCE is an apel checkout (the directory holding the `apel` package); nothing of it is
copied into this repository.
"""

import json
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sys.path.insert(0, sys.argv[1])
    from apel.db.loader.record_factory import RecordFactory

    records = 0
    for path in sys.argv[2:]:
        with open(path, encoding="ascii") as handle:
            text = handle.read()
        try:
            for record in RecordFactory().create_records(text):
                record.get_db_tuple()
                records += 1
        except Exception as error:  # APEL raises several kinds; any of them is a refusal
            print(json.dumps({"file": path, "refused": "%s: %s" % (type(error).__name__, error)}))
            return 1
    print(json.dumps({"messages": len(sys.argv) - 2, "records": records}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
