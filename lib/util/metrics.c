/* metrics.c - the metrics registry and its text exposition.  A mutex per
 * family guards its series (a milter callback updates a few series; a
 * scrape copies them out family by family), so no update waits behind a
 * whole scrape.  Series are found by a linear search: families have tens
 * of series, the warm-up gauges a few thousand at most, set once a scrape. */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

enum kind { K_COUNTER, K_GAUGE, K_HISTOGRAM };

const double ipp_metric_latency_bounds[] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
	0.5, 1, 2.5, 5, 10
};
const size_t ipp_metric_latency_nbounds =
    sizeof(ipp_metric_latency_bounds) / sizeof(ipp_metric_latency_bounds[0]);

struct series {
	char   *key;			/* label values, each NUL-terminated */
	size_t	klen;
	double	v;			/* counter, gauge; a histogram's sum */
	unsigned long long count;	/* histogram */
	unsigned long long *buckets;	/* histogram: per bound, not cumulative */
};

struct ipp_metric {
	struct ipp_metric *next;
	enum kind kind;
	char   *name, *help, *labels;
	char   *lname[IPP_METRIC_LABELS_MAX];
	size_t	nlabels;
	double *bounds;
	size_t	nbounds;
	pthread_mutex_t mu;
	struct series *s;
	size_t	n, cap;
	int	full_warned;
};

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t render_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ipp_metric *families, **families_tail = &families;

#define COLLECTORS_MAX 8
static struct {
	void	(*fn)(void *);
	void   *arg;
} collectors[COLLECTORS_MAX];
static size_t ncollectors;

static int
valid_name(const char *s)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		return (0);
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
		    || s[i] == '_' || s[i] == ':' || (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return (0);
	return (1);
}

static void
family_free(struct ipp_metric *m)
{
	size_t	i;

	for (i = 0; i < m->nlabels; i++)
		free(m->lname[i]);
	free(m->name);
	free(m->help);
	free(m->labels);
	free(m->bounds);
	free(m);
}

static struct ipp_metric *
family(enum kind kind, const char *name, const char *help, const char *labels,
    const double *bounds, size_t nbounds)
{
	struct ipp_metric *m;
	const char *p, *e;
	size_t	i;

	if (labels == NULL)
		labels = "";
	if (!valid_name(name)) {
		msg_warn("metrics: %s: not a metric name", name ? name : "(null)");
		return (NULL);
	}
	(void) pthread_mutex_lock(&reg_mu);
	for (m = families; m; m = m->next)
		if (strcmp(m->name, name) == 0)
			break;
	(void) pthread_mutex_unlock(&reg_mu);
	if (m != NULL) {
		if (m->kind != kind || strcmp(m->labels, labels) != 0) {
			msg_warn("metrics: %s registered again with another type or labels", name);
			return (NULL);
		}
		return (m);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return (NULL);
	m->kind = kind;
	if ((m->name = strdup(name)) == NULL || (m->help = strdup(help ? help : "")) == NULL
	    || (m->labels = strdup(labels)) == NULL) {
		family_free(m);
		return (NULL);
	}
	for (p = labels; *p; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if (m->nlabels == IPP_METRIC_LABELS_MAX
		    || (m->lname[m->nlabels] = strndup(p, (size_t) (e - p))) == NULL) {
			family_free(m);
			return (NULL);
		}
		if (!valid_name(m->lname[m->nlabels++]) || strcmp(m->lname[m->nlabels - 1], "le") == 0) {
			msg_warn("metrics: %s: bad label list \"%s\"", name, labels);
			family_free(m);
			return (NULL);
		}
	}
	if (kind == K_HISTOGRAM) {
		if (bounds == NULL) {
			bounds = ipp_metric_latency_bounds;
			nbounds = ipp_metric_latency_nbounds;
		}
		if ((m->bounds = calloc(nbounds ? nbounds : 1, sizeof(double))) == NULL) {
			family_free(m);
			return (NULL);
		}
		for (i = 0; i < nbounds; i++)
			m->bounds[i] = bounds[i];
		m->nbounds = nbounds;
	}
	(void) pthread_mutex_init(&m->mu, NULL);
	(void) pthread_mutex_lock(&reg_mu);
	*families_tail = m;
	families_tail = &m->next;
	(void) pthread_mutex_unlock(&reg_mu);
	return (m);
}

struct ipp_metric *
ipp_metric_counter(const char *name, const char *help, const char *labels)
{
	return (family(K_COUNTER, name, help, labels, NULL, 0));
}

struct ipp_metric *
ipp_metric_gauge(const char *name, const char *help, const char *labels)
{
	return (family(K_GAUGE, name, help, labels, NULL, 0));
}

struct ipp_metric *
ipp_metric_histogram(const char *name, const char *help, const char *labels,
    const double *bounds, size_t nbounds)
{
	return (family(K_HISTOGRAM, name, help, labels, bounds, nbounds));
}

/* The label values as one key; 0, or -1 when too long. */
static int
make_key(const struct ipp_metric *m, va_list ap, char *key, size_t size, size_t *klen)
{
	size_t	i, n = 0, l;
	const char *v;

	for (i = 0; i < m->nlabels; i++) {
		if ((v = va_arg(ap, const char *)) == NULL)
			v = "";
		l = strlen(v);
		if (n + l + 1 > size)
			return (-1);
		memcpy(key + n, v, l + 1);
		n += l + 1;
	}
	*klen = n;
	return (0);
}

/* The series of key, created if need be; called with m->mu held. */
static struct series *
find(struct ipp_metric *m, const char *key, size_t klen)
{
	struct series *s;
	size_t	i;

	for (i = 0; i < m->n; i++)
		if (m->s[i].klen == klen && memcmp(m->s[i].key, key, klen) == 0)
			return (&m->s[i]);
	if (m->n >= IPP_METRIC_SERIES_MAX) {
		if (!m->full_warned)
			msg_warn("metrics: %s has %d series, the limit: further label values are not counted",
			    m->name, IPP_METRIC_SERIES_MAX);
		m->full_warned = 1;
		return (NULL);
	}
	if (m->n == m->cap) {
		size_t	ncap = m->cap ? m->cap * 2 : 8;

		if ((s = realloc(m->s, ncap * sizeof(*s))) == NULL)
			return (NULL);
		m->s = s;
		m->cap = ncap;
	}
	s = &m->s[m->n];
	memset(s, 0, sizeof(*s));
	if ((s->key = malloc(klen ? klen : 1)) == NULL)
		return (NULL);
	memcpy(s->key, key, klen);
	s->klen = klen;
	if (m->kind == K_HISTOGRAM
	    && (s->buckets = calloc(m->nbounds + 1, sizeof(*s->buckets))) == NULL) {
		free(s->key);
		return (NULL);
	}
	m->n++;
	return (s);
}

enum op { OP_ADD, OP_SET, OP_OBSERVE };

static void
update(struct ipp_metric *m, enum op op, double v, va_list ap)
{
	char	key[2048];
	size_t	klen, i;
	struct series *s;

	if (m == NULL || make_key(m, ap, key, sizeof(key), &klen) != 0)
		return;
	(void) pthread_mutex_lock(&m->mu);
	if ((s = find(m, key, klen)) != NULL) {
		switch (op) {
		case OP_ADD:
			s->v += v;
			break;
		case OP_SET:
			s->v = v;
			break;
		case OP_OBSERVE:
			for (i = 0; i < m->nbounds && v > m->bounds[i]; i++)
				;
			s->buckets[i]++;
			s->count++;
			s->v += v;
		}
	}
	(void) pthread_mutex_unlock(&m->mu);
}

void
ipp_metric_add(struct ipp_metric *m, double delta, ...)
{
	va_list	ap;

	if (m == NULL || m->kind == K_HISTOGRAM || (m->kind == K_COUNTER && delta < 0))
		return;
	va_start(ap, delta);
	update(m, OP_ADD, delta, ap);
	va_end(ap);
}

void
ipp_metric_set(struct ipp_metric *m, double value, ...)
{
	va_list	ap;

	if (m == NULL || m->kind != K_GAUGE)
		return;
	va_start(ap, value);
	update(m, OP_SET, value, ap);
	va_end(ap);
}

void
ipp_metric_observe(struct ipp_metric *m, double value, ...)
{
	va_list	ap;

	if (m == NULL || m->kind != K_HISTOGRAM)
		return;
	va_start(ap, value);
	update(m, OP_OBSERVE, value, ap);
	va_end(ap);
}

double
ipp_metric_value(struct ipp_metric *m, ...)
{
	char	key[2048];
	size_t	klen, i;
	double	v = 0;
	va_list	ap;
	int	rc;

	if (m == NULL)
		return (0);
	va_start(ap, m);
	rc = make_key(m, ap, key, sizeof(key), &klen);
	va_end(ap);
	if (rc != 0)
		return (0);
	(void) pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->n; i++)
		if (m->s[i].klen == klen && memcmp(m->s[i].key, key, klen) == 0)
			v = m->kind == K_HISTOGRAM ? (double) m->s[i].count : m->s[i].v;
	(void) pthread_mutex_unlock(&m->mu);
	return (v);
}

void
ipp_metric_clear(struct ipp_metric *m)
{
	size_t	i;

	if (m == NULL)
		return;
	(void) pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->n; i++) {
		free(m->s[i].key);
		free(m->s[i].buckets);
	}
	m->n = 0;
	m->full_warned = 0;
	(void) pthread_mutex_unlock(&m->mu);
}

int
ipp_metrics_collector(void (*fn)(void *), void *arg)
{
	int	rc = -1;

	(void) pthread_mutex_lock(&render_mu);
	if (ncollectors < COLLECTORS_MAX) {
		collectors[ncollectors].fn = fn;
		collectors[ncollectors].arg = arg;
		ncollectors++;
		rc = 0;
	}
	(void) pthread_mutex_unlock(&render_mu);
	return (rc);
}

void
ipp_metrics_build_info(const char *program)
{
	ipp_metric_set(ipp_metric_gauge("ippool_build_info",
	    "Always 1: the program and its version.", "program,version"), 1, program,
	    PACKAGE_VERSION);
}

/* --- exposition ------------------------------------------------------------ */

struct out {
	char   *p;
	size_t	n, cap;
	int	oom;
};

static void
put(struct out *o, const char *s, size_t l)
{
	char   *g;
	size_t	ncap;

	if (o->oom)
		return;
	if (o->n + l + 1 > o->cap) {
		for (ncap = o->cap ? o->cap : 4096; ncap < o->n + l + 1; ncap *= 2)
			;
		if ((g = realloc(o->p, ncap)) == NULL) {
			o->oom = 1;
			return;
		}
		o->p = g;
		o->cap = ncap;
	}
	memcpy(o->p + o->n, s, l);
	o->n += l;
	o->p[o->n] = '\0';
}

static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* HELP text escapes \ and newline; label values " too. */
static void
put_escaped(struct out *o, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(o, "\\\\");
		else if (*s == '\n')
			puts_(o, "\\n");
		else if (quote && *s == '"')
			puts_(o, "\\\"");
		else
			put(o, s, 1);
	}
}

static void
put_number(struct out *o, double v)
{
	char	b[64];

	if (isnan(v))
		(void) snprintf(b, sizeof(b), "NaN");
	else if (isinf(v))
		(void) snprintf(b, sizeof(b), v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		(void) snprintf(b, sizeof(b), "%.0f", v);
	else
		(void) snprintf(b, sizeof(b), "%.9g", v);
	puts_(o, b);
}

/* NAME{a="x",b="y"[,le="B"]} */
static void
put_series_name(struct out *o, const struct ipp_metric *m, const char *suffix,
    const struct series *s, const char *le)
{
	const char *v = s->key;
	size_t	i;

	puts_(o, m->name);
	puts_(o, suffix);
	if (m->nlabels == 0 && le == NULL)
		return;
	puts_(o, "{");
	for (i = 0; i < m->nlabels; i++) {
		if (i > 0)
			puts_(o, ",");
		puts_(o, m->lname[i]);
		puts_(o, "=\"");
		put_escaped(o, v, 1);
		puts_(o, "\"");
		v += strlen(v) + 1;
	}
	if (le != NULL) {
		puts_(o, m->nlabels ? ",le=\"" : "le=\"");
		puts_(o, le);
		puts_(o, "\"");
	}
	puts_(o, "}");
}

static void
render_family(struct out *o, struct ipp_metric *m)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	unsigned long long cum;
	char	le[64];
	size_t	i, b;

	puts_(o, "# HELP ");
	puts_(o, m->name);
	puts_(o, " ");
	put_escaped(o, m->help, 0);
	puts_(o, "\n# TYPE ");
	puts_(o, m->name);
	puts_(o, " ");
	puts_(o, types[m->kind]);
	puts_(o, "\n");
	(void) pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->n; i++) {
		const struct series *s = &m->s[i];

		if (m->kind != K_HISTOGRAM) {
			put_series_name(o, m, "", s, NULL);
			puts_(o, " ");
			put_number(o, s->v);
			puts_(o, "\n");
			continue;
		}
		for (b = 0, cum = 0; b <= m->nbounds; b++) {
			cum += s->buckets[b];
			if (b < m->nbounds)
				(void) snprintf(le, sizeof(le), "%g", m->bounds[b]);
			else
				(void) snprintf(le, sizeof(le), "+Inf");
			put_series_name(o, m, "_bucket", s, le);
			puts_(o, " ");
			put_number(o, (double) cum);
			puts_(o, "\n");
		}
		put_series_name(o, m, "_sum", s, NULL);
		puts_(o, " ");
		put_number(o, s->v);
		puts_(o, "\n");
		put_series_name(o, m, "_count", s, NULL);
		puts_(o, " ");
		put_number(o, (double) s->count);
		puts_(o, "\n");
	}
	(void) pthread_mutex_unlock(&m->mu);
}

char *
ipp_metrics_render(size_t *len)
{
	struct out o = { NULL, 0, 0, 0 };
	struct ipp_metric *m, *first;
	size_t	i;

	(void) pthread_mutex_lock(&render_mu);
	for (i = 0; i < ncollectors; i++)
		collectors[i].fn(collectors[i].arg);
	(void) pthread_mutex_lock(&reg_mu);
	first = families;
	(void) pthread_mutex_unlock(&reg_mu);
	/* families are only ever appended: the list from first is stable */
	for (m = first; m; m = m->next)
		render_family(&o, m);
	(void) pthread_mutex_unlock(&render_mu);
	put(&o, "", 0);
	if (o.oom) {
		free(o.p);
		return (NULL);
	}
	if (len)
		*len = o.n;
	return (o.p);
}

int
ipp_metrics_write_file(const char *path, char *err, size_t errlen)
{
	char	tmp[4096], *text;
	size_t	len;
	FILE   *f;
	int	ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int) sizeof(tmp)) {
		(void) snprintf(err, errlen, "%s: path too long", path);
		return (-1);
	}
	if ((text = ipp_metrics_render(&len)) == NULL) {
		(void) snprintf(err, errlen, "%s: out of memory", path);
		return (-1);
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		(void) snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(text);
		return (-1);
	}
	ok = fwrite(text, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	free(text);
	if (!ok || rename(tmp, path) != 0) {
		(void) snprintf(err, errlen, "%s: %s", ok ? path : tmp, strerror(errno));
		(void) unlink(tmp);
		return (-1);
	}
	return (0);
}
