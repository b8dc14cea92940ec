/* cmd_check.c - "ippoolctl check": the configuration loads, the DKIM
 * keytable and its keys and the [unsubscribe] keys load as
 * ippool-milter's start loads them, a
 * reload as the [milter] user would succeed (the milter's SIGHUP), the
 * store opens (running recovery if a process died), and what it holds. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

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

int
cmd_check(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg;
	struct ipp_store *st;
	char	report[1024];
	size_t	i;

	(void) argv;
	if (argc != 1)
		return (ctl_usage(ctl_find("check")));
	cfg = ctl_config(ctl);
	(void) printf("config %s: ok, %zu pool%s", cfg->file, cfg->npools,
	    cfg->npools == 1 ? "" : "s");
	for (i = 0; i < cfg->npools; i++)
		(void) printf("%s %s (%zu ip%s)", i ? "," : ":", cfg->pools[i].name,
		    cfg->pools[i].nips, cfg->pools[i].nips == 1 ? "" : "s");
	(void) printf("\n");
	/* before ctl_store drops privileges: keys may be readable by root only */
	ipp_keytable_set_group(ipp_privs_run_gid(cfg->milter_user));
	if (cfg->dkim && cfg->keytable != NULL && *cfg->keytable != '\0') {
		if ((started_keys = ipp_keytable_load(cfg->keytable, NULL, stderr)) == NULL)
			return (IPP_EX_CONFIG);
		(void) printf("keytable %s: ok, %zu key%s\n", started_keys->file,
		    started_keys->nkeys, started_keys->nkeys == 1 ? "" : "s");
	}
	if (ipp_unsub_enabled(cfg, NULL)) {
		if (unsub_keys(cfg, stderr) != 0) {
			ipp_keytable_free(started_keys);
			return (IPP_EX_CONFIG);
		}
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
			return (IPP_EX_CONFIG);
		}
		if (will > 0) {
			if (ipp_daemon_reload_check(ctl->conf_file, ctl->cfg, cfg->milter_user,
			    reload_keys) != 0) {
				ipp_keytable_free(started_keys);
				return (IPP_EX_CONFIG);
			}
			(void) printf("reload as %s: ok\n", cfg->milter_user);
		}
	}
	ipp_keytable_free(started_keys);
	started_keys = NULL;
	st = ctl_store(ctl);
	if (ipp_store_check(st, report, sizeof(report)) != 0) {
		(void) fprintf(stderr, "ippoolctl: check: %s: cannot read the store\n",
		    ipp_store_describe(st));
		return (EX_TEMPFAIL);
	}
	(void) printf("store %s: ok\n", report);
	return (0);
}
