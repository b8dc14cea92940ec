/* cmd_sender.c - "ippoolctl sender status [DOMAIN] [--json]" and "sender
 * resume DOMAIN": the bounce-rate and complaint-rate guard per sender
 * domain. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounceguard.h"
#include "clock.h"
#include "ctl.h"
#include "parse.h"
#include "addr.h"

#include <jansson.h>

#define PAUSED_STATUS	1	/* sender status: a domain shown is paused */

static int
usage(void)
{
	(void) fputs("usage: ippoolctl sender status [DOMAIN] [--json]\n"
	    "       ippoolctl sender resume DOMAIN\n", stderr);
	return (EX_USAGE);
}

static void
print_status(const struct ipp_guard_status *st, const struct ipp_config *cfg)
{
	char	rate[32], block[32], resumed[32];

	ipp_guard_fmt_rate(st->rate_ppm, rate, sizeof(rate));
	ipp_guard_fmt_rate(cfg->bounce_block_ppm, block, sizeof(block));
	(void) printf("%s: %lu delivered, %lu hard bounces in 24h, bounce rate %s (block at %s with %u+ messages): %s",
	    st->domain, st->sent, st->bounced, rate, block, cfg->bounce_min,
	    st->paused ? "PAUSED" : "sending");
	if (st->resumed) {
		ipp_fmt_iso(st->resumed, resumed, sizeof(resumed));
		(void) printf(", resumed %s", resumed);
	}
	(void) printf("\n");
	/* complaints come from ippoolctl feedback: shown once it can count them */
	if (cfg->fb_key != NULL || st->complaints > 0) {
		ipp_guard_fmt_rate(st->complaint_ppm, rate, sizeof(rate));
		ipp_guard_fmt_rate(cfg->complaint_block_ppm, block, sizeof(block));
		(void) printf("%s: %lu complaints in 24h, complaint rate %s (block at %s with %u+ messages)%s\n",
		    st->domain, st->complaints, rate, block, cfg->complaint_min,
		    st->paused_complaints ? ": PAUSED" : "");
	}
}

static json_t *
status_json(const struct ipp_guard_status *st)
{
	json_t *o = json_object();
	char	rate[32], crate[32], resumed[32];

	ipp_guard_fmt_rate(st->rate_ppm, rate, sizeof(rate));
	ipp_guard_fmt_rate(st->complaint_ppm, crate, sizeof(crate));
	if (st->resumed)
		ipp_fmt_iso(st->resumed, resumed, sizeof(resumed));
	if (o == NULL || json_object_set_new(o, "domain", json_string(st->domain))
	    || json_object_set_new(o, "delivered", json_integer((json_int_t) st->sent))
	    || json_object_set_new(o, "hard_bounces", json_integer((json_int_t) st->bounced))
	    || json_object_set_new(o, "bounce_rate", json_string(rate))
	    || json_object_set_new(o, "complaints", json_integer((json_int_t) st->complaints))
	    || json_object_set_new(o, "complaint_rate", json_string(crate))
	    || json_object_set_new(o, "paused", json_boolean(st->paused))
	    || json_object_set_new(o, "paused_by", !st->paused ? json_null()
	    : json_string(st->paused_bounces ? "bounces" : "complaints"))
	    || json_object_set_new(o, "resumed", st->resumed ? json_string(resumed) : json_null())) {
		json_decref(o);
		return (NULL);
	}
	return (o);
}

struct all_arg {
	const struct ipp_config *cfg;
	unsigned long n, paused;
	json_t *arr;
	int	failed;
};

static int
all_cb(const struct ipp_guard_status *st, void *arg)
{
	struct all_arg *aa = arg;
	json_t *o;

	aa->n++;
	if (st->paused)
		aa->paused++;
	if (aa->arr == NULL) {
		print_status(st, aa->cfg);
		return (0);
	}
	if ((o = status_json(st)) == NULL || json_array_append_new(aa->arr, o) != 0)
		aa->failed = 1;
	return (0);
}

static int
print_json(json_t *arr)
{
	char   *s = json_dumps(arr, JSON_INDENT(2));

	json_decref(arr);
	if (s == NULL) {
		(void) fprintf(stderr, "ippoolctl: sender status: out of memory\n");
		return (EX_SOFTWARE);
	}
	(void) printf("%s\n", s);
	free(s);
	return (0);
}

static int
domain_arg(const char *in, char *out, size_t len)
{
	if (*in == '@')
		in++;
	if (strlen(in) >= len || !ipp_valid_hostname(in)) {
		(void) fprintf(stderr, "ippoolctl: sender: \"%s\" is not a domain\n", in);
		return (-1);
	}
	(void) strcpy(out, in);
	ipp_domain_lower(out);
	return (0);
}

int
cmd_sender(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg;
	struct ipp_guard_status st;
	struct all_arg aa;
	char	dom[256];
	int	json = 0, rc;
	json_t *o;

	if (argc >= 3 && strcmp(argv[1], "status") == 0 && strcmp(argv[argc - 1], "--json") == 0) {
		json = 1;
		argc--;
	}
	if (argc < 2)
		return (usage());
	cfg = ctl_config(ctl);
	if (strcmp(argv[1], "status") == 0 && argc == 2) {
		memset(&aa, 0, sizeof(aa));
		aa.cfg = cfg;
		if (json && (aa.arr = json_array()) == NULL)
			return (EX_SOFTWARE);
		if (ipp_guard_scan(ctl_store(ctl), cfg, ipp_now(), all_cb, &aa) < 0) {
			(void) fprintf(stderr, "ippoolctl: sender status: store failure\n");
			json_decref(aa.arr);
			return (EX_TEMPFAIL);
		}
		if (json) {
			if (aa.failed) {
				json_decref(aa.arr);
				return (EX_SOFTWARE);
			}
			if ((rc = print_json(aa.arr)) != 0)
				return (rc);
		} else if (aa.n == 0)
			(void) printf("no sender domain has deliveries or bounces on record\n");
		/* a script asks "is anything paused?" with the exit status */
		return (aa.paused ? PAUSED_STATUS : 0);
	}
	if (argc != 3 || domain_arg(argv[2], dom, sizeof(dom)) != 0)
		return (usage());
	if (strcmp(argv[1], "status") == 0) {
		if (ipp_guard_check(ctl_store(ctl), cfg, dom, ipp_now(), &st) < 0) {
			(void) fprintf(stderr, "ippoolctl: sender status: store failure\n");
			return (EX_TEMPFAIL);
		}
		if (json) {
			json_t *arr = json_array();

			if (arr == NULL || (o = status_json(&st)) == NULL
			    || json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				return (EX_SOFTWARE);
			}
			if ((rc = print_json(arr)) != 0)
				return (rc);
		} else
			print_status(&st, cfg);
		return (st.paused ? PAUSED_STATUS : 0);
	}
	if (strcmp(argv[1], "resume") == 0) {
		if (ipp_guard_resume(ctl_store(ctl), dom, ipp_now()) < 0) {
			(void) fprintf(stderr, "ippoolctl: sender resume: store failure\n");
			return (EX_TEMPFAIL);
		}
		(void) printf("%s: sending resumed; bounce counts start afresh\n", dom);
		return (0);
	}
	return (usage());
}
