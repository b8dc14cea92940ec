/* cmd_sender.c - "ippoolctl sender status [DOMAIN]" and "sender resume
 * DOMAIN": the bounce-rate guard per sender domain. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "bounceguard.h"
#include "clock.h"
#include "ctl.h"
#include "parse.h"
#include "addr.h"

static int
usage(void)
{
	(void) fputs("usage: ippoolctl sender status [DOMAIN]\n"
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
}

struct all_arg {
	const struct ipp_config *cfg;
	unsigned long n;
};

static int
all_cb(const struct ipp_guard_status *st, void *arg)
{
	struct all_arg *aa = arg;

	print_status(st, aa->cfg);
	aa->n++;
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

	if (argc < 2)
		return (usage());
	cfg = ctl_config(ctl);
	if (strcmp(argv[1], "status") == 0 && argc == 2) {
		aa.cfg = cfg;
		aa.n = 0;
		if (ipp_guard_scan(ctl_store(ctl), cfg, ipp_now(), all_cb, &aa) < 0) {
			(void) fprintf(stderr, "ippoolctl: sender status: store failure\n");
			return (EX_TEMPFAIL);
		}
		if (aa.n == 0)
			(void) printf("no sender domain has deliveries or bounces on record\n");
		return (0);
	}
	if (argc != 3 || domain_arg(argv[2], dom, sizeof(dom)) != 0)
		return (usage());
	if (strcmp(argv[1], "status") == 0) {
		if (ipp_guard_check(ctl_store(ctl), cfg, dom, ipp_now(), &st) < 0) {
			(void) fprintf(stderr, "ippoolctl: sender status: store failure\n");
			return (EX_TEMPFAIL);
		}
		print_status(&st, cfg);
		return (0);
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
