"""Another process of the host, for the shared-index tests: reads needs as JSON lines on stdin,
answers each with the ranked achievement ids, where its index came from, and whether it built.

    python -m tests.matching.query_process   (DATABASE_URL: the test database; MATCH_INDEX_DIR)
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings

    settings.MATCH_INDEX_DIR = os.environ["MATCH_INDEX_DIR"]
    from deals.matching import engine, index
    from deals.matching.engine import Doc, Query
    from deals.matching.models import MatchKind

    built: list[int] = []
    real_build = engine.TextIndex.build

    def counting_build(self, docs, workers=1):  # type: ignore[no-untyped-def]
        built.append(1)
        return real_build(self, docs, workers)

    engine.TextIndex.build = counting_build  # type: ignore[method-assign]
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        need = json.loads(line)
        started = time.perf_counter()
        idx = index.get_index(MatchKind.ACHIEVEMENT)
        query = Query.for_doc(Doc(0, need["title"], need["description"]), price_is_budget=True)
        ids = [h.id for h in idx.search(query, limit=5)]
        answer = {
            "ids": ids,
            "source": idx.source,
            "built": len(built),
            "ms": (time.perf_counter() - started) * 1000,
        }
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
