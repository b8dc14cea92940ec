/* config_print.c - the effective configuration, key by key, as text: what
 * "ippoolctl config" prints, like postconf(1).  The file is loaded (and so
 * checked) first, then read again for the text of each key it sets; every
 * other key has the schema's default text.  Named sections come in the
 * file's order, the built-in [isp NAME] sections first. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

struct psec {
	const struct conf_section *schema;
	char   *arg;			/* [pool ARG]; NULL for unnamed sections */
	char   *val[CONF_MAX_KEYS];	/* the file's text; NULL: not set */
};

struct pctx {
	struct psec *secs;
	size_t	n, cap;
	struct psec *cur;		/* NULL: outside, or a section we skip */
	int	last;			/* key index of the line above, for continuations */
	int	nomem;
};

static struct psec *
psec_add(struct pctx *p, const struct conf_section *schema, const char *arg)
{
	struct psec *s;

	if (p->n == p->cap) {
		size_t	ncap = p->cap ? p->cap * 2 : 16;
		struct psec *g = realloc(p->secs, ncap * sizeof(*g));

		if (g == NULL)
			return (NULL);
		p->secs = g;
		p->cap = ncap;
	}
	s = &p->secs[p->n];
	memset(s, 0, sizeof(*s));
	s->schema = schema;
	if (arg != NULL && (s->arg = strdup(arg)) == NULL)
		return (NULL);
	p->n++;
	return (s);
}

static const struct conf_section *
schema_of(const char *name, size_t len)
{
	const struct conf_section *s;

	for (s = conf_sections; s->name != NULL; s++)
		if (strlen(s->name) == len && strncmp(s->name, name, len) == 0)
			return (s);
	return (NULL);
}

static int
key_index(const struct conf_section *s, const char *name)
{
	int	i;

	for (i = 0; s->keys[i].name != NULL; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return (i);
	return (-1);
}

/* The file was loaded without an error: every section and key is known. */
static int
on_event(void *arg, const struct conf_event *ev)
{
	struct pctx *p = arg;
	const struct conf_section *schema;
	const char *sp, *a;
	char   *joined;
	size_t	i;

	switch (ev->kind) {
	case CONF_EV_SECTION:
		sp = ev->section + strcspn(ev->section, " \t");
		p->cur = NULL;
		p->last = -1;
		if ((schema = schema_of(ev->section, (size_t) (sp - ev->section))) == NULL)
			return (0);
		a = sp + strspn(sp, " \t");
		if (!schema->named)
			a = NULL;
		/* [isp gmail] adds to the built-in one */
		for (i = 0; a != NULL && i < p->n; i++)
			if (p->secs[i].schema == schema && strcmp(p->secs[i].arg, a) == 0)
				p->cur = &p->secs[i];
		for (i = 0; a == NULL && i < p->n; i++)
			if (p->secs[i].schema == schema)
				p->cur = &p->secs[i];
		if (p->cur == NULL && (p->cur = psec_add(p, schema, a)) == NULL) {
			p->nomem = 1;
			return (-1);
		}
		return (0);
	case CONF_EV_KEY:
		p->last = -1;
		if (p->cur == NULL || (p->last = key_index(p->cur->schema, ev->name)) < 0)
			return (0);
		free(p->cur->val[p->last]);
		if ((p->cur->val[p->last] = strdup(ev->value)) == NULL) {
			p->nomem = 1;
			return (-1);
		}
		return (0);
	case CONF_EV_CONT:
		if (p->cur == NULL || p->last < 0 || p->cur->val[p->last] == NULL)
			return (0);
		/* as the loader joins them */
		if ((joined = malloc(strlen(p->cur->val[p->last]) + strlen(ev->value) + 2)) == NULL) {
			p->nomem = 1;
			return (-1);
		}
		(void) sprintf(joined, "%s %s", p->cur->val[p->last], ev->value);
		free(p->cur->val[p->last]);
		p->cur->val[p->last] = joined;
		return (0);
	default:
		return (0);
	}
}

int
ipp_config_values_visit(const char *file,
    int (*fn)(void *, const struct ipp_config_value *), void *arg, FILE *errs)
{
	struct ipp_config *cfg;
	const struct conf_section *s;
	const char *name;
	struct pctx p;
	FILE   *fp;
	size_t	i, j;
	int	k, rc = 0;

	if ((cfg = ipp_config_load(file, errs)) == NULL)
		return (-1);
	memset(&p, 0, sizeof(p));
	p.last = -1;
	/* the unnamed sections in the schema's order, then the built-in ISPs */
	for (s = conf_sections; s->name != NULL && !p.nomem; s++)
		if (!s->named && psec_add(&p, s, NULL) == NULL)
			p.nomem = 1;
	s = schema_of("isp", 3);
	for (i = 0; (name = conf_builtin_isp(i, NULL)) != NULL && !p.nomem; i++)
		if (psec_add(&p, s, name) == NULL)
			p.nomem = 1;
	ipp_config_free(cfg);
	if (!p.nomem) {
		if ((fp = fopen(file, "r")) == NULL) {
			if (errs != NULL)
				(void) fprintf(errs, "%s: cannot open: %s\n", file, strerror(errno));
			rc = -1;
		} else {
			(void) conf_read(fp, on_event, &p);
			(void) fclose(fp);
		}
	}
	if (p.nomem) {
		if (errs != NULL)
			(void) fprintf(errs, "%s: out of memory\n", file);
		rc = -1;
	}
	for (i = 0; i < p.n && rc == 0; i++) {
		const struct psec *ps = &p.secs[i];

		for (k = 0; ps->schema->keys[k].name != NULL && rc == 0; k++) {
			const struct conf_key *key = &ps->schema->keys[k];
			struct ipp_config_value v;

			v.section = ps->schema->name;
			v.name = ps->arg;
			v.key = key->name;
			v.set = ps->val[k] != NULL;
			v.value = v.set ? ps->val[k] : key->def;
			if (!v.set && ps->arg != NULL && ps->schema->kind == SEC_ISP)
				for (j = 0; (name = conf_builtin_isp(j, NULL)) != NULL; j++)
					if (strcmp(name, ps->arg) == 0
					    && conf_builtin_isp(j, key->name) != NULL)
						v.value = conf_builtin_isp(j, key->name);
			v.restart = (key->flags & CF_RESTART) != 0;
			rc = fn(arg, &v);
		}
	}
	for (i = 0; i < p.n; i++) {
		free(p.secs[i].arg);
		for (j = 0; j < CONF_MAX_KEYS; j++)
			free(p.secs[i].val[j]);
	}
	free(p.secs);
	return (rc);
}
