/* report.c - the daily history of daystats.h matched to the config for
 * "ippoolctl report" (see report.h).  Records of IPs or ISPs no longer
 * configured are left out: the report is about the pools as they are. */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daystats.h"
#include "report.h"
#include "warmup.h"

/* The configured pool and index of an address text (the first pool that has it). */
static const struct ipp_pool *
ip_pool(const struct ipp_config *cfg, const char *text, size_t *idx)
{
	size_t	p, i;

	for (p = 0; p < cfg->npools; p++)
		for (i = 0; i < cfg->pools[p].nips; i++)
			if (strcmp(cfg->pools[p].ips[i].text, text) == 0) {
				*idx = i;
				return (&cfg->pools[p]);
			}
	return (NULL);
}

static struct ipp_rep_ip *
ip_series(struct ipp_report *r, const struct ipp_pool *pool, size_t ip,
    const struct ipp_isp *isp)
{
	size_t	i;

	for (i = 0; i < r->nips; i++)
		if (r->ips[i].pool == pool && r->ips[i].ip == ip && r->ips[i].isp == isp)
			return (&r->ips[i]);
	return (NULL);
}

static struct ipp_rep_flow *
flow_series(struct ipp_report *r, const struct ipp_pool *pool, const struct ipp_isp *isp)
{
	size_t	i;

	for (i = 0; i < r->nflows; i++)
		if (r->flows[i].pool == pool && r->flows[i].isp == isp)
			return (&r->flows[i]);
	return (NULL);
}

/* The series of every configured triple that has records, in config order. */
static int
make_ip_series(struct ipp_report *r, const struct ipp_config *cfg,
    const struct ipp_pool *only, const struct ipp_day_ip *recs, size_t nrecs)
{
	const struct ipp_pool *pool;
	const struct ipp_isp *isp;
	unsigned char *seen;
	size_t	p, i, s, k, idx, slot, total = 0;

	for (p = 0; p < cfg->npools; p++)
		total += cfg->pools[p].nips * cfg->nisps;
	if ((seen = calloc(total ? total : 1, 1)) == NULL)
		return (IPP_ERR);
	for (k = 0; k < nrecs; k++) {
		if ((pool = ip_pool(cfg, recs[k].ip, &idx)) == NULL
		    || (isp = ipp_config_isp(cfg, recs[k].isp)) == NULL)
			continue;
		for (p = 0, slot = 0; &cfg->pools[p] != pool; p++)
			slot += cfg->pools[p].nips * cfg->nisps;
		seen[slot + idx * cfg->nisps + (size_t) (isp - cfg->isps)] = 1;
	}
	if ((r->ips = calloc(total ? total : 1, sizeof(*r->ips))) == NULL) {
		free(seen);
		return (IPP_ERR);
	}
	for (p = 0, slot = 0; p < cfg->npools; p++)
		for (i = 0; i < cfg->pools[p].nips; i++)
			for (s = 0; s < cfg->nisps; s++, slot++) {
				struct ipp_rep_ip *e;

				if (!seen[slot] || (only && only != &cfg->pools[p]))
					continue;
				e = &r->ips[r->nips++];
				e->pool = &cfg->pools[p];
				e->ip = i;
				e->isp = &cfg->isps[s];
				if ((e->d = calloc(r->ndays, sizeof(*e->d))) == NULL) {
					free(seen);
					return (IPP_ERR);
				}
				for (k = 0; k < r->ndays; k++)
					e->d[k].cap = e->d[k].plan = IPP_WU_UNLIMITED;
			}
	free(seen);
	return (IPP_OK);
}

/* What the schedule promised: from the first day with a known warm-up day
 * on, one warm-up day more each day. */
static void
make_plan(const struct ipp_config *cfg, struct ipp_rep_ip *e, size_t ndays)
{
	size_t	k, k0;

	if (!e->pool->managed)
		return;
	for (k0 = 0; k0 < ndays && e->d[k0].level == 0; k0++)
		;
	for (k = k0; k < ndays; k++)
		e->d[k].plan = ipp_wu_schedule_cap(cfg, e->isp,
		    e->d[k0].level + (unsigned) (k - k0));
}

int
ipp_report_gather(struct ipp_store *store, const struct ipp_config *cfg, time_t now,
    unsigned days, const struct ipp_pool *only, struct ipp_report *r)
{
	struct ipp_day_ip *recs = NULL;
	struct ipp_day_route *routes = NULL;
	const struct ipp_pool *pool;
	const struct ipp_isp *isp;
	size_t	nrecs = 0, nroutes = 0, k, idx;
	long	today = ipp_day(now);
	int	rc;

	memset(r, 0, sizeof(*r));
	r->ndays = days ? days : 1;
	r->first = today - (long) r->ndays + 1;
	if ((rc = ipp_day_collect(store, r->first, today, &recs, &nrecs, &routes, &nroutes)) < 0)
		return (rc);
	if ((rc = make_ip_series(r, cfg, only, recs, nrecs)) < 0)
		goto out;
	for (k = 0; k < nrecs; k++) {
		struct ipp_rep_ip *e;
		struct ipp_rep_day *d;

		if ((pool = ip_pool(cfg, recs[k].ip, &idx)) == NULL
		    || (isp = ipp_config_isp(cfg, recs[k].isp)) == NULL
		    || (e = ip_series(r, pool, idx, isp)) == NULL)
			continue;
		d = &e->d[recs[k].day - r->first];
		d->sent = recs[k].sent;
		d->deferred = recs[k].deferred;
		d->bounced = recs[k].bounced;
		d->complained = recs[k].complained;
		d->level = recs[k].level;
		d->cap = pool->managed && recs[k].level ? recs[k].cap : IPP_WU_UNLIMITED;
	}
	for (k = 0; k < r->nips; k++)
		make_plan(cfg, &r->ips[k], r->ndays);
	if ((r->flows = calloc(nroutes ? nroutes : 1, sizeof(*r->flows))) == NULL) {
		rc = IPP_ERR;
		goto out;
	}
	/* the routing records in config order of pool, then ISP */
	for (idx = 0; idx < cfg->npools * cfg->nisps; idx++) {
		pool = &cfg->pools[idx / cfg->nisps];
		isp = &cfg->isps[idx % cfg->nisps];
		if (only && only != pool)
			continue;
		for (k = 0; k < nroutes; k++) {
			struct ipp_rep_flow *f;

			if (strcmp(routes[k].pool, pool->name) != 0 || strcmp(routes[k].isp, isp->name) != 0)
				continue;
			if ((f = flow_series(r, pool, isp)) == NULL) {
				f = &r->flows[r->nflows++];
				f->pool = pool;
				f->isp = isp;
				if ((f->d = calloc(r->ndays, sizeof(*f->d))) == NULL) {
					rc = IPP_ERR;
					goto out;
				}
			}
			f->d[routes[k].day - r->first].own = routes[k].own;
			f->d[routes[k].day - r->first].spilled = routes[k].spilled;
			f->d[routes[k].day - r->first].waited = routes[k].waited;
		}
	}
	rc = IPP_OK;
out:
	free(recs);
	free(routes);
	if (rc < 0)
		ipp_report_free(r);
	return (rc);
}

void
ipp_report_free(struct ipp_report *r)
{
	size_t	i;

	for (i = 0; r->ips && i < r->nips; i++)
		free(r->ips[i].d);
	for (i = 0; r->flows && i < r->nflows; i++)
		free(r->flows[i].d);
	free(r->ips);
	free(r->flows);
	memset(r, 0, sizeof(*r));
}

void
ipp_report_sum(const struct ipp_report *r, const struct ipp_pool *pool,
    const struct ipp_isp *isp, size_t k, struct ipp_rep_day *sum,
    struct ipp_rep_flow_day *flow)
{
	size_t	i, j, lo = k < r->ndays ? k : 0, hi = k < r->ndays ? k + 1 : r->ndays;

	memset(sum, 0, sizeof(*sum));
	memset(flow, 0, sizeof(*flow));
	for (i = 0; i < r->nips; i++) {
		if (r->ips[i].pool != pool || (isp && r->ips[i].isp != isp))
			continue;
		for (j = lo; j < hi; j++) {
			sum->sent += r->ips[i].d[j].sent;
			sum->deferred += r->ips[i].d[j].deferred;
			sum->bounced += r->ips[i].d[j].bounced;
			sum->complained += r->ips[i].d[j].complained;
			if (r->ips[i].d[j].cap != IPP_WU_UNLIMITED && sum->cap != IPP_WU_UNLIMITED)
				sum->cap += r->ips[i].d[j].cap;
			else
				sum->cap = IPP_WU_UNLIMITED;
		}
	}
	for (i = 0; i < r->nflows; i++) {
		if (r->flows[i].pool != pool || (isp && r->flows[i].isp != isp))
			continue;
		for (j = lo; j < hi; j++) {
			flow->own += r->flows[i].d[j].own;
			flow->spilled += r->flows[i].d[j].spilled;
			flow->waited += r->flows[i].d[j].waited;
		}
	}
}
