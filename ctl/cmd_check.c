/* cmd_check.c - "ippoolctl check": the configuration loads, the DKIM
 * keytable and its keys and the [unsubscribe] keys load as
 * ippool-milter's start loads them, a
 * reload as the [milter] user would succeed (the milter's SIGHUP), the
 * store opens (running recovery if a process died), and what it holds. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "confref.h"
#include "ctl.h"
#include "daemon.h"
#include "keytable.h"
#include "privs.h"
#include "unsubtoken.h"

static struct ipp_keytable *started_keys;	/* as ippool-milter's start loads them */

/* The [unsubscribe] keys as the milter loads them (milter/attach.c). */
static int
unsub_keys(const struct ipp_config *cfg, FILE *errs)
{
	struct ipp_hmac_keys keys;
	char	err[512];
	int	rc;

	if (!ipp_unsub_enabled(cfg, NULL))
		return (0);
	if ((rc = ipp_unsub_keys_load(cfg, &keys, err, sizeof(err))) != 0)
		(void) fprintf(errs, "[unsubscribe] key: %s\n", err);
	memset(&keys, 0, sizeof(keys));
	return (rc);
}

/* The key part of the milter's reload (milter_prepare), as the user. */
static int
reload_keys(struct ipp_config *new, const struct ipp_config *old, FILE *errs)
{
	struct ipp_keytable *kt;

	(void) old;
	if (unsub_keys(new, errs) != 0)
		return (-1);
	if (!new->dkim || new->keytable == NULL || *new->keytable == '\0')
		return (0);
	if ((kt = ipp_keytable_load(new->keytable, started_keys, errs)) == NULL)
		return (-1);
	ipp_keytable_free(kt);
	return (0);
}

/* The store's report as JSON: {"backend": DESCRIPTION, "TABLE": N, ...,
 * KEY: VALUE for what else the backend reports}. */
static json_t *
store_json(const char *desc, const char *report)
{
	json_t *o = json_object();
	const char *p = report;
	char	tok[256], *eq, *end;
	size_t	n;

	if (o == NULL || json_object_set_new(o, "backend", json_string(desc)) != 0) {
		json_decref(o);
		return (NULL);
	}
	if (strncmp(p, desc, strlen(desc)) == 0 && p[strlen(desc)] == ':')
		p += strlen(desc) + 1;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if ((n = strcspn(p, " ")) == 0)
			break;
		(void) snprintf(tok, sizeof(tok), "%.*s", (int) n, p);
		p += n;
		if ((eq = strchr(tok, '=')) == NULL)
			continue;
		*eq++ = '\0';
		{
			long long v = strtoll(eq, &end, 10);

			(void) json_object_set_new(o, tok, *eq != '\0' && *end == '\0'
			    ? json_integer(v) : json_string(eq));
		}
	}
	return (o);
}

int
cmd_check(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg;
	struct ipp_store *st;
	char	report[1024];
	size_t	i;
	int	json = 0;
	json_t *out = NULL, *pools = NULL, *o;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = 1;
	else if (argc != 1) {
		if (argc == 2 && argv[1][0] == '-')
			(void) fprintf(stderr, "ippoolctl check: unknown option \"%s\"\n", argv[1]);
		return (ctl_usage(ctl_find("check")));
	}
	cfg = ctl_config(ctl);
	if (json && ((out = json_object()) == NULL || (pools = json_array()) == NULL
	    || json_object_set_new(out, "config", json_string(cfg->file)) != 0
	    || json_object_set_new(out, "pools", pools) != 0)) {
		(void) fprintf(stderr, "ippoolctl: check: out of memory\n");
		return (EX_SOFTWARE);
	}
	if (!json) {
		(void) printf("config %s: ok, %zu pool%s", cfg->file, cfg->npools,
		    cfg->npools == 1 ? "" : "s");
		for (i = 0; i < cfg->npools; i++)
			(void) printf("%s %s (%zu ip%s)", i ? "," : ":", cfg->pools[i].name,
			    cfg->pools[i].nips, cfg->pools[i].nips == 1 ? "" : "s");
		(void) printf("\n");
	} else
		for (i = 0; i < cfg->npools; i++)
			(void) json_array_append_new(pools, json_pack("{s:s, s:I}", "name",
			    cfg->pools[i].name, "ips", (json_int_t) cfg->pools[i].nips));
	/* before ctl_store drops privileges: keys may be readable by root only */
	ipp_keytable_set_group(ipp_privs_run_gid(cfg->milter_user));
	if (cfg->dkim && cfg->keytable != NULL && *cfg->keytable != '\0') {
		if ((started_keys = ipp_keytable_load(cfg->keytable, NULL, stderr)) == NULL) {
			json_decref(out);
			return (IPP_EX_CONFIG);
		}
		if (json)
			(void) json_object_set_new(out, "keytable", json_pack("{s:s, s:I}",
			    "file", started_keys->file, "keys", (json_int_t) started_keys->nkeys));
		else
			(void) printf("keytable %s: ok, %zu key%s\n", started_keys->file,
			    started_keys->nkeys, started_keys->nkeys == 1 ? "" : "s");
	} else if (json)
		(void) json_object_set_new(out, "keytable", json_null());
	if (ipp_unsub_enabled(cfg, NULL)) {
		if (unsub_keys(cfg, stderr) != 0) {
			ipp_keytable_free(started_keys);
			json_decref(out);
			return (IPP_EX_CONFIG);
		}
		if (json)
			(void) json_object_set_new(out, "unsubscribe_key", json_pack("{s:s, s:b}",
			    "file", cfg->unsub_key, "old_key", cfg->unsub_old_key != NULL));
		else
			(void) printf("unsubscribe key %s: ok%s\n", cfg->unsub_key,
			    cfg->unsub_old_key ? ", and old_key" : "");
	}
	/* what ippool-milter's SIGHUP does, as the user it runs as by then */
	{
		uid_t	uid;
		gid_t	gid;
		char	err[512];
		int	will = ipp_privs_target(cfg->milter_user, &uid, &gid, err, sizeof(err));

		if (will < 0) {
			(void) fprintf(stderr, "ippoolctl: check: %s\n", err);
			ipp_keytable_free(started_keys);
			json_decref(out);
			return (IPP_EX_CONFIG);
		}
		if (will > 0) {
			if (ipp_daemon_reload_check(ctl->conf_file, ctl->cfg, cfg->milter_user,
			    reload_keys) != 0) {
				ipp_keytable_free(started_keys);
				json_decref(out);
				return (IPP_EX_CONFIG);
			}
			if (!json)
				(void) printf("reload as %s: ok\n", cfg->milter_user);
		}
		if (json)
			(void) json_object_set_new(out, "reload_as", will > 0
			    ? json_string(cfg->milter_user) : json_null());
	}
	ipp_keytable_free(started_keys);
	started_keys = NULL;
	st = ctl_store(ctl);
	if (ipp_store_check(st, report, sizeof(report)) != 0) {
		(void) fprintf(stderr, "ippoolctl: check: %s: cannot read the store\n",
		    ipp_store_describe(st));
		json_decref(out);
		return (EX_TEMPFAIL);
	}
	if (!json) {
		(void) printf("store %s: ok\n", report);
		return (0);
	}
	if ((o = store_json(ipp_store_describe(st), report)) == NULL
	    || json_object_set_new(out, "store", o) != 0
	    || json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
		json_decref(out);
		(void) fprintf(stderr, "ippoolctl: check: out of memory\n");
		return (EX_SOFTWARE);
	}
	(void) printf("\n");
	json_decref(out);
	return (0);
}
