/* config.c - loading ippool.conf: the reader's events (config_read.c)
 * applied to the schema (config_schema.c): sections opened, keys looked
 * up, continued values joined and set again, every error kept with its
 * line; then the cross-checks (config_check.c), and every error reported
 * as FILE:LINE, in line order, so that an administrator fixes them all in
 * one pass. */
#include "autoconfig.h"

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "parse.h"
#include "settings.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

void
conf_error(struct conf_ctx *p, int line, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (p->nerrs == p->caperrs) {
		size_t	ncap = p->caperrs ? p->caperrs * 2 : 16;
		struct conf_err *g = realloc(p->errs, ncap * sizeof(*g));

		if (g == NULL) {
			p->nomem = 1;
			return;
		}
		p->errs = g;
		p->caperrs = ncap;
	}
	p->errs[p->nerrs].line = line;
	p->errs[p->nerrs].seq = p->nerrs;
	if ((p->errs[p->nerrs].msg = strdup(buf)) == NULL) {
		p->nomem = 1;
		return;
	}
	p->nerrs++;
}

static void
section_close(struct conf_ctx *p)
{
	int	i;

	for (i = 0; i < CONF_MAX_KEYS; i++) {
		free(p->raw[i]);
		p->raw[i] = NULL;
		p->key_line[i] = 0;
		p->key_err[i] = -1;
	}
	p->last_key = -1;
}

static struct ipp_pool *
pool_new(struct conf_ctx *p, const char *name, int line)
{
	struct ipp_config *cfg = p->cfg;
	struct ipp_pool *g, *pool;
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0) {
			conf_error(p, line, "duplicate section [pool %s] (first at line %d)",
			    name, cfg->pools[i].line);
			return (NULL);
		}
	g = realloc(cfg->pools, (cfg->npools + 1) * sizeof(*g));
	if (g == NULL) {
		p->nomem = 1;
		return (NULL);
	}
	cfg->pools = g;
	pool = &cfg->pools[cfg->npools++];
	memset(pool, 0, sizeof(*pool));
	(void) strcpy(pool->name, name);
	pool->index = (int) cfg->npools;
	pool->line = line;
	if (conf_defaults(SEC_POOL, pool) != 0)
		p->nomem = 1;
	return (pool);
}

static struct ipp_isp *
isp_get(struct conf_ctx *p, const char *name, int line)
{
	struct ipp_config *cfg = p->cfg;
	struct ipp_isp *g, *isp;
	size_t	i;

	for (i = 0; i < cfg->nisps; i++) {
		isp = &cfg->isps[i];
		if (strcmp(isp->name, name) != 0)
			continue;
		if (isp->line != 0) {
			conf_error(p, line, "duplicate section [isp %s] (first at line %d)",
			    name, isp->line);
			return (NULL);
		}
		isp->line = line;	/* a built-in, overridden key by key */
		return (isp);
	}
	g = realloc(cfg->isps, (cfg->nisps + 1) * sizeof(*g));
	if (g == NULL) {
		p->nomem = 1;
		return (NULL);
	}
	cfg->isps = g;
	isp = &cfg->isps[cfg->nisps++];
	memset(isp, 0, sizeof(*isp));
	(void) strcpy(isp->name, name);
	isp->line = line;
	if (conf_defaults(SEC_ISP, isp) != 0)
		p->nomem = 1;
	return (isp);
}

/* "[name]" or "[name arg]" seen by the reader: switch section. */
static void
section_open(struct conf_ctx *p, char *text, int line)
{
	const struct conf_section *s;
	char   *arg, *end;

	section_close(p);
	p->kind = SEC_NONE;
	p->keys = NULL;
	p->base = NULL;
	p->skip = 1;
	while (*text == ' ' || *text == '\t')
		text++;
	end = text + strlen(text);
	while (end > text && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	(void) snprintf(p->secbuf, sizeof(p->secbuf), "%s", text);
	p->secname = p->secbuf;
	arg = text + strcspn(text, " \t");
	if (*arg) {
		*arg++ = '\0';
		while (*arg == ' ' || *arg == '\t')
			arg++;
	}
	for (s = conf_sections; s->name != NULL; s++)
		if (strcmp(s->name, text) == 0)
			break;
	if (s->kind == SEC_POOL)
		p->bad_pool_headers++;	/* until it opens */
	if (s->name == NULL) {
		conf_error(p, line, "unknown section [%s]", p->secbuf);
		return;
	}
	if (!s->named) {
		if (*arg) {
			conf_error(p, line, "section [%s] takes no name", text);
			return;
		}
		if (p->singleton_line[s->kind]) {
			conf_error(p, line, "duplicate section [%s] (first at line %d)",
			    text, p->singleton_line[s->kind]);
			return;
		}
		p->singleton_line[s->kind] = line;
		p->base = p->cfg;
	} else {
		if (*arg == '\0') {
			conf_error(p, line, "section [%s] needs a name: [%s NAME]", text, text);
			return;
		}
		if (!ipp_valid_name(arg, IPP_NAME_MAX)) {
			conf_error(p, line, "bad %s name \"%s\": use 1-32 characters of a-z, 0-9, _ and -",
			    text, arg);
			return;
		}
		if (s->kind == SEC_POOL
		    && (strcmp(arg, IPP_SENDER_MAP) == 0 || strcmp(arg, IPP_SENDMAIL_ROUTE_MAP) == 0)) {
			/* ippool-policyd tells its socketmaps apart by name */
			conf_error(p, line, "pool name \"%s\" is reserved: it names one of ippool-policyd's socketmaps",
			    arg);
			return;
		}
		if (s->kind == SEC_POOL)
			p->base = pool_new(p, arg, line);
		else
			p->base = isp_get(p, arg, line);
		if (p->base == NULL)
			return;
	}
	if (s->kind == SEC_POOL)
		p->bad_pool_headers--;
	p->kind = s->kind;
	p->keys = s->keys;
	p->skip = 0;
}

/* One line's event from the reader. */
static int
on_event(void *arg, const struct conf_event *ev)
{
	struct conf_ctx *p = arg;
	char	err[IPP_ERRLEN], *joined;
	int	k = -1;

	if (p->nomem)
		return (-1);
	switch (ev->kind) {
	case CONF_EV_ERROR:
		conf_error(p, ev->line, "%s", ev->text);
		return (0);
	case CONF_EV_BAD_SECTION:
		if (strncmp(ev->text, "pool", 4) == 0)
			p->bad_pool_headers++;
		p->skip = 1;
		p->keys = NULL;
		return (0);
	case CONF_EV_SECTION:
		section_open(p, ev->section, ev->line);
		return (p->nomem ? -1 : 0);
	case CONF_EV_CONT:
		if (p->skip || p->last_key < 0)
			return (0);
		k = p->last_key;
		if ((joined = malloc(strlen(p->raw[k]) + strlen(ev->value) + 2)) == NULL) {
			p->nomem = 1;
			return (-1);
		}
		(void) sprintf(joined, "%s %s", p->raw[k], ev->value);
		free(p->raw[k]);
		p->raw[k] = joined;
		break;
	case CONF_EV_KEY:
		p->last_key = -1;
		if (p->kind == SEC_NONE) {
			if (!p->skip && p->secname == NULL)
				conf_error(p, ev->line, "\"%s\" outside of any section", ev->name);
			return (0);
		}
		if (p->skip)
			return (0);
		for (k = 0; p->keys[k].name; k++)
			if (strcmp(p->keys[k].name, ev->name) == 0)
				break;
		if (p->keys[k].name == NULL) {
			conf_error(p, ev->line, "unknown key \"%s\" in section [%s]",
			    ev->name, p->secname);
			return (0);
		}
		if (p->key_line[k]) {
			conf_error(p, ev->line, "duplicate key \"%s\" in section [%s] (first at line %d)",
			    ev->name, p->secname, p->key_line[k]);
			return (0);
		}
		p->key_line[k] = ev->line;
		if ((p->raw[k] = strdup(ev->value)) == NULL) {
			p->nomem = 1;
			return (-1);
		}
		p->last_key = k;
		break;
	}
	if (p->keys[k].line_off != 0)
		*(int *) (void *) ((char *) p->base + p->keys[k].line_off) = p->key_line[k];
	/* a continued value is checked whole again: withdraw its last verdict */
	if (p->key_err[k] >= 0) {
		free(p->errs[p->key_err[k]].msg);
		p->errs[p->key_err[k]].msg = NULL;
		p->key_err[k] = -1;
	}
	if (conf_set(&p->keys[k], p->base, p->raw[k], err, sizeof(err)) != 0) {
		p->key_err[k] = (long) p->nerrs;
		conf_error(p, p->key_line[k], "%s: %s", p->keys[k].name, err);
	}
	return (0);
}

static int
precompute(struct ipp_config *cfg)
{
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if ((cfg->pools[i].xsettings = ipp_settings_encode(cfg->pools[i].name)) == NULL)
			return (-1);
	return (0);
}

/* --- public -------------------------------------------------------------- */

const char *
ipp_config_default_path(void)
{
	return (SYSCONFDIR "/ippool/ippool.conf");
}

static int
err_cmp(const void *a, const void *b)
{
	const struct conf_err *x = a, *y = b;

	if (x->line != y->line)
		return (x->line < y->line ? -1 : 1);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

struct ipp_config *
ipp_config_load(const char *file, FILE *errs)
{
	struct ipp_config *cfg;
	struct conf_ctx p;
	FILE   *fp;
	size_t	i, live;

	memset(&p, 0, sizeof(p));
	section_close(&p);
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL
	    || (cfg->file = strdup(file)) == NULL
	    || conf_defaults(SEC_NONE, cfg) != 0 || conf_builtin_isps(cfg) != 0) {
		if (errs)
			(void) fprintf(errs, "%s: out of memory\n", file);
		ipp_config_free(cfg);
		return (NULL);
	}
	p.cfg = cfg;
	if ((fp = fopen(file, "r")) == NULL) {
		if (errs)
			(void) fprintf(errs, "%s: cannot open: %s\n", file, strerror(errno));
		ipp_config_free(cfg);
		return (NULL);
	}
	p.lines = conf_read(fp, on_event, &p);
	(void) fclose(fp);
	section_close(&p);
	if (!p.nomem)
		conf_cross_check(&p);
	for (i = 0, live = 0; i < p.nerrs; i++)
		live += p.errs[i].msg != NULL;
	if (!p.nomem && live == 0 && precompute(cfg) != 0)
		p.nomem = 1;
	if (live > 0 || p.nomem) {
		qsort(p.errs, p.nerrs, sizeof(*p.errs), err_cmp);
		for (i = 0; i < p.nerrs; i++) {
			if (p.errs[i].msg == NULL)
				continue;
			if (errs)
				(void) fprintf(errs, "%s:%d: %s\n", file, p.errs[i].line,
				    p.errs[i].msg);
			free(p.errs[i].msg);
		}
		if (p.nomem && errs)
			(void) fprintf(errs, "%s: out of memory\n", file);
		free(p.errs);
		ipp_config_free(cfg);
		return (NULL);
	}
	free(p.errs);
	return (cfg);
}

void
ipp_config_free(struct ipp_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	if (cfg->attach_free != NULL)
		cfg->attach_free(cfg->attach);
	free(cfg->file);
	conf_free_section(SEC_NONE, cfg);
	for (i = 0; i < cfg->npools; i++) {
		conf_free_section(SEC_POOL, &cfg->pools[i]);
		free(cfg->pools[i].xsettings);
	}
	free(cfg->pools);
	for (i = 0; i < cfg->nisps; i++)
		conf_free_section(SEC_ISP, &cfg->isps[i]);
	free(cfg->isps);
	free(cfg->by_login);
	free(cfg->by_sender);
	free(cfg);
}

const struct ipp_pool *
ipp_config_pool(const struct ipp_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->npools; i++)
		if (strcmp(cfg->pools[i].name, name) == 0)
			return (&cfg->pools[i]);
	return (NULL);
}

const struct ipp_isp *
ipp_config_isp(const struct ipp_config *cfg, const char *name)
{
	size_t	i;

	for (i = 0; i < cfg->nisps; i++)
		if (strcmp(cfg->isps[i].name, name) == 0)
			return (&cfg->isps[i]);
	return (NULL);
}
