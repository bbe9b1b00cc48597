"""Legacy code page guessing on real texts (`searchkit.sources.encoding.detect_legacy`).

For the first N articles with a marked letter of each news corpus, the 120- and 400-character
pieces around that letter are encoded in the first of cp1252, cp1250, cp1251 that holds them;
a guess counts as right when it decodes the bytes back to the same text.

    python benchmarks/bench_encoding.py [N]      # default 400
"""
import collections
import json
import sys
from pathlib import Path

from searchkit.sources.encoding import detect_legacy
N = int(sys.argv[1]) if len(sys.argv) > 1 else 400
res = collections.Counter(); tot = collections.Counter()
NEWS = Path(__file__).resolve().parents[2] / "shared" / "data" / "news"
for corpus in ("ukraine_war", "wikinews_crisis", "bbc", "reuters21578"):
    n = 0
    for line in open(NEWS / f"{corpus}.jsonl", encoding="utf-8"):
        text = json.loads(line).get("text") or ""
        at = next((i for i, c in enumerate(text) if ord(c) > 0x7f and c.isalpha()), None)
        if at is None:
            continue
        for size in (120, 400):
            piece = text[max(0, at - size // 2): at + size // 2]
            for codec in ("cp1252", "cp1250", "cp1251"):
                try:
                    data = piece.encode(codec)
                    break
                except UnicodeEncodeError:
                    continue
            else:
                continue
            guess = detect_legacy(data)
            ok = guess is not None and data.decode(guess, errors="replace") == piece
            res[(codec, size)] += ok; tot[(codec, size)] += 1
        n += 1
        if n >= N:
            break
for k in sorted(tot):
    print(k, f"{res[k]}/{tot[k]}")
print("all", sum(res.values()), "/", sum(tot.values()))

# The cost of a guess on the head a streamed file is decided from (1 MiB), the peer being
# charset-normalizer alone on the same bytes.
import time  # noqa: E402

from charset_normalizer import from_bytes  # noqa: E402
from searchkit.sources.encoding import SAMPLE_BYTES  # noqa: E402

head = ("Das Café in München wurde am Dienstag geschlossen, sagte der Bürgermeister. " * 20000
        ).encode("latin-1")[:SAMPLE_BYTES]
started = time.perf_counter()
detect_legacy(head)
ours = time.perf_counter() - started
started = time.perf_counter()
list(from_bytes(head))
peer = time.perf_counter() - started
print(f"1 MiB head: detect_legacy {ours:.3f} s, charset-normalizer alone {peer:.3f} s")
