"""Resolution cost at corpus scale: from scratch, as articles arrive (batches of 1,000 for
the whole corpus, batches of 64 over the last 2,048 onto the table of the rest), the saved
table's size; then the query path's load time in fresh processes (json.loads, from_dict,
first match), as `searchkit query` pays it.

    python benchmarks/bench_resolve_scale.py reuters --out /tmp/table.json

Extraction runs over the cached parse (benchmarks/doc_cache.py).
"""
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import doc_cache  # noqa: E402

corpus = sys.argv[1] if len(sys.argv) > 1 else "reuters"
out = sys.argv[sys.argv.index("--out") + 1] if "--out" in sys.argv else "/tmp/entities_table.json"
from searchkit.resolve.entities import EntityTable, Observations
from searchkit.extraction.canonical import load_aliases
t = time.perf_counter()
pairs = doc_cache.extractions(corpus)
print(f"extraction over the cached parse: {time.perf_counter() - t:.0f} s for {len(pairs)} articles", flush=True)
aliases = load_aliases().groups()
whole = Observations()
for a, ex in pairs: whole.add_extraction(ex, text=a.text)
t = time.perf_counter(); table = EntityTable(aliases=aliases); table.update(whole); scratch = time.perf_counter() - t
print(f"{len(table.counts)} distinct values, {len(table.entities)} entities; from scratch {scratch:.1f} s", flush=True)
def inc(batch, start=0, base=None):
    tb = base or EntityTable(aliases=aliases); t = time.perf_counter(); n = 0
    for i in range(start, len(pairs), batch):
        d = Observations()
        for a, ex in pairs[i:i + batch]: d.add_extraction(ex, text=a.text)
        tb.update(d); n += 1
    return tb, time.perf_counter() - t, n
tb, t1000, n = inc(1000)
print(f"as articles arrive, batches of 1,000: {t1000:.1f} s over {n} batches", flush=True)
base = EntityTable(aliases=aliases); d = Observations()
tail = min(2048, len(pairs) // 2)
for a, ex in pairs[:len(pairs) - tail]: d.add_extraction(ex, text=a.text)
base.update(d)
tb64, t64, n64 = inc(64, start=len(pairs) - tail, base=base)
print(f"last {tail} articles in batches of 64 onto the table of the first {len(pairs)-tail}: {t64:.1f} s over {n64} batches ({1000*t64/tail:.1f} ms/article)", flush=True)
same = {(e.kind, e.value, tuple(sorted(e.variants.items()))) for e in tb64.entities.values()} == {(e.kind, e.value, tuple(sorted(e.variants.items()))) for e in table.entities.values()}
print(f"incremental == from scratch: {same}", flush=True)
t = time.perf_counter(); data = json.dumps(table.to_dict(), ensure_ascii=False); print(f"to_dict + json (lookup keys built once): {time.perf_counter() - t:.1f} s, {len(data)/1e6:.1f} MB", flush=True)
Path(out).write_text(data, encoding="utf-8")
LOAD = """
import json, sys, time
t0 = time.perf_counter()
from searchkit.resolve.entities import EntityTable
t1 = time.perf_counter()
data = json.loads(open(sys.argv[1], encoding="utf-8").read())
t2 = time.perf_counter()
table = EntityTable.from_dict(data, stale_ok=True)
t3 = time.perf_counter()
table.match("person", "blair")
t4 = time.perf_counter()
times = []
for q in ["putin", "kiev", "nato", "zelensky", "icc", "bush", "reagan", "opec"]:
    a = time.perf_counter(); table.match(None, q); times.append(time.perf_counter() - a)
print(f"json.loads {1000*(t2-t1):.0f} ms, from_dict {1000*(t3-t2):.0f} ms, "
      f"first match {1000*(t4-t3):.1f} ms, later matches max {1000*max(times):.2f} ms")
"""
for _ in range(3):
    print("fresh process:", subprocess.run([sys.executable, "-c", LOAD, out], check=True,
                                            capture_output=True, text=True).stdout.strip())
