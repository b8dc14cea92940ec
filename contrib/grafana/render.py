#!/usr/bin/python3
"""render.py - draw a Grafana dashboard's panels from a real Prometheus,
without Grafana (which Debian 12 does not package), as one self-contained
HTML page with inline SVG; and check on the way that Prometheus accepts
every expression in it.

usage: render.py [-p URL] [--from TIME] [--to TIME] [--scrape-interval DUR]
                 [--var NAME=VALUE]... [--width PX] [--summary FILE]
                 [-o FILE.html] DASHBOARD.json

  -p URL             the Prometheus server (default http://127.0.0.1:9090)
  --from, --to       the time range as Grafana writes it: now, now-15m,
                     now-24h, a Unix time or 2026-12-02T03:00:00Z (default:
                     the dashboard's "time")
  --scrape-interval  the data source's "Scrape interval" (Grafana's default
                     15s): the lower bound of $__interval, and what
                     $__rate_interval is computed from
  --var NAME=VALUE   a template variable's value (else its "current" value,
                     a custom variable's first option, a query variable's
                     label_values() from Prometheus)
  --width PX         the page's width (default 1600; 24 grid columns)
  --summary FILE     one line per panel target, tab-separated: panel id,
                     panel type, refId, "ok" or "error", series, series
                     with a value, values, the largest value ("-": none),
                     title, the expression as sent
  -o FILE            the page (default: standard output)

For each visible panel (rows, and the panels of rows not collapsed) and
each target not hidden it substitutes the template variables and
$__interval, $__interval_ms, $__rate_interval, $__range, $__range_s and
$__range_ms as Grafana's Prometheus data source does for that range and
panel width (interval = the range / the panel's width in pixels, rounded
as Grafana rounds it, at least the scrape interval; $__rate_interval =
max(interval + scrape interval, 4 * scrape interval); start and end
aligned to the step), asks /api/v1/query_range (/api/v1/query for
instant targets and table panels) and draws the panel at its gridPos:
timeseries as line charts with their legend (legendFormat; table or list,
right or bottom, with its calcs), stat and gauge with reduceOptions and
thresholds, table as labels and value; the unit from
fieldConfig.defaults.unit.  The page fetches nothing.

Exit status: 0; 1 when Prometheus answered an error for an expression
(each one named on standard error with its panel, refId and the
expression; the page is still written, those panels showing the error);
64 usage; 65 a dashboard it cannot read or a panel type it does not draw;
69 Prometheus could not be reached.
"""
import argparse
import datetime
import html
import json
import math
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

EX_QUERY, EX_USAGE, EX_DATAERR, EX_UNAVAILABLE = 1, 64, 65, 69

# Grafana's grid: 24 columns, rows of 30 px with 8 px between them
GRID_ROW, GRID_GAP = 30, 8
TITLE_H = 30
PALETTE = ["#73BF69", "#F2CC0C", "#5794F2", "#FF780A", "#F2495C", "#B877D9",
           "#8AB8FF", "#FADE2A", "#37872D", "#C4162A", "#1F60C4", "#8F3BB8",
           "#96D98D", "#FF9830", "#CA95E5", "#FFB357"]
BG, PANEL_BG, BORDER, TEXT, DIM, GRIDC = ("#111217", "#181b1f", "#2c3037",
                                          "#ccccdc", "#8e8e99", "#2a2d33")


def die(status, msg):
    sys.stderr.write("render.py: %s\n" % msg)
    sys.exit(status)


# --- time and durations, as Grafana writes and rounds them ------------------
UNITS_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def parse_duration(s):
    """'15s', '1m30s', '200ms' -> seconds (float); None if not one."""
    m = re.fullmatch(r"((?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y))+)", s.strip())
    if not m:
        return None
    return sum(float(n) * UNITS_S[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", s))


def parse_time(s, now):
    s = s.strip()
    m = re.fullmatch(r"now(?:([+-])(.+))?", s)
    if m:
        if not m.group(1):
            return now
        d = parse_duration(m.group(2))
        if d is None:
            raise ValueError("bad relative time %r" % s)
        return now - d if m.group(1) == "-" else now + d
    if re.fullmatch(r"\d+(\.\d+)?", s):
        return float(s)
    try:
        t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("bad time %r (now-5m, a Unix time or RFC 3339)" % s)
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.timestamp()


def round_interval(ms):
    """Grafana's rangeutil.roundInterval (milliseconds)."""
    table = [(15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500),
             (1500, 1000), (3500, 2000), (7500, 5000), (12500, 10000),
             (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
             (210000, 120000), (450000, 300000), (750000, 600000),
             (1050000, 900000), (1500000, 1200000), (2700000, 1800000),
             (5400000, 3600000), (9000000, 7200000), (16200000, 10800000),
             (32400000, 21600000), (86400000, 43200000), (604800000, 86400000),
             (1814400000, 604800000), (3628800000, 2592000000)]
    for lim, val in table:
        if ms < lim:
            return val
    return 31536000000


def hms(seconds):
    """Seconds as a PromQL duration: 1s, 200ms, 2m, 1h (whole units only)."""
    ms = int(round(seconds * 1000))
    for u, f in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms >= f and ms % f == 0:
            return "%d%s" % (ms // f, u)
    return "%dms" % max(ms, 1)


# --- Prometheus ------------------------------------------------------------
class Prom:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, params):
        url = "%s%s?%s" % (self.url, path, urllib.parse.urlencode(params, doseq=True))
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                body = r.read()
        except urllib.error.HTTPError as e:
            body = e.read()
            try:
                j = json.loads(body)
            except ValueError:
                return {"status": "error", "errorType": "http %d" % e.code,
                        "error": body[:200].decode("utf-8", "replace")}
            return j
        except (urllib.error.URLError, OSError) as e:
            die(EX_UNAVAILABLE, "cannot reach Prometheus at %s: %s" % (self.url, getattr(e, "reason", e)))
        try:
            return json.loads(body)
        except ValueError:
            die(EX_UNAVAILABLE, "%s%s: not a Prometheus API answer" % (self.url, path))


def num(v):
    """A sample value; None for NaN and infinities (drawn as gaps)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


# --- template variables ----------------------------------------------------
VAR_RE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)\]\]|\$(\w+)")


def regex_escape(v):
    return re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", v)


def var_text(values, fmt, multi):
    if not isinstance(values, list):
        values = [values]
    values = [str(v) for v in values]
    if fmt == "raw" or (len(values) == 1 and not multi):
        return values[0] if values else ""
    if fmt == "csv":
        return ",".join(values)
    if fmt == "pipe":
        return "|".join(values)
    esc = [regex_escape(v) for v in values]
    return esc[0] if len(esc) == 1 else "(" + "|".join(esc) + ")"


def substitute(text, variables):
    def rep(m):
        name = m.group(1) or m.group(3) or m.group(4)
        if name not in variables:
            return m.group(0)
        values, multi = variables[name]
        return var_text(values, m.group(2), multi)
    return VAR_RE.sub(rep, text)


def resolve_variables(dash, overrides, prom, rng):
    out = {}
    for v in dash.get("templating", {}).get("list", []):
        name, kind = v.get("name"), v.get("type", "query")
        if not name:
            continue
        multi = bool(v.get("multi") or v.get("includeAll"))
        if name in overrides:
            val = overrides[name]
            out[name] = (val.split(",") if multi else val, multi)
            continue
        cur = (v.get("current") or {}).get("value")
        if kind == "datasource":
            out[name] = (cur or v.get("query") or "prometheus", False)
            continue
        if kind == "constant":
            out[name] = (v.get("query", ""), False)
            continue
        options = [o.get("value") for o in v.get("options", []) if "value" in o]
        if kind in ("custom", "interval") and not options:
            options = [s.strip() for s in str(v.get("query", "")).split(",") if s.strip()]
        if kind == "query" and cur in (None, "", [], "$__all"):
            options = label_values(prom, v, out, rng)
        if cur in ("$__all", ["$__all"]):
            cur = v.get("allValue") or (options if options else ".*")
        if cur in (None, "", []):
            cur = (options if multi else options[:1]) or [""]
            if not multi:
                cur = cur[0]
        if kind == "interval" and cur == "auto":
            cur = "$__interval"
        out[name] = (cur, multi)
    return out


def label_values(prom, v, known, rng):
    q = v.get("query")
    if isinstance(q, dict):
        q = q.get("query", "")
    q = substitute(str(q or ""), known)
    m = re.fullmatch(r"\s*label_values\(\s*(?:(.+?)\s*,\s*)?(\w+)\s*\)\s*", q)
    if not m:
        die(EX_DATAERR, "variable %s: only label_values() queries are supported, not %r" % (v.get("name"), q))
    params = {"start": rng[0], "end": rng[1]}
    if m.group(1):
        params["match[]"] = m.group(1)
    r = prom.get("/api/v1/label/%s/values" % m.group(2), params)
    if r.get("status") != "success":
        die(EX_QUERY, "variable %s: %s: Prometheus: %s: %s" % (v.get("name"), q, r.get("errorType"), r.get("error")))
    vals = sorted(r.get("data") or [])
    rx = v.get("regex")
    if rx:
        rx = re.compile(rx.strip("/"))
        vals = [x for x in vals if rx.search(x)]
    return vals


# --- values as Grafana shows them in each unit -------------------------------
def fmt_num(v, decimals=None):
    if decimals is None:
        if v == 0:
            return "0"
        mag = math.floor(math.log10(abs(v)))
        decimals = min(max(0, 2 - mag), 6)
    s = "%.*f" % (decimals, v)
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def scaled(v, factor, suffixes, decimals):
    i = 0
    while abs(v) >= factor and i < len(suffixes) - 1:
        v /= factor
        i += 1
    return fmt_num(v, decimals) + suffixes[i]


def fmt_seconds(v, decimals):
    a = abs(v)
    if a == 0:
        return "0 s"
    if a < 1e-6:
        return fmt_num(v * 1e9, decimals) + " ns"
    if a < 1e-3:
        return fmt_num(v * 1e6, decimals) + " µs"
    if a < 1:
        return fmt_num(v * 1e3, decimals) + " ms"
    if a < 60:
        return fmt_num(v, decimals) + " s"
    if a < 3600:
        return fmt_num(v / 60, decimals) + " min"
    if a < 86400:
        return fmt_num(v / 3600, decimals) + " hour"
    return fmt_num(v / 86400, decimals) + " day"


RATE_UNITS = {"reqps": "req/s", "rps": "reads/s", "wps": "writes/s", "iops": "io/s",
              "ops": "ops/s", "opm": "ops/min", "reqpm": "req/min", "cps": "c/s", "mps": "msg/s"}
WARNED_UNITS = set()


def fmt_value(v, unit, decimals=None):
    if v is None:
        return "-"
    unit = unit or "short"
    if unit in ("short", "none", ""):
        if unit == "none":
            return fmt_num(v, decimals)
        return scaled(v, 1000, ["", " K", " Mil", " Bil", " Tri"], decimals)
    if unit == "percentunit":
        return fmt_num(v * 100, decimals) + "%"
    if unit == "percent":
        return fmt_num(v, decimals) + "%"
    if unit in RATE_UNITS:
        return scaled(v, 1000, ["", "K", "M", "B", "T"], decimals) + " " + RATE_UNITS[unit]
    if unit == "s":
        return fmt_seconds(v, decimals)
    if unit == "ms":
        return fmt_seconds(v / 1000, decimals)
    if unit in ("bytes", "decbytes"):
        if unit == "bytes":
            return scaled(v, 1024, [" B", " KiB", " MiB", " GiB", " TiB"], decimals)
        return scaled(v, 1000, [" B", " kB", " MB", " GB", " TB"], decimals)
    if unit == "dateTimeAsIso":
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(v))
    if unit.startswith("suffix:"):
        return fmt_num(v, decimals) + unit[7:]
    if unit.startswith("prefix:"):
        return unit[7:] + fmt_num(v, decimals)
    if unit not in WARNED_UNITS:
        WARNED_UNITS.add(unit)
        sys.stderr.write("render.py: warning: unit %r shown as a plain number with the unit after it\n" % unit)
    return fmt_num(v, decimals) + " " + unit


# --- reductions (legend calcs, stat and gauge) ----------------------------------
CALC_NAMES = {"lastNotNull": "Last *", "last": "Last", "firstNotNull": "First *", "first": "First",
              "mean": "Mean", "max": "Max", "min": "Min", "sum": "Total", "count": "Count",
              "range": "Range", "diff": "Difference"}


def reduce(points, calc):
    vals = [v for _, v in points]
    nn = [v for v in vals if v is not None]
    if calc == "last":
        return vals[-1] if vals else None
    if calc == "first":
        return vals[0] if vals else None
    if not nn:
        return None
    return {"lastNotNull": nn[-1], "firstNotNull": nn[0], "mean": sum(nn) / len(nn), "max": max(nn),
            "min": min(nn), "sum": sum(nn), "count": float(len(nn)), "range": max(nn) - min(nn),
            "diff": nn[-1] - nn[0]}.get(calc, nn[-1])


def threshold_colour(v, fc):
    steps = ((fc.get("thresholds") or {}).get("steps")) or [{"value": None, "color": "green"},
                                                          {"value": 80, "color": "red"}]
    colour = steps[0].get("color", "green")
    for s in steps[1:]:
        if v is not None and s.get("value") is not None and v >= s["value"]:
            colour = s.get("color", colour)
    return NAMED.get(colour, colour)


NAMED = {"green": "#73BF69", "red": "#F2495C", "yellow": "#FADE2A", "orange": "#FF9830",
         "blue": "#5794F2", "purple": "#B877D9", "dark-red": "#C4162A", "dark-green": "#37872D",
         "semi-dark-green": "#56A64B", "semi-dark-red": "#E02F44", "transparent": "none", "text": TEXT}


# --- the queries -------------------------------------------------------------
class Target:
    def __init__(self, panel, t):
        self.panel, self.t = panel, t
        self.ref = t.get("refId", "?")
        self.expr = ""
        self.series = []	# [(legend, labels, [(ts, value|None)...])]
        self.error = None


def panel_pixels(p, width):
    g = p.get("gridPos") or {}
    col = width / 24.0
    x, w = g.get("x", 0) * col, g.get("w", 12) * col
    y = g.get("y", 0) * (GRID_ROW + GRID_GAP)
    h = g.get("h", 8) * GRID_ROW + (g.get("h", 8) - 1) * GRID_GAP
    return x, y, w, h


def legend_name(fmt, labels, expr):
    if fmt and fmt != "__auto":
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), fmt).strip()
    name = labels.get("__name__", "")
    rest = ", ".join('%s="%s"' % (k, v) for k, v in sorted(labels.items()) if k != "__name__")
    if not name and not rest:
        return expr
    return "%s{%s}" % (name, rest) if rest else name


def run_target(prom, tg, variables, rng, scrape, width):
    p, t = tg.panel, tg.t
    _, _, pw, _ = panel_pixels(p, width)
    start, end = rng
    ds_low = parse_duration(substitute(str(p.get("interval") or ""), variables)) or scrape
    max_points = p.get("maxDataPoints") or max(int(pw), 1)
    interval = max(round_interval((end - start) * 1000.0 / max_points) / 1000.0, ds_low)
    min_interval = parse_duration(substitute(str(t.get("interval") or ""), variables)) or interval
    safe = (end - start) / 11000.0
    if safe > 1:
        safe = math.ceil(safe)
    step = max(interval * (t.get("intervalFactor") or 1), min_interval, safe)
    rate = max(step + scrape, 4 * scrape)
    rs = end - start
    scoped = dict(variables)
    scoped.update({
        "__interval": (hms(step), False), "__interval_ms": (str(int(step * 1000)), False),
        "__rate_interval": (hms(rate), False), "__range": (hms(rs), False),
        "__range_s": (str(int(rs)), False), "__range_ms": (str(int(rs * 1000)), False),
    })
    # a variable whose value names another ($__interval for "auto")
    tg.expr = substitute(substitute(t.get("expr", ""), scoped), scoped)
    instant = t.get("instant") and not t.get("range") or p.get("type") == "table"
    if instant:
        r = prom.get("/api/v1/query", {"query": tg.expr, "time": "%.3f" % end})
    else:
        a_start = math.floor(start / step) * step
        a_end = math.floor(end / step) * step
        r = prom.get("/api/v1/query_range", {"query": tg.expr, "start": "%.3f" % a_start,
                                             "end": "%.3f" % a_end, "step": "%g" % step})
    if r.get("status") != "success":
        tg.error = "%s: %s" % (r.get("errorType", "error"), r.get("error", "no error text"))
        return
    for w in r.get("warnings") or []:
        sys.stderr.write("render.py: warning: panel %s \"%s\" (%s): %s: %s\n"
                         % (p.get("id"), p.get("title", ""), tg.ref, tg.expr, w))
    data = r.get("data") or {}
    kind, result = data.get("resultType"), data.get("result") or []
    if kind == "scalar":
        result = [{"metric": {}, "value": result}]
        kind = "vector"
    for s in result:
        labels = s.get("metric") or {}
        if kind == "matrix":
            pts = [(float(ts), num(v)) for ts, v in s.get("values") or []]
        else:
            ts, v = s.get("value") or (end, None)
            pts = [(float(ts), num(v))]
        tg.series.append((legend_name(t.get("legendFormat"), labels, tg.expr), labels, pts))


# --- drawing -------------------------------------------------------------------
def esc(s):
    return html.escape(str(s), quote=True)


def text_w(s, size):
    return len(s) * size * 0.56


def clip(s, size, room):
    if text_w(s, size) <= room:
        return s
    n = max(int(room / (size * 0.56)) - 1, 1)
    return s[:n] + "…"


def nice_step(span, n):
    raw = span / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
              10800, 21600, 43200, 86400, 172800, 604800]


def draw_timeseries(p, targets, w, h, colour_of):
    fc = (p.get("fieldConfig") or {}).get("defaults") or {}
    custom = fc.get("custom") or {}
    unit, decimals = fc.get("unit"), fc.get("decimals")
    legend = (p.get("options") or {}).get("legend") or {}
    mode = legend.get("displayMode", "list")
    if legend.get("showLegend") is False:
        mode = "hidden"
    placement = legend.get("placement", "bottom")
    calcs = legend.get("calcs") or []
    series = [(name, pts, tg) for tg in targets for name, _, pts in tg.series]
    out = []
    body_h = h - TITLE_H
    errors = [tg for tg in targets if tg.error]
    if errors:
        msg = "%s: %s" % (errors[0].ref, errors[0].error)
        out.append('<text x="%d" y="%d" fill="#F2495C" font-size="12">%s</text>'
                   % (10, TITLE_H + 20, esc(clip(msg, 12, w - 20))))
        return "".join(out)
    if not any(v is not None for _, pts, _ in series for _, v in pts):
        out.append('<text x="%d" y="%d" fill="%s" font-size="14" text-anchor="middle">No data</text>'
                   % (w / 2, TITLE_H + body_h / 2, DIM))
        return "".join(out)
    # the legend's room
    lx = lw = lh = 0
    fs = 11
    rows = [(name, [reduce(pts, c) for c in calcs]) for name, pts, _ in series]
    # a calc column as wide as its widest value
    cw = 12 + max([text_w(fmt_value(v, unit, decimals), fs) for _, vs in rows for v in vs]
                  + [text_w(CALC_NAMES.get(c, c), fs) for c in calcs] + [30])
    if mode != "hidden" and placement == "right":
        # as wide as the longest name needs, leaving the chart at least 40%
        need = 24 + max(text_w(name, fs) for name, _ in rows) + cw * len(calcs)
        lw = max(min(need, w * 0.6), min(120, w * 0.5))
        lx = w - lw - 6
    elif mode != "hidden":
        per_row = 1 if mode == "table" else max(int((w - 20) / 170), 1)
        lh = min(((len(rows) + per_row - 1) // per_row) * 16 + (16 if mode == "table" else 0) + 4,
                 body_h * 0.4)
    px1 = lx - 12 if lw else w - 12
    py0, py1 = TITLE_H + 6, h - 22 - lh
    vals = [v for _, pts, _ in series for _, v in pts if v is not None]
    lo = fc.get("min") if fc.get("min") is not None else min(0.0, min(vals))
    hi = fc.get("max") if fc.get("max") is not None else max(vals)
    if hi <= lo:
        hi = lo + (abs(lo) if lo else 1)
    ystep = nice_step(hi - lo, max(int((py1 - py0) / 28), 2))
    if fc.get("max") is None:
        hi = math.ceil(hi / ystep - 1e-9) * ystep
    if fc.get("min") is None:
        lo = math.floor(lo / ystep + 1e-9) * ystep
    t0 = min(ts for _, pts, _ in series for ts, _ in pts)
    t1 = max(ts for _, pts, _ in series for ts, _ in pts)
    t0, t1 = min(t0, RANGE[0]), max(t1, RANGE[1])
    if t1 <= t0:
        t1 = t0 + 1

    def X(ts):
        return px0 + (ts - t0) / (t1 - t0) * (px1 - px0)

    def Y(v):
        return py1 - (v - lo) / (hi - lo) * (py1 - py0)
    # y axis: as wide as its longest label
    tick_dec = max(0, -int(math.floor(math.log10(ystep)))) if ystep < 1 else 0
    if unit == "percentunit":
        tick_dec = max(0, tick_dec - 2)
    ticks = []
    k = math.ceil(lo / ystep - 1e-9)
    while k * ystep <= hi + 1e-9:
        ticks.append((k * ystep, fmt_value(k * ystep, unit, decimals if decimals is not None else tick_dec)))
        k += 1
    px0 = 10 + max(text_w(t, 10) for _, t in ticks)
    for v, label in ticks:
        y = Y(v)
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>' % (px0, y, px1, y, GRIDC))
        out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="10" text-anchor="end">%s</text>'
                   % (px0 - 4, y + 3.5, DIM, esc(label)))
    # x axis
    need = (t1 - t0) / max((px1 - px0) / 70.0, 1)
    tstep = next((s for s in TIME_STEPS if s >= need), TIME_STEPS[-1])
    tfmt = "%H:%M:%S" if tstep < 60 else "%H:%M" if tstep < 86400 else "%m/%d"
    ts = math.ceil(t0 / tstep) * tstep
    while ts <= t1:
        x = X(ts)
        out.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>' % (x, py0, x, py1, GRIDC))
        out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="10" text-anchor="middle">%s</text>'
                   % (x, py1 + 14, DIM, time.strftime(tfmt, time.gmtime(ts))))
        ts += tstep
    # the lines: a gap where a step has no sample or the value is NaN
    width_l = custom.get("lineWidth", 1)
    fill = custom.get("fillOpacity", 0)
    for i, (name, pts, tg) in enumerate(series):
        col = colour_of(i)
        steps = [b[0] - a[0] for a, b in zip(pts, pts[1:])]
        gap = (min(steps) * 1.5) if steps else 0
        segs, cur, prev = [], [], None
        for ts, v in pts:
            if v is None or (prev is not None and ts - prev > gap):
                if cur:
                    segs.append(cur)
                cur = []
            if v is not None:
                cur.append((X(ts), Y(min(max(v, lo), hi))))
            prev = ts
        if cur:
            segs.append(cur)
        for seg in segs:
            d = " ".join("%.1f,%.1f" % xy for xy in seg)
            if len(seg) == 1:
                out.append('<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>' % (seg[0][0], seg[0][1], col))
                continue
            if fill:
                out.append('<polygon points="%.1f,%.1f %s %.1f,%.1f" fill="%s" fill-opacity="%.2f"/>'
                           % (seg[0][0], Y(max(lo, 0)), d, seg[-1][0], Y(max(lo, 0)), col, fill / 100.0))
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="%s"/>' % (d, col, width_l))
    # the legend
    if mode == "hidden":
        return "".join(out)
    if placement == "right":
        y = TITLE_H + 14
        name_room = lw - 16 - cw * len(calcs)
        if mode == "table" and calcs:
            for j, c in enumerate(calcs):
                out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="%d" text-anchor="end" font-weight="bold">%s</text>'
                           % (lx + lw - cw * (len(calcs) - 1 - j), y, "#6e9fff", fs, esc(CALC_NAMES.get(c, c))))
            y += 16
        for i, (name, vs) in enumerate(rows):
            if y > h - 6:
                out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="%d">… %d more</text>'
                           % (lx, y, DIM, fs, len(rows) - i))
                break
            out.append('<rect x="%.1f" y="%.1f" width="12" height="3" fill="%s"/>' % (lx, y - 4, colour_of(i)))
            out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="%d">%s</text>'
                       % (lx + 16, y, TEXT, fs, esc(clip(name, fs, name_room))))
            for j, v in enumerate(vs):
                out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="%d" text-anchor="end">%s</text>'
                           % (lx + lw - cw * (len(calcs) - 1 - j), y, TEXT, fs, esc(fmt_value(v, unit, decimals))))
            y += 16
    else:
        y, x = py1 + 32, 10
        for i, (name, vs) in enumerate(rows):
            label = name + "".join("  " + fmt_value(v, unit, decimals) for v in vs)
            label = clip(label, fs, (w - 40) if mode == "table" else 150)
            if y > h - 4:
                break
            out.append('<rect x="%.1f" y="%.1f" width="12" height="3" fill="%s"/>' % (x, y - 4, colour_of(i)))
            out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="%d">%s</text>' % (x + 16, y, TEXT, fs, esc(label)))
            if mode == "table" or x + 340 > w:
                x, y = 10, y + 16
            else:
                x += 170
    return "".join(out)


def reduced_values(p, targets):
    fc = (p.get("fieldConfig") or {}).get("defaults") or {}
    ro = (p.get("options") or {}).get("reduceOptions") or {}
    calc = (ro.get("calcs") or ["lastNotNull"])[0]
    return fc, [(name, reduce(pts, calc), pts) for tg in targets for name, _, pts in tg.series]


def draw_error_or_empty(targets, vals, w, h):
    errors = [tg for tg in targets if tg.error]
    if errors:
        return ('<text x="10" y="%d" fill="#F2495C" font-size="12">%s</text>'
                % (TITLE_H + 20, esc(clip("%s: %s" % (errors[0].ref, errors[0].error), 12, w - 20))))
    if not vals:
        return ('<text x="%d" y="%d" fill="%s" font-size="14" text-anchor="middle">No data</text>'
                % (w / 2, TITLE_H + (h - TITLE_H) / 2, DIM))
    return None


def draw_stat(p, targets, w, h, colour_of):
    fc, vals = reduced_values(p, targets)
    e = draw_error_or_empty(targets, vals, w, h)
    if e:
        return e
    out, n = [], len(vals)
    cw = w / n
    for i, (name, v, pts) in enumerate(vals):
        x0 = i * cw
        col = threshold_colour(v, fc)
        size = max(min((h - TITLE_H) * 0.42, cw / max(len(fmt_value(v, fc.get("unit"), fc.get("decimals"))), 1) * 1.5), 12)
        nn = [(ts, y) for ts, y in pts if y is not None]
        if len(nn) > 1:
            lo, hi = min(y for _, y in nn), max(y for _, y in nn)
            t0, t1 = nn[0][0], nn[-1][0]
            pt = " ".join("%.1f,%.1f" % (x0 + (ts - t0) / ((t1 - t0) or 1) * cw,
                                         h - 4 - (y - lo) / ((hi - lo) or 1) * (h - TITLE_H) * 0.35) for ts, y in nn)
            out.append('<polyline points="%s" fill="none" stroke="%s" stroke-opacity="0.5"/>' % (pt, col))
        if n > 1:
            out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="11" text-anchor="middle">%s</text>'
                       % (x0 + cw / 2, TITLE_H + 12, TEXT, esc(clip(name, 11, cw - 8))))
        out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="%.0f" font-weight="bold" text-anchor="middle">%s</text>'
                   % (x0 + cw / 2, TITLE_H + (h - TITLE_H) / 2 + size / 3, col, size,
                      esc(fmt_value(v, fc.get("unit"), fc.get("decimals")))))
    return "".join(out)


def draw_gauge(p, targets, w, h, colour_of):
    fc, vals = reduced_values(p, targets)
    e = draw_error_or_empty(targets, vals, w, h)
    if e:
        return e
    unit = fc.get("unit")
    lo = fc.get("min") if fc.get("min") is not None else 0.0
    dflt = 1.0 if unit == "percentunit" else 100.0 if unit == "percent" else \
        max([v for _, v, _ in vals if v is not None] + [1.0])
    hi = fc.get("max") if fc.get("max") is not None else dflt
    out, n = [], len(vals)
    cw = w / n
    for i, (name, v, _) in enumerate(vals):
        cx = i * cw + cw / 2
        r = max(min(cw * 0.4, (h - TITLE_H) * 0.6), 10)
        cy = TITLE_H + (h - TITLE_H) / 2 + r * 0.45
        frac = 0.0 if v is None else min(max((v - lo) / ((hi - lo) or 1), 0.0), 1.0)

        def pt(f):
            a = math.pi * (1 - f)
            return cx + r * math.cos(a), cy - r * math.sin(a)
        (ax, ay), (bx, by), (fx, fy) = pt(0), pt(1), pt(frac)
        out.append('<path d="M%.1f,%.1f A%.1f,%.1f 0 0 1 %.1f,%.1f" fill="none" stroke="%s" stroke-width="%.1f"/>'
                   % (ax, ay, r, r, bx, by, GRIDC, r * 0.22))
        if frac > 0:
            out.append('<path d="M%.1f,%.1f A%.1f,%.1f 0 0 1 %.1f,%.1f" fill="none" stroke="%s" stroke-width="%.1f"/>'
                       % (ax, ay, r, r, fx, fy, threshold_colour(v, fc), r * 0.22))
        out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="%.0f" font-weight="bold" text-anchor="middle">%s</text>'
                   % (cx, cy - r * 0.1, threshold_colour(v, fc), max(r * 0.35, 10), esc(fmt_value(v, unit, fc.get("decimals")))))
        if n > 1:
            out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="11" text-anchor="middle">%s</text>'
                       % (cx, cy + 16, TEXT, esc(clip(name, 11, cw - 8))))
    return "".join(out)


def draw_table(p, targets, w, h, colour_of):
    fc = (p.get("fieldConfig") or {}).get("defaults") or {}
    rows = [(labels, pts[-1][1] if pts else None) for tg in targets for _, labels, pts in tg.series]
    e = draw_error_or_empty(targets, rows, w, h)
    if e:
        return e
    cols = sorted({k for labels, _ in rows for k in labels if k != "__name__"})
    cols.append("Value")
    cw = (w - 16) / len(cols)
    out, y = [], TITLE_H + 16
    for j, c in enumerate(cols):
        out.append('<text x="%.1f" y="%.1f" fill="#6e9fff" font-size="11" font-weight="bold">%s</text>'
                   % (8 + j * cw, y, esc(clip(c, 11, cw - 6))))
    for labels, v in rows:
        y += 18
        if y > h - 4:
            break
        out.append('<line x1="8" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>' % (y - 13, w - 8, y - 13, GRIDC))
        cells = [labels.get(c, "") for c in cols[:-1]] + [fmt_value(v, fc.get("unit"), fc.get("decimals"))]
        for j, c in enumerate(cells):
            out.append('<text x="%.1f" y="%.1f" fill="%s" font-size="11">%s</text>'
                       % (8 + j * cw, y, TEXT, esc(clip(c, 11, cw - 6))))
    return "".join(out)


DRAW = {"timeseries": draw_timeseries, "graph": draw_timeseries, "stat": draw_stat,
        "singlestat": draw_stat, "gauge": draw_gauge, "table": draw_table}
RANGE = (0, 0)


def visible_panels(dash):
    """Panels as Grafana shows them: a collapsed row's panels stay hidden."""
    out = []
    for p in dash.get("panels") or []:
        out.append(p)
        if p.get("type") == "row" and not p.get("collapsed"):
            out.extend(p.get("panels") or [])
    return out


def page(dash, panels, results, width, prom_url, rng):
    height = max((panel_pixels(p, width)[1] + panel_pixels(p, width)[3] for p in panels), default=0) + 8
    top = 58
    when = "%s to %s UTC" % (time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(rng[0])),
                             time.strftime("%H:%M:%S", time.gmtime(rng[1])))
    o = ['<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
         '<title>%s</title>' % esc(dash.get("title", "dashboard")),
         '<style>body{margin:0;background:%s;color:%s;font-family:"DejaVu Sans",Arial,sans-serif}'
         '.p{position:absolute;box-sizing:border-box;background:%s;border:1px solid %s;border-radius:2px}'
         '.r{position:absolute;font-size:15px;font-weight:bold;color:%s}'
         '.t{position:absolute;left:8px;top:7px;font-size:13px;font-weight:500;white-space:nowrap;'
         'overflow:hidden;text-overflow:ellipsis}svg{display:block;font-family:inherit}'
         'h1{font-size:18px;font-weight:500;margin:0;padding:10px 12px 2px}'
         '.s{font-size:12px;color:%s;padding:0 12px}</style></head><body>'
         % (BG, TEXT, PANEL_BG, BORDER, TEXT, DIM),
         '<h1>%s</h1><div class="s">%s &#183; drawn by contrib/grafana/render.py from the Prometheus at %s '
         '(not Grafana\'s own rendering: the same panels and queries)</div>'
         % (esc(dash.get("title", "")), esc(when), esc(prom_url)),
         '<div style="position:relative;margin:%dpx 0 0 0;height:%dpx">' % (top - 48, height)]
    for p in panels:
        x, y, w, h = panel_pixels(p, width)
        x, w = x + 4, w - 8
        if p.get("type") == "row":
            o.append('<div class="r" style="left:%.0fpx;top:%.0fpx">%s</div>' % (x + 4, y + 6, esc(p.get("title", ""))))
            continue
        targets = results[id(p)]
        o.append('<div class="p" style="left:%.0fpx;top:%.0fpx;width:%.0fpx;height:%.0fpx">'
                 '<div class="t" style="width:%.0fpx">%s</div>' % (x, y, w, h, w - 16, esc(p.get("title", ""))))
        colours = {}

        def colour_of(i):
            return colours.setdefault(i, PALETTE[i % len(PALETTE)])
        o.append('<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">%s</svg></div>'
                 % (w - 2, h - 2, w - 2, h - 2, DRAW[p["type"]](p, targets, w - 2, h - 2, colour_of)))
    o.append("</div></body></html>\n")
    return "".join(o)


def main():
    global RANGE
    ap = argparse.ArgumentParser(prog="render.py", description="draw a Grafana dashboard from Prometheus")
    ap.add_argument("dashboard")
    ap.add_argument("-p", "--prometheus", default="http://127.0.0.1:9090")
    ap.add_argument("--from", dest="frm")
    ap.add_argument("--to")
    ap.add_argument("--scrape-interval", default="15s")
    ap.add_argument("--var", action="append", default=[])
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--summary")
    ap.add_argument("-o", "--output")
    try:
        a = ap.parse_args()
    except SystemExit as e:
        sys.exit(EX_USAGE if e.code else 0)
    scrape = parse_duration(a.scrape_interval)
    if not scrape:
        die(EX_USAGE, "--scrape-interval %r: not a duration (15s, 1m)" % a.scrape_interval)
    if a.width < 240:
        die(EX_USAGE, "--width %d: at least 240" % a.width)
    overrides = {}
    for v in a.var:
        if "=" not in v:
            die(EX_USAGE, "--var %r: NAME=VALUE" % v)
        k, val = v.split("=", 1)
        overrides[k] = val
    try:
        with open(a.dashboard, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        die(EX_DATAERR, "%s: %s" % (a.dashboard, e))
    if isinstance(dash, dict) and isinstance(dash.get("dashboard"), dict):
        dash = dash["dashboard"]	# an export wrapped for the HTTP API
    if not isinstance(dash, dict) or not isinstance(dash.get("panels"), list):
        die(EX_DATAERR, "%s: not a Grafana dashboard (no \"panels\" list)" % a.dashboard)
    now = time.time()
    tr = dash.get("time") or {}
    try:
        rng = (parse_time(a.frm or tr.get("from", "now-6h"), now), parse_time(a.to or tr.get("to", "now"), now))
    except ValueError as e:
        die(EX_USAGE, str(e))
    if rng[1] <= rng[0]:
        die(EX_USAGE, "the range ends before it starts")
    RANGE = rng
    prom = Prom(a.prometheus)
    panels = visible_panels(dash)
    for p in panels:
        if p.get("type") != "row" and p.get("type") not in DRAW:
            die(EX_DATAERR, "%s: panel %s \"%s\": type %r is not one render.py draws (%s)"
                % (a.dashboard, p.get("id"), p.get("title", ""), p.get("type"), ", ".join(sorted(DRAW))))
    variables = resolve_variables(dash, overrides, prom, rng)
    results, failed, summary = {}, 0, []
    for p in panels:
        if p.get("type") == "row":
            continue
        targets = []
        for t in p.get("targets") or []:
            if t.get("hide"):
                continue
            if not t.get("expr"):
                die(EX_DATAERR, "%s: panel %s \"%s\" (%s): no PromQL expr (only Prometheus targets are drawn)"
                    % (a.dashboard, p.get("id"), p.get("title", ""), t.get("refId", "?")))
            tg = Target(p, t)
            run_target(prom, tg, variables, rng, scrape, a.width)
            if tg.error:
                failed += 1
                sys.stderr.write("render.py: panel %s \"%s\" (%s): expr %s: Prometheus: %s\n"
                                 % (p.get("id"), p.get("title", ""), tg.ref, tg.expr, tg.error))
            nonempty = sum(1 for _, _, pts in tg.series if any(v is not None for _, v in pts))
            vals = [v for _, _, pts in tg.series for _, v in pts if v is not None]
            summary.append("%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s" % (
                p.get("id"), p.get("type"), tg.ref, "error" if tg.error else "ok", len(tg.series), nonempty,
                len(vals), ("%.6g" % max(vals)) if vals else "-",
                p.get("title", "").replace("\t", " "), tg.expr.replace("\t", " ").replace("\n", " ")))
            targets.append(tg)
        results[id(p)] = targets
    doc = page(dash, panels, results, a.width, a.prometheus, rng)
    try:
        if a.output:
            with open(a.output, "w", encoding="utf-8") as f:
                f.write(doc)
        else:
            sys.stdout.write(doc)
        if a.summary:
            with open(a.summary, "w", encoding="utf-8") as f:
                f.write("".join(s + "\n" for s in summary))
    except OSError as e:
        die(EX_DATAERR, "cannot write: %s" % e)
    if failed:
        die(EX_QUERY, "%d expression%s failed" % (failed, "" if failed == 1 else "s"))


if __name__ == "__main__":
    main()
