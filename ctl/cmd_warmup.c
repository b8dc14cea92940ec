/* cmd_warmup.c - "ippoolctl warmup": the warm-up state of every pool IP at
 * every ISP (status), importing an IP that is already warm (set),
 * starting over (reset), what a daily volume would do over the coming
 * days (simulate, the same engine on states in memory; as a table, JSON
 * or SVG charts), and which ISP a
 * domain counts as (classify). */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "printable.h"
#include "isp.h"
#include "log.h"
#include "svg.h"
#include "warmup.h"

#define SIM_VOLUME_MAX	10000000UL
#define SIM_DAYS_MAX	366

static const char *
isp_arg(const struct ipp_config *cfg, const char *name)
{
	if (ipp_config_isp(cfg, name) == NULL) {
		(void) fprintf(stderr, "ippoolctl: no ISP named \"%s\" (see [isp] and the built-ins)\n",
		    name);
		return (NULL);	/* callers exit EX_DATAERR */
	}
	return (name);
}

/* The pool an address belongs to, and its index. */
static const struct ipp_pool *
ip_pool(const struct ipp_config *cfg, const char *text, size_t *idx)
{
	struct ipp_ip ip;
	char	err[IPP_ERRLEN];
	size_t	p, i;

	if (ipp_parse_ip(text, &ip, err, sizeof(err)) != 0)
		return (NULL);
	for (p = 0; p < cfg->npools; p++)
		for (i = 0; i < cfg->pools[p].nips; i++)
			if (ipp_ip_equal(&ip, &cfg->pools[p].ips[i])) {
				*idx = i;
				return (&cfg->pools[p]);
			}
	return (NULL);
}

static void
fmt_day(const struct ipp_config *cfg, const struct ipp_wu_row *r, char *buf, size_t len)
{
	size_t	n;

	(void) ipp_wu_schedule(cfg, r->isp, &n);
	if (!r->pool->managed)
		(void) snprintf(buf, len, "-");
	else if (r->st.level > n)
		(void) snprintf(buf, len, "warm");
	else
		(void) snprintf(buf, len, "%u/%zu", r->st.level, n);
}

static int
status(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "isp", required_argument, NULL, 'i' },
		{ "pool", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg = ctl_config(ctl);
	const char *isp = NULL, *pool = NULL;
	struct ipp_wu_row *rows;
	json_t *arr = NULL;
	time_t	now = ipp_now();
	size_t	n, i;
	int	ch, json = 0;

	optind = 0;	/* reinitialize: operands may come first */
	while ((ch = getopt_long(argc, argv, "+i:p:j", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			if ((isp = isp_arg(cfg, optarg)) == NULL)
				return (EX_DATAERR);
			break;
		case 'p':
			if (ipp_config_pool(cfg, optarg) == NULL) {
				(void) fprintf(stderr, "ippoolctl: no pool named \"%s\"\n", optarg);
				return (EX_DATAERR);
			}
			pool = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return (EX_USAGE);
		}
	}
	if (optind != argc)
		return (EX_USAGE);
	if (ipp_wu_store_snapshot(ctl_store(ctl), cfg, now, &rows, &n) < 0) {
		(void) fprintf(stderr, "ippoolctl: cannot read the warm-up state from the store\n");
		return (EX_TEMPFAIL);
	}
	if (json && (arr = json_array()) == NULL)
		msg_fatal("out of memory");
	if (!json)
		(void) printf("%-12s %-16s %-10s %-6s %8s %8s %10s  %s\n", "POOL", "IP", "ISP", "DAY",
		    "SENT", "RESERVED", "CAPACITY", "PAUSED UNTIL");
	for (i = 0; i < n; i++) {
		const struct ipp_wu_row *r = &rows[i];
		unsigned long cap = ipp_wu_capacity(cfg, r->pool, r->isp, &r->st);
		int	paused = ipp_wu_paused(r->pool, &r->st, now);
		char	day[32], capbuf[32], until[40];

		if ((isp && strcmp(r->isp->name, isp) != 0) || (pool && strcmp(r->pool->name, pool) != 0))
			continue;
		fmt_day(cfg, r, day, sizeof(day));
		if (json) {
			json_t *o = json_object();

			if (paused)
				ipp_fmt_iso(r->st.pause_until, until, sizeof(until));
			if (o == NULL || json_object_set_new(o, "pool", json_string(r->pool->name))
			    || json_object_set_new(o, "ip", json_string(r->pool->ips[r->ip].text))
			    || json_object_set_new(o, "isp", json_string(r->isp->name))
			    || json_object_set_new(o, "mode", json_string(r->pool->managed ? "managed" : "standard"))
			    || json_object_set_new(o, "day", r->pool->managed ? json_integer(r->st.level) : json_null())
			    || json_object_set_new(o, "warm", json_boolean(strcmp(day, "warm") == 0))
			    || json_object_set_new(o, "sent", json_integer((json_int_t) r->st.sent))
			    || json_object_set_new(o, "reserved", json_integer((json_int_t) r->st.reserved))
			    || json_object_set_new(o, "capacity", cap == IPP_WU_UNLIMITED ? json_null()
			    : json_integer((json_int_t) cap))
			    || json_object_set_new(o, "paused_until", paused ? json_string(until) : json_null())
			    || json_array_append_new(arr, o))
				msg_fatal("out of memory");
			continue;
		}
		if (cap == IPP_WU_UNLIMITED)
			(void) strcpy(capbuf, "unlimited");
		else
			(void) snprintf(capbuf, sizeof(capbuf), "%lu", cap);
		if (paused) {
			ipp_fmt_datetime(r->st.pause_until, until, sizeof(until));
			(void) strcat(until, " UTC");
		} else {
			(void) strcpy(until, "-");
		}
		(void) printf("%-12s %-16s %-10s %-6s %8lu %8lu %10s  %s\n", r->pool->name,
		    r->pool->ips[r->ip].text, r->isp->name, day, r->st.sent, r->st.reserved, capbuf,
		    until);
	}
	free(rows);
	if (json) {
		char   *s = json_dumps(arr, JSON_INDENT(2));

		if (s == NULL)
			msg_fatal("out of memory");
		(void) printf("%s\n", s);
		free(s);
		json_decref(arr);
	}
	return (0);
}

static int
set_day(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "day", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg = ctl_config(ctl);
	const struct ipp_pool *pool;
	unsigned long long day = 0;
	char	err[IPP_ERRLEN];
	size_t	idx, s;
	int	ch, done = 0;

	optind = 0;	/* reinitialize: operands may come first */
	while ((ch = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		if (ch != 'd' || ipp_parse_uint(optarg, 100000, &day, err, sizeof(err)) != 0 || day == 0) {
			(void) fprintf(stderr, "ippoolctl: --day takes a warm-up day from 1%s%s\n",
			    ch == 'd' ? ": " : "", ch == 'd' ? optarg : "");
			return (EX_USAGE);
		}
	}
	if (argc - optind != 2 || day == 0) {
		return (EX_USAGE);
	}
	if ((pool = ip_pool(cfg, argv[optind], &idx)) == NULL) {
		(void) fprintf(stderr, "ippoolctl: %s is not an address of any pool in %s\n",
		    argv[optind], cfg->file);
		return (EX_DATAERR);
	}
	if (!pool->managed) {
		(void) fprintf(stderr, "ippoolctl: %s is in standard pool %s, which has no warm-up\n",
		    argv[optind], pool->name);
		return (EX_DATAERR);
	}
	if (strcmp(argv[optind + 1], "all") != 0 && isp_arg(cfg, argv[optind + 1]) == NULL)
		return (EX_DATAERR);
	for (s = 0; s < cfg->nisps; s++) {
		const struct ipp_isp *isp = &cfg->isps[s];

		if (strcmp(argv[optind + 1], "all") != 0 && strcmp(argv[optind + 1], isp->name) != 0)
			continue;
		if (ipp_wu_store_set(ctl_store(ctl), cfg, &pool->ips[idx], isp, (unsigned) day,
		    ipp_now()) != IPP_OK) {
			(void) fprintf(stderr, "ippoolctl: cannot write to the store\n");
			return (EX_TEMPFAIL);
		}
		(void) printf("%s (pool %s) at %s: warm-up day %llu from today\n",
		    pool->ips[idx].text, pool->name, isp->name, day);
		done++;
	}
	return (done ? 0 : EX_DATAERR);
}

static int
reset(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg = ctl_config(ctl);
	const char *ip = NULL, *isp = NULL;
	struct ipp_ip norm;
	char	err[IPP_ERRLEN];
	long	n;

	if (argc > 3)
		return (EX_USAGE);
	if (argc >= 2) {
		if (ipp_parse_ip(argv[1], &norm, err, sizeof(err)) != 0) {
			(void) fprintf(stderr, "ippoolctl: %s\n", err);
			return (EX_DATAERR);
		}
		ip = norm.text;
	}
	if (argc == 3 && (isp = isp_arg(cfg, argv[2])) == NULL)
		return (EX_DATAERR);
	if ((n = ipp_wu_store_reset(ctl_store(ctl), ip, isp)) < 0) {
		(void) fprintf(stderr, "ippoolctl: cannot write to the store\n");
		return (EX_TEMPFAIL);
	}
	(void) printf("%ld warm-up record%s removed: %s start again at day 1\n", n,
	    n == 1 ? "" : "s", ip ? "that IP's ISPs" : "every IP and ISP");
	return (0);
}

/* --- simulate: the engine on states in memory ------------------------------- */

struct simrec {
	const struct ipp_ip *ip;
	const struct ipp_isp *isp;
	struct ipp_wu_state st;
};

struct sim {
	struct simrec *r;
	size_t	n, cap;
};

static struct simrec *
sim_find(struct sim *s, const struct ipp_ip *ip, const struct ipp_isp *isp)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (s->r[i].ip == ip && s->r[i].isp == isp)
			return (&s->r[i]);
	return (NULL);
}

static int
sim_load(void *ctx, const struct ipp_ip *ip, const struct ipp_isp *isp, long today,
    struct ipp_wu_state *st)
{
	struct simrec *r = sim_find(ctx, ip, isp);

	if (r)
		*st = r->st;
	else
		ipp_wu_fresh(st, today);
	return (IPP_OK);
}

static int
sim_save(void *ctx, const struct ipp_ip *ip, const struct ipp_isp *isp,
    const struct ipp_wu_state *st)
{
	struct sim *s = ctx;
	struct simrec *r = sim_find(s, ip, isp), *g;

	if (r == NULL) {
		if (s->n == s->cap) {
			if ((g = realloc(s->r, (s->cap + 16) * sizeof(*g))) == NULL)
				return (IPP_ERR);
			s->r = g;
			s->cap += 16;
		}
		r = &s->r[s->n++];
		r->ip = ip;
		r->isp = isp;
	}
	r->st = *st;
	return (IPP_OK);
}

/* One simulated day at one ISP: per IP what it sent, its capacity and
 * warm-up day; what spilled over and what waits for the next day. */
struct simday {
	unsigned long *sent, *cap;
	unsigned *level;
	unsigned long spilled, deferred;
};

struct simrun {
	const struct ipp_pool *pool;
	const struct ipp_isp *isp;
	size_t	days;
	struct simday *d;
};

/* The engine on fresh states in memory: `volume` a day offered to pool at
 * isp for `days` days, deferred ones offered again the next day. */
static void
sim_run(const struct ipp_config *cfg, const struct ipp_pool *pool, const struct ipp_isp *isp,
    unsigned long volume, size_t days, time_t start, struct simrun *run)
{
	struct sim s = { NULL, 0, 0 };
	struct ipp_wu_io io = { sim_load, sim_save, &s };
	struct ipp_wu_decision d;
	unsigned long backlog = 0, offered, m;
	size_t	day, i, ncol = pool->nips;

	run->pool = pool;
	run->isp = isp;
	run->days = days;
	if ((run->d = calloc(days, sizeof(*run->d))) == NULL)
		msg_fatal("out of memory");
	for (day = 0; day < days; day++) {
		struct simday *sd = &run->d[day];
		time_t	now = start + (time_t) day * 86400;
		long	today = ipp_day(now);
		struct ipp_wu_state st;

		if ((sd->sent = calloc(ncol, sizeof(*sd->sent))) == NULL
		    || (sd->cap = calloc(ncol, sizeof(*sd->cap))) == NULL
		    || (sd->level = calloc(ncol, sizeof(*sd->level))) == NULL)
			msg_fatal("out of memory");
		offered = backlog + volume;
		for (m = 0; m < offered; m++) {
			if (ipp_wu_route(cfg, &io, pool, isp, now, &d) != IPP_OK)
				msg_fatal("out of memory");
			if (d.kind == IPP_WU_DEFER) {
				/* nothing changes before tomorrow: the rest waits too */
				sd->deferred = offered - m;
				break;
			}
			if (d.kind == IPP_WU_SPILL) {
				sd->spilled++;
				if (!d.pool->managed) {
					/* an uncapped spillover pool takes the rest */
					sd->spilled += offered - m - 1;
					break;
				}
				continue;
			}
			sd->sent[d.ip]++;
		}
		backlog = sd->deferred;
		for (i = 0; i < ncol; i++) {
			(void) sim_load(&s, &pool->ips[i], isp, today, &st);
			ipp_wu_roll(cfg, isp, &st, today);
			sd->cap[i] = ipp_wu_capacity(cfg, pool, isp, &st);
			sd->level[i] = st.level;
		}
	}
	free(s.r);
}

static void
sim_free(struct simrun *run)
{
	size_t	i;

	for (i = 0; i < run->days; i++) {
		free(run->d[i].sent);
		free(run->d[i].cap);
		free(run->d[i].level);
	}
	free(run->d);
}

static void
sim_text(const struct simrun *run, unsigned long volume)
{
	const struct ipp_pool *pool = run->pool, *spill = pool->spill;
	char	cell[64], lvl[16];
	size_t	day, i;

	(void) printf("pool %s (%s) at %s: %lu messages offered a day from fresh IPs;"
	    " deferred ones are offered again the next day\n", pool->name,
	    pool->managed ? "managed" : "standard", run->isp->name, volume);
	(void) printf("cells: sent/capacity (warm-up day); spillover to %s\n\n",
	    spill ? spill->name : "none");
	(void) printf("%-5s", "DAY");
	for (i = 0; i < pool->nips; i++)
		(void) printf(" %-22s", pool->ips[i].text);
	(void) printf(" %10s %10s\n", "SPILLED", "DEFERRED");
	for (day = 0; day < run->days; day++) {
		const struct simday *sd = &run->d[day];

		(void) printf("%-5zu", day + 1);
		for (i = 0; i < pool->nips; i++) {
			if (pool->managed)
				(void) snprintf(lvl, sizeof(lvl), " (d%u)", sd->level[i]);
			else
				lvl[0] = '\0';
			if (sd->cap[i] == IPP_WU_UNLIMITED)
				(void) snprintf(cell, sizeof(cell), "%lu/-%s", sd->sent[i], lvl);
			else
				(void) snprintf(cell, sizeof(cell), "%lu/%lu%s", sd->sent[i], sd->cap[i], lvl);
			(void) printf(" %-22s", cell);
		}
		(void) printf(" %10lu %10lu\n", sd->spilled, sd->deferred);
	}
}

static void
jadd(json_t *o, const char *k, json_t *v)
{
	if (v == NULL || json_object_set_new(o, k, v) != 0)
		msg_fatal("out of memory");
}

static json_t *
sim_json(const struct simrun *run, unsigned long volume)
{
	const struct ipp_pool *pool = run->pool;
	json_t *o = json_object(), *days = json_array();
	size_t	day, i;

	if (o == NULL || days == NULL)
		msg_fatal("out of memory");
	jadd(o, "pool", json_string(pool->name));
	jadd(o, "mode", json_string(pool->managed ? "managed" : "standard"));
	jadd(o, "isp", json_string(run->isp->name));
	jadd(o, "volume", json_integer((json_int_t) volume));
	jadd(o, "spillover", pool->spill ? json_string(pool->spill->name) : json_null());
	for (day = 0; day < run->days; day++) {
		const struct simday *sd = &run->d[day];
		json_t *dd = json_object(), *ips = json_array();

		if (dd == NULL || ips == NULL)
			msg_fatal("out of memory");
		jadd(dd, "day", json_integer((json_int_t) day + 1));
		for (i = 0; i < pool->nips; i++) {
			json_t *ip = json_object();

			if (ip == NULL)
				msg_fatal("out of memory");
			jadd(ip, "ip", json_string(pool->ips[i].text));
			jadd(ip, "sent", json_integer((json_int_t) sd->sent[i]));
			jadd(ip, "capacity", sd->cap[i] == IPP_WU_UNLIMITED ? json_null()
			    : json_integer((json_int_t) sd->cap[i]));
			jadd(ip, "warmup_day", pool->managed ? json_integer(sd->level[i]) : json_null());
			if (json_array_append_new(ips, ip) != 0)
				msg_fatal("out of memory");
		}
		jadd(dd, "ips", ips);
		jadd(dd, "spilled", json_integer((json_int_t) sd->spilled));
		jadd(dd, "deferred", json_integer((json_int_t) sd->deferred));
		if (json_array_append_new(days, dd) != 0)
			msg_fatal("out of memory");
	}
	jadd(o, "days", days);
	return (o);
}

#define SIM_SVG_W	720
#define SIM_SVG_H	280

/* Two charts per ISP: the daily volume by IP with what spilled over and
 * what waited, stacked; and each IP's capacity, the warm-up curve. */
static void
sim_svg(FILE *fp, const struct simrun *run, int y)
{
	const struct ipp_pool *pool = run->pool;
	struct ipp_svg_series *s;
	struct ipp_svg_chart c;
	const char **labels;
	double *v;
	size_t	ns = pool->nips + 2, day, i;
	char	title[160], **names;

	if ((s = calloc(ns, sizeof(*s))) == NULL || (names = calloc(ns, sizeof(*names))) == NULL
	    || (v = calloc(ns * run->days, sizeof(*v))) == NULL
	    || (labels = calloc(run->days, sizeof(*labels))) == NULL)
		msg_fatal("out of memory");
	for (day = 0; day < run->days; day++) {
		char	*l = malloc(24);

		if (l == NULL)
			msg_fatal("out of memory");
		(void) snprintf(l, 24, "%zu", day + 1);
		labels[day] = l;
		for (i = 0; i < pool->nips; i++)
			v[i * run->days + day] = (double) run->d[day].sent[i];
		v[pool->nips * run->days + day] = (double) run->d[day].spilled;
		v[(pool->nips + 1) * run->days + day] = (double) run->d[day].deferred;
	}
	for (i = 0; i < ns; i++) {
		s[i].name = i < pool->nips ? pool->ips[i].text : i == pool->nips
		    ? "spilled over" : "waits for the next day";
		s[i].v = v + i * run->days;
	}
	memset(&c, 0, sizeof(c));
	(void) snprintf(title, sizeof(title), "Planned daily volume: pool %s at %s", pool->name,
	    run->isp->name);
	c.title = title;
	c.ylabel = "messages";
	c.xlabels = labels;
	c.nx = run->days;
	c.s = s;
	c.ns = ns;
	c.width = SIM_SVG_W;
	c.height = SIM_SVG_H;
	ipp_svg_at(fp, y);
	ipp_svg_bars(fp, &c);
	ipp_svg_end_at(fp);
	/* the capacity of each IP: NAN past the schedule (no cap) */
	for (day = 0; day < run->days; day++)
		for (i = 0; i < pool->nips; i++)
			v[i * run->days + day] = run->d[day].cap[i] == IPP_WU_UNLIMITED ? NAN
			    : (double) run->d[day].cap[i];
	for (i = 0; i < pool->nips; i++) {
		size_t	n = strlen(pool->ips[i].text) + 12;

		if ((names[i] = malloc(n)) == NULL)
			msg_fatal("out of memory");
		(void) snprintf(names[i], n, "%s capacity", pool->ips[i].text);
		s[i].name = names[i];
	}
	(void) snprintf(title, sizeof(title), "Warm-up capacity: pool %s at %s", pool->name,
	    run->isp->name);
	c.ns = pool->nips;
	ipp_svg_at(fp, y + SIM_SVG_H);
	ipp_svg_line(fp, &c);
	ipp_svg_end_at(fp);
	for (day = 0; day < run->days; day++)
		free((void *) labels[day]);
	for (i = 0; i < ns; i++)
		free(names[i]);
	free(labels);
	free(names);
	free(v);
	free(s);
}

static int
simulate(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "volume", required_argument, NULL, 'v' },
		{ "days", required_argument, NULL, 'd' },
		{ "isp", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "svg", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg = ctl_config(ctl);
	const struct ipp_pool *pool;
	const struct ipp_isp *isps[16];
	unsigned long long volume = 0, days = 30;
	struct simrun runs[16];
	const char *svg = NULL;
	char	err[IPP_ERRLEN];
	time_t	start = ipp_wu_next_day(ipp_now()) + 12 * 3600;
	size_t	nisps = 0, i;
	json_t *arr = NULL;
	FILE   *fp;
	int	ch, json = 0, bad;

	optind = 0;	/* reinitialize: operands may come first */
	while ((ch = getopt_long(argc, argv, "v:d:i:js:", opts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			if (ipp_parse_uint(optarg, SIM_VOLUME_MAX, &volume, err, sizeof(err)) != 0) {
				(void) fprintf(stderr, "ippoolctl: --volume: %s\n", err);
				return (EX_USAGE);
			}
			break;
		case 'd':
			if (ipp_parse_uint(optarg, SIM_DAYS_MAX, &days, err, sizeof(err)) != 0 || days == 0) {
				(void) fprintf(stderr, "ippoolctl: --days takes 1 to %d\n", SIM_DAYS_MAX);
				return (EX_USAGE);
			}
			break;
		case 'i':
			/* each --isp is simulated on its own: the states are per ISP */
			if (isp_arg(cfg, optarg) == NULL)
				return (EX_DATAERR);
			if (nisps == sizeof(isps) / sizeof(isps[0])) {
				(void) fprintf(stderr, "ippoolctl: at most %zu --isp\n", nisps);
				return (EX_USAGE);
			}
			isps[nisps++] = ipp_config_isp(cfg, optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 's':
			svg = optarg;
			break;
		default:
			return (EX_USAGE);
		}
	}
	if (argc - optind != 1 || volume == 0)
		return (EX_USAGE);
	if ((pool = ipp_config_pool(cfg, argv[optind])) == NULL) {
		(void) fprintf(stderr, "ippoolctl: no pool named \"%s\"\n", argv[optind]);
		return (EX_DATAERR);
	}
	if (nisps == 0) {
		if (isp_arg(cfg, "gmail") == NULL)
			return (EX_DATAERR);
		isps[nisps++] = ipp_config_isp(cfg, "gmail");
	}
	for (i = 0; i < nisps; i++)
		sim_run(cfg, pool, isps[i], (unsigned long) volume, (size_t) days, start, &runs[i]);
	if (json && (arr = json_array()) == NULL)
		msg_fatal("out of memory");
	for (i = 0; i < nisps; i++) {
		if (json) {
			if (json_array_append_new(arr, sim_json(&runs[i], (unsigned long) volume)) != 0)
				msg_fatal("out of memory");
		} else if (svg == NULL) {
			if (i > 0)
				(void) printf("\n");
			sim_text(&runs[i], (unsigned long) volume);
		}
	}
	if (json) {
		char   *js = json_dumps(arr, JSON_INDENT(2));

		if (js == NULL)
			msg_fatal("out of memory");
		(void) printf("%s\n", js);
		free(js);
		json_decref(arr);
	}
	bad = 0;
	if (svg != NULL) {
		if ((fp = fopen(svg, "w")) == NULL) {
			(void) fprintf(stderr, "ippoolctl: cannot create %s: %s\n", svg, strerror(errno));
			bad = EX_CANTCREAT;
		} else {
			ipp_svg_begin(fp, SIM_SVG_W, (int) nisps * 2 * SIM_SVG_H);
			for (i = 0; i < nisps; i++)
				sim_svg(fp, &runs[i], (int) i * 2 * SIM_SVG_H);
			ipp_svg_end(fp);
			if (ferror(fp) | (fclose(fp) != 0)) {
				(void) fprintf(stderr, "ippoolctl: cannot write %s: %s\n", svg,
				    strerror(errno));
				bad = EX_IOERR;
			}
		}
	}
	for (i = 0; i < nisps; i++)
		sim_free(&runs[i]);
	return (bad);
}

static int
classify(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg = ctl_config(ctl);
	struct ipp_isp_result r;
	json_t *arr = NULL;
	char	safe[1200];
	int	i, json = 0, opts = 1, n = 0;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
	if (json && (arr = json_array()) == NULL)
		return (EX_SOFTWARE);
	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && strcmp(argv[i], "--json") == 0)
			continue;
		if (opts && argv[i][0] == '-') {
			(void) fprintf(stderr, "ippoolctl: warmup classify: unknown option \"%s\"\n",
			    argv[i]);
			json_decref(arr);
			return (EX_USAGE);
		}
		n++;
		(void) ipp_isp_classify(cfg, argv[i], ipp_now(), &r);
		if (json) {
			(void) json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}",
			    "domain", ipp_printable_str(argv[i], safe, sizeof(safe)),
			    "isp", r.isp->name, "how", ipp_isp_how_name(r.how),
			    "detail", ipp_printable_str(r.detail, safe + 600, 600)));
			continue;
		}
		(void) printf("%s %s (%s%s)\n", argv[i], r.isp->name,
		    r.how == IPP_ISP_NOMATCH ? "no match: " : r.how == IPP_ISP_DNSFAIL
		    ? "DNS failure: " : "", ipp_printable_str(r.detail, safe, sizeof(safe)));
	}
	if (n == 0) {
		json_decref(arr);
		return (EX_USAGE);
	}
	if (json) {
		if (json_dumpf(arr, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
			json_decref(arr);
			return (EX_SOFTWARE);
		}
		(void) printf("\n");
		json_decref(arr);
	}
	return (0);
}

static int
usage(void)
{
	(void) fprintf(stderr,
	    "usage: ippoolctl warmup status [--isp ISP] [--pool POOL] [--json]\n"
	    "       ippoolctl warmup set IP ISP|all --day N\n"
	    "       ippoolctl warmup reset [IP [ISP]]\n"
	    "       ippoolctl warmup simulate POOL --volume N [--isp ISP]... [--days D]\n"
	    "                [--json] [--svg FILE]\n"
	    "       ippoolctl warmup classify [--json] DOMAIN|ADDRESS...\n");
	return (EX_USAGE);
}

int
cmd_warmup(struct ctl *ctl, int argc, char **argv)
{
	static const struct {
		const char *name;
		int	(*run)(struct ctl *, int, char **);
	} subs[] = {
		{ "status", status },
		{ "set", set_day },
		{ "reset", reset },
		{ "simulate", simulate },
		{ "classify", classify },
	};
	size_t	i;
	int	rc;

	if (argc < 2)
		return (usage());
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			rc = subs[i].run(ctl, argc - 1, argv + 1);
			return (rc == EX_USAGE ? usage() : rc);
		}
	(void) fprintf(stderr, "ippoolctl: unknown warmup command \"%s\"\n", argv[1]);
	return (usage());
}
