/* cmd_report.c - "ippoolctl report": what the pools sent over the last
 * days, per pool, IP, ISP and day (lib/mail/report.h gathers it), as a
 * table, as JSON, or as one self-contained HTML page with inline SVG
 * charts (lib/util/svg.h) that needs no network to show, in a browser or
 * in a mail. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "report.h"
#include "svg.h"
#include "warmup.h"

#define REPORT_DAYS_MAX	366

static void
fmt_date(long day, char *buf, size_t len)
{
	time_t	t = (time_t) day * 86400;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%d", &tm) == 0)
		(void) snprintf(buf, len, "day %ld", day);
}

static double
pct(unsigned long part, unsigned long whole)
{
	return (whole ? 100.0 * (double) part / (double) whole : NAN);
}

/* Attempts the rates are shares of: every result the logs gave. */
static unsigned long
attempts(const struct ipp_rep_day *d)
{
	return (d->sent + d->deferred + d->bounced);
}

static json_t *
num_or_null(unsigned long v)
{
	return (v == IPP_WU_UNLIMITED ? json_null() : json_integer((json_int_t) v));
}

static void
jset(json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		msg_fatal("out of memory");
}

static void
jappend(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		msg_fatal("out of memory");
}

static int
report_json(const struct ipp_report *r)
{
	json_t *top = json_object(), *ips = json_array(), *flows = json_array();
	char	date[32], *s;
	size_t	i, k;

	if (top == NULL || ips == NULL || flows == NULL)
		msg_fatal("out of memory");
	fmt_date(r->first, date, sizeof(date));
	jset(top, "from", json_string(date));
	fmt_date(r->first + (long) r->ndays - 1, date, sizeof(date));
	jset(top, "to", json_string(date));
	for (i = 0; i < r->nips; i++) {
		const struct ipp_rep_ip *e = &r->ips[i];
		json_t *o = json_object(), *days = json_array();

		if (o == NULL || days == NULL)
			msg_fatal("out of memory");
		jset(o, "pool", json_string(e->pool->name));
		jset(o, "ip", json_string(e->pool->ips[e->ip].text));
		jset(o, "isp", json_string(e->isp->name));
		for (k = 0; k < r->ndays; k++) {
			const struct ipp_rep_day *d = &e->d[k];
			json_t *dd = json_object();

			if (dd == NULL)
				msg_fatal("out of memory");
			fmt_date(r->first + (long) k, date, sizeof(date));
			jset(dd, "date", json_string(date));
			jset(dd, "sent", json_integer((json_int_t) d->sent));
			jset(dd, "deferred", json_integer((json_int_t) d->deferred));
			jset(dd, "bounced", json_integer((json_int_t) d->bounced));
			jset(dd, "complained", json_integer((json_int_t) d->complained));
			jset(dd, "warmup_day", d->level && e->pool->managed
			    ? json_integer(d->level) : json_null());
			jset(dd, "capacity", num_or_null(d->cap));
			jset(dd, "schedule", num_or_null(d->plan));
			jappend(days, dd);
		}
		jset(o, "days", days);
		jappend(ips, o);
	}
	for (i = 0; i < r->nflows; i++) {
		const struct ipp_rep_flow *f = &r->flows[i];
		json_t *o = json_object(), *days = json_array();

		if (o == NULL || days == NULL)
			msg_fatal("out of memory");
		jset(o, "pool", json_string(f->pool->name));
		jset(o, "isp", json_string(f->isp->name));
		jset(o, "spillover", f->pool->spill ? json_string(f->pool->spill->name) : json_null());
		for (k = 0; k < r->ndays; k++) {
			const struct ipp_rep_flow_day *d = &f->d[k];
			json_t *dd = json_object();
			double	share = pct(d->own, d->own + d->spilled);

			if (dd == NULL)
				msg_fatal("out of memory");
			fmt_date(r->first + (long) k, date, sizeof(date));
			jset(dd, "date", json_string(date));
			jset(dd, "own", json_integer((json_int_t) d->own));
			jset(dd, "spilled", json_integer((json_int_t) d->spilled));
			jset(dd, "waited", json_integer((json_int_t) d->waited));
			jset(dd, "own_share", isnan(share) ? json_null() : json_real(share / 100));
			jappend(days, dd);
		}
		jset(o, "days", days);
		jappend(flows, o);
	}
	jset(top, "ips", ips);
	jset(top, "routing", flows);
	if ((s = json_dumps(top, JSON_INDENT(2) | JSON_REAL_PRECISION(4))) == NULL)
		msg_fatal("out of memory");
	(void) printf("%s\n", s);
	free(s);
	json_decref(top);
	return (0);
}

static void
fmt_cap(unsigned long v, char *buf, size_t len)
{
	if (v == IPP_WU_UNLIMITED)
		(void) snprintf(buf, len, "-");
	else
		(void) snprintf(buf, len, "%lu", v);
}

static int
report_text(const struct ipp_report *r)
{
	char	date[32], cap[32], lvl[16], share[16];
	size_t	i, k;

	(void) printf("%-10s %-12s %-16s %-10s %4s %8s %8s %8s %10s %9s\n", "DATE", "POOL", "IP",
	    "ISP", "WDAY", "SENT", "DEFERRED", "BOUNCED", "COMPLAINED", "CAPACITY");
	for (k = 0; k < r->ndays; k++)
		for (i = 0; i < r->nips; i++) {
			const struct ipp_rep_ip *e = &r->ips[i];
			const struct ipp_rep_day *d = &e->d[k];

			if (attempts(d) == 0 && d->complained == 0 && d->level == 0)
				continue;
			fmt_date(r->first + (long) k, date, sizeof(date));
			fmt_cap(d->cap, cap, sizeof(cap));
			if (e->pool->managed && d->level)
				(void) snprintf(lvl, sizeof(lvl), "%u", d->level);
			else
				(void) strcpy(lvl, "-");
			(void) printf("%-10s %-12s %-16s %-10s %4s %8lu %8lu %8lu %10lu %9s\n", date,
			    e->pool->name, e->pool->ips[e->ip].text, e->isp->name, lvl, d->sent,
			    d->deferred, d->bounced, d->complained, cap);
		}
	if (r->nflows == 0)
		return (0);
	(void) printf("\n%-10s %-12s %-10s %8s %8s %8s %9s\n", "DATE", "POOL", "ISP", "OWN",
	    "SPILLED", "WAITED", "OWN SHARE");
	for (k = 0; k < r->ndays; k++)
		for (i = 0; i < r->nflows; i++) {
			const struct ipp_rep_flow_day *d = &r->flows[i].d[k];
			double	s = pct(d->own, d->own + d->spilled);

			if (d->own + d->spilled + d->waited == 0)
				continue;
			fmt_date(r->first + (long) k, date, sizeof(date));
			if (isnan(s))
				(void) strcpy(share, "-");
			else
				(void) snprintf(share, sizeof(share), "%.1f%%", s);
			(void) printf("%-10s %-12s %-10s %8lu %8lu %8lu %9s\n", date,
			    r->flows[i].pool->name, r->flows[i].isp->name, d->own, d->spilled,
			    d->waited, share);
		}
	return (0);
}

/* --- HTML ----------------------------------------------------------------- */

struct page {
	FILE   *fp;
	const struct ipp_report *r;
	const char **labels;		/* "11-23", ndays */
	double *buf;			/* scratch for series values */
	size_t	nbuf;
};

static double *
values(struct page *pg, size_t series)
{
	return (pg->buf + series * pg->r->ndays);
}

static double
capval(unsigned long v)
{
	return (v == IPP_WU_UNLIMITED ? NAN : (double) v);
}

static void
chart(struct page *pg, int bars, const char *title, const char *ylabel,
    const struct ipp_svg_series *s, size_t ns)
{
	struct ipp_svg_chart c;

	memset(&c, 0, sizeof(c));
	c.title = title;
	c.ylabel = ylabel;
	c.xlabels = pg->labels;
	c.nx = pg->r->ndays;
	c.s = s;
	c.ns = ns;
	(void) fputs("<div class=\"chart\">", pg->fp);
	if (bars)
		ipp_svg_bars(pg->fp, &c);
	else
		ipp_svg_line(pg->fp, &c);
	(void) fputs("</div>\n", pg->fp);
}

static void
text(FILE *fp, const char *tag, const char *s)
{
	(void) fprintf(fp, "<%s>", tag);
	ipp_svg_escape(fp, s);
	(void) fprintf(fp, "</%s>", tag);
}

static void
cell_num(FILE *fp, unsigned long v)
{
	if (v == IPP_WU_UNLIMITED)
		(void) fputs("<td>-</td>", fp);
	else
		(void) fprintf(fp, "<td>%lu</td>", v);
}

static void
cell_pct(FILE *fp, double v)
{
	if (isnan(v))
		(void) fputs("<td>-</td>", fp);
	else
		(void) fprintf(fp, "<td>%.2f%%</td>", v);
}

/* The ISPs a pool has any record at, in config order. */
static size_t
pool_isps(const struct ipp_report *r, const struct ipp_config *cfg,
    const struct ipp_pool *pool, const struct ipp_isp **out)
{
	size_t	s, i, n = 0;
	int	has;

	for (s = 0; s < cfg->nisps; s++) {
		for (i = 0, has = 0; i < r->nips && !has; i++)
			has = r->ips[i].pool == pool && r->ips[i].isp == &cfg->isps[s];
		for (i = 0; i < r->nflows && !has; i++)
			has = r->flows[i].pool == pool && r->flows[i].isp == &cfg->isps[s];
		if (has)
			out[n++] = &cfg->isps[s];
	}
	return (n);
}

static void
pool_section(struct page *pg, const struct ipp_config *cfg, const struct ipp_pool *pool)
{
	const struct ipp_report *r = pg->r;
	const struct ipp_isp **isps;
	struct ipp_svg_series s[16];
	struct ipp_rep_day sum;
	struct ipp_rep_flow_day fl;
	char	title[256];
	size_t	n, i, k, ns;
	FILE   *fp = pg->fp;

	if ((isps = calloc(cfg->nisps ? cfg->nisps : 1, sizeof(*isps))) == NULL)
		msg_fatal("out of memory");
	n = pool_isps(r, cfg, pool, isps);
	if (n == 0) {
		free(isps);
		return;
	}
	(void) fputs("<section>\n<h2>Pool ", fp);
	ipp_svg_escape(fp, pool->name);
	(void) fprintf(fp, " <small>(%s", pool->managed ? "managed" : "standard");
	if (pool->spill) {
		(void) fputs(", spills over to ", fp);
		ipp_svg_escape(fp, pool->spill->name);
	}
	(void) fputs(")</small></h2>\n", fp);

	/* totals per ISP */
	(void) fputs("<table>\n<tr><th>ISP</th><th>sent</th><th>deferred</th><th>bounced</th>"
	    "<th>complained</th><th>deferral rate</th><th>bounce rate</th><th>complaint rate</th>"
	    "<th>own IPs</th><th>spillover</th><th>waited</th><th>own share</th></tr>\n", fp);
	for (i = 0; i <= n; i++) {
		ipp_report_sum(r, pool, i < n ? isps[i] : NULL, r->ndays, &sum, &fl);
		(void) fputs(i < n ? "<tr>" : "<tr class=\"total\">", fp);
		text(fp, "td", i < n ? isps[i]->name : "all");
		cell_num(fp, sum.sent);
		cell_num(fp, sum.deferred);
		cell_num(fp, sum.bounced);
		cell_num(fp, sum.complained);
		cell_pct(fp, pct(sum.deferred, attempts(&sum)));
		cell_pct(fp, pct(sum.bounced, attempts(&sum)));
		cell_pct(fp, pct(sum.complained, sum.sent));
		cell_num(fp, fl.own);
		cell_num(fp, fl.spilled);
		cell_num(fp, fl.waited);
		cell_pct(fp, pct(fl.own, fl.own + fl.spilled));
		(void) fputs("</tr>\n", fp);
	}
	(void) fputs("</table>\n", fp);

	/* daily volume by ISP */
	ns = n < 16 ? n : 16;
	for (i = 0; i < ns; i++) {
		for (k = 0; k < r->ndays; k++) {
			ipp_report_sum(r, pool, isps[i], k, &sum, &fl);
			values(pg, i)[k] = (double) sum.sent;
		}
		s[i].name = isps[i]->name;
		s[i].v = values(pg, i);
		s[i].dashed = 0;
	}
	(void) snprintf(title, sizeof(title), "Sent per day by ISP: pool %s", pool->name);
	chart(pg, 1, title, "messages", s, ns);

	/* where the pool's mail went (a pool that only carries spillover routes nothing) */
	for (k = 0, i = 0; k < r->nflows; k++)
		i |= r->flows[k].pool == pool;
	for (k = 0; k < r->ndays && i; k++) {
		ipp_report_sum(r, pool, NULL, k, &sum, &fl);
		values(pg, 0)[k] = (double) fl.own;
		values(pg, 1)[k] = (double) fl.spilled;
		values(pg, 2)[k] = (double) fl.waited;
	}
	s[0] = (struct ipp_svg_series) { "own IPs", values(pg, 0), 0 };
	s[1] = (struct ipp_svg_series) { "spillover", values(pg, 1), 0 };
	s[2] = (struct ipp_svg_series) { "deferred for capacity", values(pg, 2), 0 };
	(void) snprintf(title, sizeof(title), "Routing decisions per day: pool %s", pool->name);
	if (i)
		chart(pg, 1, title, "recipients", s, 3);

	/* rates */
	for (k = 0; k < r->ndays; k++) {
		ipp_report_sum(r, pool, NULL, k, &sum, &fl);
		values(pg, 0)[k] = pct(sum.deferred, attempts(&sum));
		values(pg, 1)[k] = pct(sum.bounced, attempts(&sum));
		values(pg, 2)[k] = pct(sum.complained, sum.sent);
	}
	s[0] = (struct ipp_svg_series) { "deferred", values(pg, 0), 0 };
	s[1] = (struct ipp_svg_series) { "bounced", values(pg, 1), 0 };
	s[2] = (struct ipp_svg_series) { "complained", values(pg, 2), 0 };
	(void) snprintf(title, sizeof(title), "Rates per day: pool %s", pool->name);
	chart(pg, 0, title, "% of attempts", s, 3);

	/* the warm-up curve of each IP at each ISP */
	for (i = 0; i < r->nips && pool->managed; i++) {
		const struct ipp_rep_ip *e = &r->ips[i];

		if (e->pool != pool)
			continue;
		for (k = 0; k < r->ndays; k++) {
			values(pg, 0)[k] = (double) e->d[k].sent;
			values(pg, 1)[k] = capval(e->d[k].cap);
			values(pg, 2)[k] = capval(e->d[k].plan);
		}
		s[0] = (struct ipp_svg_series) { "sent", values(pg, 0), 0 };
		s[1] = (struct ipp_svg_series) { "capacity", values(pg, 1), 0 };
		s[2] = (struct ipp_svg_series) { "schedule", values(pg, 2), 1 };
		(void) snprintf(title, sizeof(title), "Warm-up: %s at %s", e->pool->ips[e->ip].text,
		    e->isp->name);
		chart(pg, 0, title, "messages", s, 3);
	}
	(void) fputs("</section>\n", fp);
	free(isps);
}

static const char style[] =
    "body{font-family:sans-serif;color:#222;margin:16px;max-width:1180px}"
    "h1{font-size:20px}h2{font-size:16px;margin-top:28px}small{color:#666;font-weight:normal}"
    "table{border-collapse:collapse;margin:8px 0;font-size:12px}"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}"
    "th:first-child,td:first-child{text-align:left}tr.total td{font-weight:bold}"
    ".chart{display:inline-block;margin:4px}p.note{color:#555;font-size:12px}";

static int
report_html(const struct ipp_report *r, const struct ipp_config *cfg, const char *file)
{
	struct page pg;
	char	from[32], to[32], stamp[32];
	size_t	p, k;
	int	bad;

	memset(&pg, 0, sizeof(pg));
	pg.r = r;
	if ((pg.fp = fopen(file, "w")) == NULL) {
		msg_warn("cannot create %s: %s", file, strerror(errno));
		return (EX_CANTCREAT);
	}
	if ((pg.labels = calloc(r->ndays, sizeof(*pg.labels))) == NULL
	    || (pg.buf = calloc(16 * r->ndays, sizeof(*pg.buf))) == NULL)
		msg_fatal("out of memory");
	for (k = 0; k < r->ndays; k++) {
		char	*l = malloc(8);

		if (l == NULL)
			msg_fatal("out of memory");
		fmt_date(r->first + (long) k, from, sizeof(from));
		(void) snprintf(l, 8, "%.5s", from + 5);	/* "11-23" */
		pg.labels[k] = l;
	}
	fmt_date(r->first, from, sizeof(from));
	fmt_date(r->first + (long) r->ndays - 1, to, sizeof(to));
	ipp_fmt_datetime(ipp_now(), stamp, sizeof(stamp));
	(void) fprintf(pg.fp, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>ippool report %s to %s</title>\n<style>%s</style>\n</head>\n<body>\n"
	    "<h1>ippool report %s to %s</h1>\n"
	    "<p class=\"note\">Made %s UTC from ", from, to, style, from, to, stamp);
	ipp_svg_escape(pg.fp, cfg->file);
	(void) fputs(". Sent, deferred and bounced are what the pool instances' logs said"
	    " (ippoolctl ingest); routing decisions are ippool-policyd's (own IPs, spillover,"
	    " deferred for capacity); rates are shares of the attempts; complaints are counted"
	    " once complaint feedback is ingested.</p>\n", pg.fp);
	if (r->nips == 0 && r->nflows == 0)
		(void) fputs("<p>Nothing recorded in these days.</p>\n", pg.fp);
	for (p = 0; p < cfg->npools; p++)
		pool_section(&pg, cfg, &cfg->pools[p]);
	(void) fputs("</body>\n</html>\n", pg.fp);
	bad = ferror(pg.fp);
	if (fclose(pg.fp) != 0)
		bad = 1;
	for (k = 0; k < r->ndays; k++)
		free((void *) pg.labels[k]);
	free(pg.labels);
	free(pg.buf);
	if (bad) {
		msg_warn("cannot write %s: %s", file, strerror(errno));
		return (EX_IOERR);
	}
	return (0);
}

int
cmd_report(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "pool", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg = ctl_config(ctl);
	const struct ipp_pool *pool = NULL;
	unsigned long long days = 7;
	const char *html = NULL;
	struct ipp_report r;
	char	err[IPP_ERRLEN];
	int	ch, json = 0, rc;

	optind = 0;	/* reinitialize: operands may come first */
	while ((ch = getopt_long(argc, argv, "+d:p:jH:", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if (ipp_parse_uint(optarg, REPORT_DAYS_MAX, &days, err, sizeof(err)) != 0
			    || days == 0) {
				(void) fprintf(stderr, "ippoolctl: --days takes 1 to %d\n", REPORT_DAYS_MAX);
				return (ctl_usage(ctl_find("report")));
			}
			break;
		case 'p':
			if ((pool = ipp_config_pool(cfg, optarg)) == NULL) {
				(void) fprintf(stderr, "ippoolctl: no pool named \"%s\"\n", optarg);
				return (EX_DATAERR);
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'H':
			html = optarg;
			break;
		default:
			return (ctl_usage(ctl_find("report")));
		}
	}
	if (optind != argc)
		return (ctl_usage(ctl_find("report")));
	if (ipp_report_gather(ctl_store(ctl), cfg, ipp_now(), (unsigned) days, pool, &r) < 0) {
		(void) fprintf(stderr, "ippoolctl: cannot read the daily statistics from the store\n");
		return (EX_TEMPFAIL);
	}
	if (html)
		rc = report_html(&r, cfg, html);
	else if (json)
		rc = report_json(&r);
	else
		rc = report_text(&r);
	if (rc == 0 && html && json)
		rc = report_json(&r);
	ipp_report_free(&r);
	return (rc);
}
