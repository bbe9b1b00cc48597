"""Entities, places and speed of searchkit extraction against the raw spaCy model (issue 4).

On a fixed-seed sample of Reuters-21578 articles that carry gold `places`:
1. place countries per article (precision / recall against the gold country tags), for the
   raw model (its GPE/LOC spans looked up in geonames) and for searchkit, with several ways of
   turning mentions into article countries;
2. people per article: surnames of extracted people against the gold `people` tags, and
   organisations against the 32 gold `orgs` tags (through `ORG_NAMES`), both as extracted
   and as the index lists them after entity resolution over the sample;
3. mentions: every raw-model PERSON / GPE / LOC / ORG span compared with searchkit's mentions
   (kept exactly, kept trimmed, relabelled, dropped) and where searchkit adds mentions;
4. speed: the raw `nlp.pipe` pass against `extract_articles` on the same texts (with and
   without the event detector).

    python benchmarks/bench_entities.py --sample 2000 --seed 42
    python benchmarks/bench_entities.py --sample 2000 --seed 42 --no-timing --cache

Reuters keeps the dateline ("NEW YORK, March 3 -") outside `text`; in the original articles
it opens the body, so it is put back in front of the text unless --no-dateline is given.
Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

from searchkit.models import Article

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "news" / "reuters21578.jsonl"

#: Reuters place slugs -> ISO 3166 alpha-2. Historic states map to their main successor
#: (ussr -> RU, west/east-germany -> DE, yugoslavia -> RS, czechoslovakia -> CZ, zaire -> CD,
#: kampuchea -> KH, burma -> MM, both Yemens -> YE).
SLUG_TO_ISO = {
    "usa": "US", "uk": "GB", "japan": "JP", "canada": "CA", "west-germany": "DE", "france": "FR",
    "brazil": "BR", "australia": "AU", "china": "CN", "ussr": "RU", "switzerland": "CH",
    "belgium": "BE", "netherlands": "NL", "iran": "IR", "italy": "IT", "hong-kong": "HK",
    "philippines": "PH", "taiwan": "TW", "spain": "ES", "south-africa": "ZA",
    "new-zealand": "NZ", "sweden": "SE", "south-korea": "KR", "indonesia": "ID",
    "argentina": "AR", "iraq": "IQ", "saudi-arabia": "SA", "india": "IN", "thailand": "TH",
    "mexico": "MX", "malaysia": "MY", "venezuela": "VE", "ecuador": "EC", "singapore": "SG",
    "turkey": "TR", "denmark": "DK", "colombia": "CO", "kuwait": "KW", "egypt": "EG",
    "luxembourg": "LU", "yugoslavia": "RS", "bahrain": "BH", "peru": "PE", "norway": "NO",
    "uae": "AE", "finland": "FI", "pakistan": "PK", "portugal": "PT", "nigeria": "NG",
    "greece": "GR", "algeria": "DZ", "bangladesh": "BD", "sri-lanka": "LK", "nicaragua": "NI",
    "austria": "AT", "israel": "IL", "zambia": "ZM", "bolivia": "BO", "ivory-coast": "CI",
    "cyprus": "CY", "lebanon": "LB", "hungary": "HU", "kenya": "KE", "costa-rica": "CR",
    "poland": "PL", "cuba": "CU", "ireland": "IE", "morocco": "MA", "qatar": "QA",
    "chile": "CL", "uganda": "UG", "jordan": "JO", "tanzania": "TZ", "libya": "LY",
    "zimbabwe": "ZW", "ghana": "GH", "jamaica": "JM", "panama": "PA", "honduras": "HN",
    "el-salvador": "SV", "syria": "SY", "tunisia": "TN", "zaire": "CD", "guatemala": "GT",
    "sudan": "SD", "yemen-arab-republic": "YE", "dominican-republic": "DO", "haiti": "HT",
    "chad": "TD", "vietnam": "VN", "papua-new-guinea": "PG", "north-korea": "KP", "oman": "OM",
    "brunei": "BN", "uruguay": "UY", "czechoslovakia": "CZ", "romania": "RO",
    "suriname": "SR", "gabon": "GA", "madagascar": "MG", "ethiopia": "ET", "senegal": "SN",
    "mauritius": "MU", "mozambique": "MZ", "east-germany": "DE", "trinidad-tobago": "TT",
    "bermuda": "BM", "malawi": "MW", "cameroon": "CM", "nepal": "NP",
    "yemen-demo-republic": "YE", "liberia": "LR", "afghanistan": "AF", "somalia": "SO",
    "bulgaria": "BG", "sierra-leone": "SL", "iceland": "IS", "barbados": "BB",
    "botswana": "BW", "togo": "TG", "fiji": "FJ", "congo": "CG", "us-virgin-islands": "VI",
    "guam": "GU", "cayman-islands": "KY", "paraguay": "PY", "angola": "AO", "kampuchea": "KH",
    "burma": "MM", "guyana": "GY", "djibouti": "DJ", "namibia": "NA", "rwanda": "RW",
    "niger": "NE", "bhutan": "BT", "liechtenstein": "LI", "aruba": "AW", "guinea": "GN",
    "mauritania": "MR", "vanuatu": "VU", "malta": "MT", "antigua": "AG", "benin": "BJ",
    "burkina-faso": "BF", "lesotho": "LS", "swaziland": "SZ", "bahamas": "BS",
    "netherlands-antilles": "CW", "monaco": "MC", "grenada": "GD", "belize": "BZ",
    "seychelles": "SC", "macau": "MO", "french-guiana": "GF", "greenland": "GL",
    "new-caledonia": "NC", "tonga": "TO", "st-lucia": "LC", "martinique": "MQ",
    "sao-tome": "ST", "guadeloupe": "GP", "solomon-islands": "SB", "western-samoa": "WS",
    "upper-volta": "BF", "falkland-islands": "FK", "tuvalu": "TV", "dominica": "DM",
    "gambia": "GM", "guinea-bissau": "GW", "equatorial-guinea": "GQ", "mali": "ML",
    "burundi": "BI", "central-african-republic": "CF", "comoros": "KM", "cape-verde": "CV",
    "st-kitts-nevis": "KN", "st-vincent": "VC", "kiribati": "KI", "nauru": "NR",
    "albania": "AL", "mongolia": "MN", "laos": "LA", "maldives": "MV", "montserrat": "MS",
    "andorra": "AD", "san-marino": "SM", "vatican": "VA", "gibraltar": "GI",
    "puerto-rico": "PR", "american-samoa": "AS", "british-virgin-islands": "VG",
    "turks-caicos": "TC", "anguilla": "AI", "cook-islands": "CK", "french-polynesia": "PF",
}


def load_sample(n: int, seed: int, dateline: bool) -> list[tuple[Article, set[str], set[str]]]:
    """(article, gold countries, gold surnames) for `n` random articles with gold places."""
    rows = []
    with DATA.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if (r.get("text") or "").strip() and r.get("places"):
                rows.append(r)
    rows.sort(key=lambda r: r["id"])
    random.Random(seed).shuffle(rows)
    out = []
    for r in rows[:n] if n else rows:
        unknown = [p for p in r["places"] if p not in SLUG_TO_ISO]
        if unknown:
            raise SystemExit(f"no ISO code for Reuters place slugs {unknown}: extend SLUG_TO_ISO")
        text = r["text"]
        if dateline and r.get("dateline"):
            text = r["dateline"].strip() + " " + text
        gold_people = {surname(p.replace("-", " ")) for p in r.get("people") or []}
        out.append((Article(id=r["id"], text=text, title=r.get("title") or ""),
                    {SLUG_TO_ISO[p] for p in r["places"]}, gold_people, set(r.get("orgs") or ())))
    return out


def surname(name: str) -> str:
    """Lowercase ASCII last word of a name ("Karl Otto Pöhl" -> "pohl")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = ascii_name.lower().replace("'s", "").split()
    return words[-1] if words else ""


def prf(pred: list[set], gold: list[set]) -> tuple[float, float, float]:
    """Micro precision, recall, F1 over (article, item) pairs."""
    tp = sum(len(p & g) for p, g in zip(pred, gold))
    np_, ng = sum(map(len, pred)), sum(map(len, gold))
    p = tp / np_ if np_ else 0.0
    r = tp / ng if ng else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


#: The Reuters org tags, each with the names and acronyms it is written as (from the
#: organisations' own names, written before any output was scored; "ADB" is left to the
#: Asian bank, the more frequent tag).
ORG_NAMES = {
    "ec": ["European Community", "European Communities", "European Economic Community", "EC",
           "EEC", "Common Market", "European Commission", "EC Commission"],
    "imf": ["International Monetary Fund", "IMF"],
    "opec": ["Organization of Petroleum Exporting Countries",
             "Organisation of Petroleum Exporting Countries", "OPEC"],
    "worldbank": ["World Bank", "International Bank for Reconstruction and Development", "IBRD"],
    "gatt": ["General Agreement on Tariffs and Trade", "GATT"],
    "ico-coffee": ["International Coffee Organization", "International Coffee Organisation", "ICO"],
    "oecd": ["Organisation for Economic Co-operation and Development",
             "Organization for Economic Cooperation and Development", "OECD"],
    "icco": ["International Cocoa Organization", "International Cocoa Organisation", "ICCO"],
    "adb-asia": ["Asian Development Bank", "ADB"],
    "itc": ["International Tin Council", "ITC"],
    "adb-africa": ["African Development Bank", "AfDB"],
    "un": ["United Nations", "UN"],
    "unctad": ["United Nations Conference on Trade and Development",
               "UN Conference on Trade and Development", "UNCTAD"],
    "fao": ["Food and Agriculture Organization", "Food and Agriculture Organisation", "FAO"],
    "inro": ["International Natural Rubber Organization", "INRO"],
    "eib": ["European Investment Bank", "EIB"],
    "iea": ["International Energy Agency", "IEA"],
    "ida": ["International Development Association", "IDA"],
    "atpc": ["Association of Tin Producing Countries", "ATPC"],
    "gcc": ["Gulf Cooperation Council", "Gulf Co-operation Council", "GCC"],
    "isa": ["International Sugar Organization", "International Sugar Agreement"],
    "bis": ["Bank for International Settlements", "BIS"],
    "oapec": ["Organization of Arab Petroleum Exporting Countries", "OAPEC"],
    "iwc-wheat": ["International Wheat Council", "IWC"],
    "asean": ["Association of South East Asian Nations", "Association of Southeast Asian Nations",
              "ASEAN"],
    "escap": ["Economic and Social Commission for Asia and the Pacific", "ESCAP"],
    "eca": ["Economic Commission for Africa", "ECA"],
    "imco": ["Inter-Governmental Maritime Consultative Organization", "IMCO"],
    "euratom": ["Euratom", "European Atomic Energy Community"],
    "iwcc": ["International Wrought Copper Council", "IWCC"],
    "comecon": ["Comecon", "Council for Mutual Economic Assistance", "CMEA"],
    "efta": ["European Free Trade Association", "EFTA"],
}


def _org_key(name: str) -> str:
    """Case-, dot-, hyphen-, -isation/-ization- and "the"-insensitive form of a name."""
    words = name.casefold().replace(".", "").replace("-", "").replace("isation", "ization")
    return " ".join(w for w in words.split() if w != "the")


_SLUG_OF = {_org_key(n): slug for slug, names in ORG_NAMES.items() for n in names}


def org_slugs(names) -> set[str]:
    """The Reuters org tags that these organisation names stand for."""
    return {_SLUG_OF[k] for k in map(_org_key, names) if k in _SLUG_OF}


def index_values(extractions, texts) -> tuple[list[set[str]], list[list[str]]]:
    """Per article: surnames of its people and its organisations as the index lists them
    (entity resolution over the sample: display values, kinds by vote, junk dropped)."""
    from searchkit.extraction.canonical import load_aliases
    from searchkit.resolve.entities import EntityTable, Observations

    obs = Observations()
    for ex, text in zip(extractions, texts):
        obs.add_extraction(ex, text=text)
    table = EntityTable(aliases=load_aliases().groups())
    table.update(obs)
    people, orgs = [], []
    for ex in extractions:
        facets = ex.facets()
        values = {v for f in ("people", "places", "orgs") for v in facets[f]}
        ents = [e for e in map(table.entity, values) if e is not None]
        people.append({surname(e.value) for e in ents if e.kind == "person"})
        orgs.append(sorted({e.value for e in ents if e.kind == "org"}))
    return people, orgs


# -- country sets from mentions ------------------------------------------------------------
def countries_all(ex, text) -> set[str]:
    return {m.country for m in ex.mentions if m.kind == "place" and m.country}


def countries_salient(ex, text, lead_chars: int = 300, min_mentions: int = 2) -> set[str]:
    """Countries named in the lead (first `lead_chars`, dateline included) or named at least
    `min_mentions` times."""
    counts = Counter(m.country for m in ex.mentions if m.kind == "place" and m.country)
    lead = {m.country for m in ex.mentions
            if m.kind == "place" and m.country and m.start < lead_chars}
    return lead | {c for c, n in counts.items() if n >= min_mentions}


def raw_countries(doc, gaz) -> set[str]:
    out = set()
    for ent in doc.ents:
        if ent.label_ in ("GPE", "LOC"):
            place = gaz.lookup(ent.text)
            if place is not None and place.country:
                out.add(place.country)
    return out


# -- mentions against the raw model ---------------------------------------------------------
RAW_KIND = {"PERSON": "person", "GPE": "place", "LOC": "place", "ORG": "org"}


def compare_mentions(docs, extractions) -> dict:
    """Classify each raw PERSON/GPE/LOC/ORG span by what searchkit made of it."""
    stats = Counter()
    dropped, relabelled, added = Counter(), Counter(), Counter()
    per_kind = Counter()
    full_names, full_lost = 0, Counter()
    for doc, ex in zip(docs, extractions):
        ours = [(m.start, m.end, m.kind, m.text) for m in ex.mentions]
        raw_spans = [(e.start_char, e.end_char, RAW_KIND[e.label_], e.text, e.label_)
                     for e in doc.ents if e.label_ in RAW_KIND]
        for s, e, kind, text, label in raw_spans:
            per_kind[kind, "raw"] += 1
            hits = [o for o in ours if o[0] < e and s < o[1]]
            # A proxy for real names: "Ruslan Sidiki", not "Revs 5.1 mln vs" or "cubic meters".
            words = text.replace("'s", "").split()
            if label == "PERSON" and len(words) > 1 and all(w[:1].isupper() and w.isalpha()
                                                            for w in words):
                full_names += 1
                if not any(o[2] == "person" for o in hits):
                    full_lost[f"{text} -> {hits[0][2] if hits else 'dropped'}"] += 1
            if any(o[0] == s and o[1] == e and o[2] == kind for o in hits):
                stats["exact"] += 1
                per_kind[kind, "kept"] += 1
            elif any(o[2] == kind for o in hits):
                stats["trimmed or extended"] += 1
                per_kind[kind, "kept"] += 1
            elif hits:
                stats["relabelled"] += 1
                relabelled[f"{label}->{hits[0][2]}: {text}"] += 1
            else:
                stats["dropped"] += 1
                dropped[f"{label}: {text}"] += 1
        all_raw = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for s, e, kind, text in ours:
            same = [r for r in raw_spans if r[0] < e and s < r[1]]
            if not same:
                other = [r[2] for r in all_raw if r[0] < e and s < r[1]]
                origin = f"from {other[0]}" if other else "untagged by the model"
                stats[f"added {kind} ({origin})"] += 1
                added[f"{kind} {origin}: {text}"] += 1
    return {"stats": stats, "per_kind": per_kind, "dropped": dropped,
            "relabelled": relabelled, "added": added, "full_names": full_names,
            "full_names_lost": full_lost}


# -- timing ---------------------------------------------------------------------------------
def time_raw(nlp, texts, batch_size):
    t = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=batch_size))
    return time.perf_counter() - t, docs


def time_ours(sample, batch_size, events: bool):
    from searchkit.extraction import extract_articles
    from searchkit.extraction.pipeline import get_extractor

    extractor = get_extractor(None)
    saved = extractor.events
    if not events:
        extractor.events = None  # measure entities + amounts alone
    try:
        t = time.perf_counter()
        out = [ex for _a, ex in extract_articles([a for a, *_gold in sample],
                                                  batch_size=batch_size)]
        return time.perf_counter() - t, out
    finally:
        extractor.events = saved


def time_parts(docs) -> dict[str, float]:
    """Seconds spent in each extraction stage on already-parsed docs (noise-free overhead)."""
    from searchkit.extraction.pipeline import get_extractor

    ex = get_extractor(None)
    parts = {"entities": ex.entities, "amounts": ex.amounts}
    if ex.events is not None:
        parts["event types"] = ex.events
    out = {}
    for name, stage in parts.items():
        t = time.perf_counter()
        for doc in docs:
            stage(doc)
        out[name] = time.perf_counter() - t
    return out


def report_speed(nlp, sample, texts, args):
    """Print the speed section; return the raw docs and searchkit's extractions."""
    from searchkit.extraction.pipeline import get_extractor

    t_raw = t_ours = t_noev = float("inf")
    for rep in range(args.repeat):
        # Alternate the order: the first pass of a run is often the slowest.
        runs = ["raw", "ours", "noev"]
        for name in runs[rep % 3:] + runs[:rep % 3]:
            if name == "raw":
                t, docs = time_raw(nlp, texts, args.batch_size)
                t_raw = min(t_raw, t)
            elif name == "ours":
                t, extractions = time_ours(sample, args.batch_size, events=True)
                t_ours = min(t_ours, t)
            else:
                t, _ = time_ours(sample, args.batch_size, events=False)
                t_noev = min(t_noev, t)
    has_events = get_extractor(None).events is not None
    parts = time_parts(docs)
    print("\n## Speed (seconds, batch size %d, 1 process, best of %d)"
          % (args.batch_size, args.repeat))
    print("stages on the parsed docs: " + ", ".join(
        f"{k} {v:.2f} ({100 * v / t_raw:.1f}% of the raw pass)" for k, v in parts.items()))
    print(f"raw nlp.pipe:                      {t_raw:7.2f}")
    print(f"extract_articles, no event types:  {t_noev:7.2f}  "
          f"({100 * (t_noev / t_raw - 1):+.1f}%)")
    if has_events:
        print(f"extract_articles, with event types:{t_ours:7.2f}  "
              f"({100 * (t_ours / t_raw - 1):+.1f}%)")
    else:
        print("(event detector absent: searchkit/extraction/events.py not present)")
    return docs, extractions


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", type=int, default=2000, help="articles (0 = all with places)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--no-dateline", action="store_true", help="leave the dateline out")
    ap.add_argument("--repeat", type=int, default=1, help="timing runs (best is kept)")
    ap.add_argument("--show", type=int, default=12, help="examples to list per category")
    ap.add_argument("--no-timing", action="store_true",
                    help="parse once and skip the speed section (for the whole corpus)")
    ap.add_argument("--cache", action="store_true",
                    help="with --no-timing: keep the parse in benchmarks/doc_cache.py's cache")
    args = ap.parse_args(argv)
    if not DATA.exists():
        print(f"{DATA} is absent", file=sys.stderr)
        return 1

    from searchkit.extraction import load_nlp
    from searchkit.extraction.pipeline import get_extractor
    from searchkit.extraction.places import get_gazetteer

    sample = load_sample(args.sample, args.seed, not args.no_dateline)
    texts = [a.text for a, *_gold in sample]
    nlp = load_nlp()
    get_extractor(None)  # load aliases, gazetteer and event rules outside the timings
    list(nlp.pipe(texts[:50]))  # warm up
    words = sum(len(t.split()) for t in texts)
    print(f"Reuters-21578: {len(sample)} articles with gold places (seed {args.seed}), "
          f"{words} words, dateline {'excluded' if args.no_dateline else 'included'}; "
          f"model {nlp.meta['name']} {nlp.meta['version']}, pipes {nlp.pipe_names}")

    if args.no_timing:
        if args.cache:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            import doc_cache

            docs = doc_cache.parsed_texts(f"reuters-gold-{args.sample}-{args.seed}", texts)
        else:
            docs = list(nlp.pipe(texts, batch_size=args.batch_size))
        extractor = get_extractor(None)
        extractions = [extractor(doc) for doc in docs]
    else:
        docs, extractions = report_speed(nlp, sample, texts, args)

    gold_c = [g for _a, g, *_rest in sample]
    gaz = get_gazetteer()
    print("\n## Place countries per article (micro P / R / F1)")
    rows = [("raw model GPE/LOC -> geonames", [raw_countries(d, gaz) for d in docs]),
            ("searchkit, every place mention",
             [countries_all(e, t) for e, t in zip(extractions, texts)]),
            ("searchkit, lead (300 chars) or >=2 mentions",
             [countries_salient(e, t) for e, t in zip(extractions, texts)])]
    for name, pred in rows:
        p, r, f = prf(pred, gold_c)
        print(f"{name:45s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    _show_country_errors(sample, rows[1][1], args.show)

    print("\n## People per article: surnames vs gold `people` (micro P / R / F1)")
    gold_p = [p for _a, _g, p, _o in sample]
    raw_p = [{surname(e.text) for e in d.ents if e.label_ == "PERSON"} for d in docs]
    our_p = [{surname(m.canonical) for m in e.mentions if m.kind == "person"} for e in extractions]
    with_gold = [i for i, g in enumerate(gold_p) if g]
    for name, pred in (("raw model PERSON", raw_p), ("searchkit people", our_p)):
        p, r, f = prf(pred, gold_p)
        p2, _r2, f2 = prf([pred[i] for i in with_gold], [gold_p[i] for i in with_gold])
        print(f"{name:20s} all articles: P {p:.3f} R {r:.3f} F1 {f:.3f} | "
              f"{len(with_gold)} articles with gold people: P {p2:.3f} F1 {f2:.3f}")

    index_people, index_orgs = index_values(extractions, texts)
    p, r, _f = prf(index_people, gold_p)
    p2, _r2, f2 = prf([index_people[i] for i in with_gold], [gold_p[i] for i in with_gold])
    print(f"{'index (resolved)':20s} all articles: P {p:.3f} R {r:.3f} | "
          f"{len(with_gold)} articles with gold people: P {p2:.3f} F1 {f2:.3f}")

    print("\n## Organisations per article: the 32 gold org tags (micro P / R / F1)")
    gold_o = [o for *_rest, o in sample]
    with_orgs = [i for i, g in enumerate(gold_o) if g]
    raw_o = [org_slugs(e.text for e in d.ents if e.label_ == "ORG") for d in docs]
    our_o = [org_slugs(m.canonical for m in e.mentions if m.kind == "org") for e in extractions]
    for name, pred in (("raw model ORG", raw_o), ("searchkit orgs", our_o),
                       ("index (resolved)", [org_slugs(v) for v in index_orgs])):
        p, r, f = prf(pred, gold_o)
        p2, _r2, f2 = prf([pred[i] for i in with_orgs], [gold_o[i] for i in with_orgs])
        print(f"{name:20s} all articles: P {p:.3f} R {r:.3f} F1 {f:.3f} | "
              f"{len(with_orgs)} articles with gold orgs: P {p2:.3f} F1 {f2:.3f}")

    print("\n## Mentions against the raw model's PERSON/GPE/LOC/ORG spans")
    cmp = compare_mentions(docs, extractions)
    for key, n in sorted(cmp["stats"].items()):
        print(f"  {key:45s} {n}")
    for kind in ("person", "place", "org"):
        raw, kept = cmp["per_kind"][kind, "raw"], cmp["per_kind"][kind, "kept"]
        print(f"  raw {kind:6s} spans kept as {kind}: {kept}/{raw} = {kept / max(raw, 1):.3f}")
    full = cmp["full_names_lost"]
    print(f"  raw multi-word capitalised PERSON spans not kept as a person: {sum(full.values())}"
          f" of {cmp['full_names']}: " +
          "; ".join(f"{k} ({n})" for k, n in full.most_common(args.show)))
    for name in ("dropped", "relabelled", "added"):
        print(f"  most frequent {name}: " +
              "; ".join(f"{k} ({n})" for k, n in cmp[name].most_common(args.show)))
    return 0


def _show_country_errors(sample, pred, show: int) -> None:
    fp, fn = Counter(), Counter()
    for (_a, gold, *_rest), p in zip(sample, pred):
        fp.update(p - gold)
        fn.update(gold - p)
    for name, counts in (("false", fp), ("missed", fn)):
        print(f"  most frequent {name} countries: " +
              ", ".join(f"{c} {n}" for c, n in counts.most_common(show)))


if __name__ == "__main__":
    sys.exit(main())
