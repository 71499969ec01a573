"""Read and check one county bundle in a child process: ``python -m pledgebook.bundle.readahead PATH``.

A merge of several bundles (:func:`pledgebook.bundle.merge.import_bundles`) starts this child for the
next bundle while it writes the current one: it inflates and hashes the members, parses every line and
makes every check that needs no database (:func:`pledgebook.bundle.merge.read_for_merge`), then writes
the result, marshalled, on stdout. It opens no database. Exit status 0 with the result; 3 when the bundle is
refused (the merge then reads it itself and says why); anything else is a failure the merge also answers by
reading the bundle itself.
"""

from __future__ import annotations

import marshal
import sys


def main(argv: list[str]) -> int:
    from pledgebook.bundle.merge import read_for_merge
    from pledgebook.models.core.errors import PledgebookError

    try:
        result = read_for_merge(argv[0])
    except PledgebookError:
        return 3
    sys.stdout.buffer.write(marshal.dumps(result))
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
