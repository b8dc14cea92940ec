/* cmd_config.c - "ippoolctl config [-n]": the effective configuration,
 * every key with its value or its default (-n: only what the file sets),
 * as an ippool.conf would write it, like postconf(1) and postconf -n. */
#include "autoconfig.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl.h"

struct print {
	int	only_set;
	const char *section, *name;	/* the header printed last */
	int	any;
};

static int
print_value(void *arg, const struct ipp_config_value *v)
{
	struct print *p = arg;

	if (p->only_set && !v->set)
		return (0);
	if (p->section == NULL || strcmp(p->section, v->section) != 0
	    || (p->name == NULL) != (v->name == NULL)
	    || (v->name != NULL && strcmp(p->name, v->name) != 0)) {
		(void) printf("%s[%s%s%s]\n", p->any ? "\n" : "", v->section,
		    v->name ? " " : "", v->name ? v->name : "");
		p->section = v->section;
		p->name = v->name;
		p->any = 1;
	}
	if (v->value == NULL)
		(void) printf("# %s is not set\n", v->key);
	else
		(void) printf("%s =%s%s\n", v->key, *v->value ? " " : "", v->value);
	return (0);
}

int
cmd_config(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ NULL, 0, NULL, 0 }
	};
	struct print p;
	int	ch;

	memset(&p, 0, sizeof(p));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (ch == 'n')
			p.only_set = 1;
		else
			return (ctl_usage(ctl_find("config")));
	}
	if (optind != argc)
		return (ctl_usage(ctl_find("config")));
	if (ipp_config_values_visit(ctl->conf_file, print_value, &p, stderr) != 0)
		return (IPP_EX_CONFIG);
	return (0);
}
