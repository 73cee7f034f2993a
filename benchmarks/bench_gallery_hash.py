"""The gallery's source hash: whole-file read (before) vs chunked read (now), peak memory side by side.

Usage: python benchmarks/bench_gallery_hash.py [--size-mb 1024]

Writes a sparse file of the given size (a stand-in for a large ``.h5``) and hashes it in two fresh
processes: once as the gallery used to (``sha256(head + path.read_bytes())``) and once with
``nnviz.gallery.sources._hash``, which reads ``HASH_CHUNK`` bytes at a time. Prints each one's wall time and
peak resident memory (``ru_maxrss`` of the child), and checks that both give the same digest.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_WHOLE = """
import hashlib, json, sys
from pathlib import Path
head = json.dumps({"options": {}, "description": None}, sort_keys=True).encode()
print(hashlib.sha256(head + b"\\0" + Path(sys.argv[1]).read_bytes()).hexdigest())
"""
_CHUNKED = """
import sys
from pathlib import Path
from nnviz.gallery.sources import _hash
print(_hash(Path(sys.argv[1]), "big.h5", None, {}))
"""


def measure(code: str, path: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and the digest of one fresh process running ``code``."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT / "src")}, check=True)
    wall = time.perf_counter() - start
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, proc.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.h5"
        with open(path, "wb") as fh:
            fh.truncate(args.size_mb << 20)
        # chunked first: ru_maxrss of the children is a running maximum
        rows = [("chunked (now)", *measure(_CHUNKED, path)), ("whole file (before)", *measure(_WHOLE, path))]
    print(f"hashing a {args.size_mb:,} MB source")
    print(f"{'':22}{'wall s':>8}{'peak RSS MB':>14}")
    for name, wall, rss, _ in rows:
        print(f"{name:22}{wall:8.2f}{rss:14.0f}")
    print("same digest:", json.dumps(rows[0][3] == rows[1][3]))


if __name__ == "__main__":
    main()
