/* storelat.c - latency of the suppression check as ippool-milter makes it
 * at RCPT (ipp_supp_check on the canonical recipient, with the envelope
 * sender's domain), on the store a config names, for "make bench-store"
 * (bench/store.sh).  Half the lookups are of addresses of the imported
 * file (they must be found), half of addresses that are not in it (they
 * must not be), in random order; each is timed alone.
 *
 *   storelat CONF ADDRFILE [LOOKUPS [SENDER_DOMAIN]]
 *
 * ADDRFILE is the CSV the store was loaded from with "ippoolctl suppress
 * import" (a header row, the address first).  Prints one line:
 * "lookups=N p50=US p99=US p999=US max=US mean=US found=N missed=N
 * errors=N cpu_p50=US cpu_p99=US cpu_p999=US work_p50=US work_p99=US
 * work_p999=US"; exit 1 when a present address was not found or an absent
 * one was, or a lookup failed.
 *
 * The cpu_ figures are the CPU time this thread used in each lookup (the
 * store's code, its system calls and page copies; with Redis, the client's
 * side only): what is left of the wall-clock tail when waiting for a core
 * or for another process's lock is taken out.
 *
 * The work_ figures are the control: a loop of pure CPU work as long as
 * the median lookup, timed as many times the same way right after.  It
 * touches no store, so whatever its tail shows beyond its median is the
 * machine's (waiting for a core, interrupts), not the store's: under a
 * load that keeps every core busy, a lookup's p99 cannot be told apart
 * from it. */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "store.h"
#include "suppress.h"

#define WARMUP	1000		/* lookups not counted: connections, first pages */

static volatile unsigned long sink;	/* keeps the control's work */

struct probe {
	char	key[IPP_ADDR_MAX + 1];	/* canonical, as the milter keys it */
	int	present;
};

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *) a, y = *(const double *) b;

	return (x < y ? -1 : x > y);
}

/* The LOOKUPS/2 addresses to look for: a uniform sample of the file's
 * (reservoir sampling, one reading of a file of millions). */
static size_t
sample(const char *file, char **pick, size_t want, unsigned *seed)
{
	char   *line = NULL, *comma;
	size_t	cap = 0, seen = 0, j;
	ssize_t	len;
	FILE   *fp;

	if ((fp = fopen(file, "r")) == NULL)
		msg_fatal("%s: %s", file, strerror(errno));
	while ((len = getline(&line, &cap, fp)) >= 0) {
		if (memchr(line, '@', (size_t) len) == NULL)
			continue;		/* the header */
		if ((comma = strchr(line, ',')) != NULL)
			*comma = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		seen++;
		if (seen <= want)
			j = seen - 1;
		else if ((j = (size_t) rand_r(seed) % seen) >= want)
			continue;
		free(pick[j]);
		if ((pick[j] = strdup(line)) == NULL)
			msg_fatal("out of memory");
	}
	if (ferror(fp))
		msg_fatal("%s: read error", file);
	free(line);
	(void) fclose(fp);
	return (seen < want ? seen : want);
}

static double
spin(unsigned long iters)
{
	unsigned long i, x = 1;
	double	t0 = ipp_monotonic_fine();

	for (i = 0; i < iters; i++)
		x = x * 6364136223846793005UL + 1442695040888963407UL;
	sink = x;
	return ((ipp_monotonic_fine() - t0) * 1e6);
}

/* Time n runs of CPU work of `us` microseconds (the median lookup) into
 * lat and print their percentiles.  The iterations per microsecond are
 * the best of a few tries, so that preemption during the calibration
 * does not shorten the work. */
static void
control(double *lat, size_t n, double us)
{
	unsigned long iters;
	double	best = 0, t;
	size_t	i;
	int	k;

	for (k = 0; k < 20; k++)
		if ((t = 100000.0 / spin(100000)) > best)
			best = t;
	iters = (unsigned long) (best * us) + 1;
	for (i = 0; i < n; i++)
		lat[i] = spin(iters);
	qsort(lat, n, sizeof(*lat), cmp_double);
	(void) printf(" work_p50=%.1f work_p99=%.1f work_p999=%.1f",
	    lat[n / 2], lat[n * 99 / 100], lat[n * 999 / 1000]);
}

int
main(int argc, char **argv)
{
	struct ipp_config *cfg;
	struct ipp_store *st;
	struct ipp_supp s;
	struct probe *pr, tmp;
	char	err[512], absent[IPP_ADDR_MAX + 1], **pick;
	const char *sdom;
	size_t	n, half, got, i, j;
	unsigned seed = 15;
	unsigned long found = 0, missed = 0, errors = 0, wrong = 0;
	double *lat, *cpu, t0, c0, sum = 0;
	time_t	now;
	int	rc;

	if (argc < 3 || argc > 5) {
		(void) fprintf(stderr, "usage: storelat CONF ADDRFILE [LOOKUPS [SENDER_DOMAIN]]\n");
		return (64);
	}
	ipp_log_init("storelat", IPP_LOG_STDERR);
	n = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
	sdom = argc > 4 ? argv[4] : "bench.example";
	if (n < 2)
		msg_fatal("LOOKUPS must be at least 2");
	if (ipp_clock_init(err, sizeof(err)) != 0)
		msg_fatal("%s", err);
	if ((cfg = ipp_config_load(argv[1], stderr)) == NULL)
		return (78);
	if ((st = ipp_store_open(cfg, err, sizeof(err))) == NULL)
		msg_fatal("%s", err);

	half = n / 2;
	if ((pick = calloc(half, sizeof(*pick))) == NULL
	    || (pr = calloc(2 * half, sizeof(*pr))) == NULL
	    || (lat = calloc(2 * half, sizeof(*lat))) == NULL
	    || (cpu = calloc(2 * half, sizeof(*cpu))) == NULL)
		msg_fatal("out of memory");
	if ((got = sample(argv[2], pick, half, &seed)) == 0)
		msg_fatal("%s: no addresses", argv[2]);
	/* an absent address for each present one: same domain, a local part
	 * that the generator never writes */
	for (i = n = 0; i < got; i++) {
		const char *at = strrchr(pick[i], '@');

		if (ipp_addr_canon(pick[i], cfg->recipient_delimiter, pr[n].key,
		    sizeof(pr[n].key)) != 0)
			msg_fatal("%s: not an address", pick[i]);
		pr[n++].present = 1;
		(void) snprintf(absent, sizeof(absent), "absent.%zu.%.*s", i,
		    (int) (at - pick[i]), pick[i]);
		(void) snprintf(absent + strlen(absent), sizeof(absent) - strlen(absent), "%s", at);
		if (ipp_addr_canon(absent, cfg->recipient_delimiter, pr[n].key,
		    sizeof(pr[n].key)) != 0)
			msg_fatal("%s: not an address", absent);
		pr[n++].present = 0;
		free(pick[i]);
	}
	free(pick);
	for (i = n - 1; i > 0; i--) {
		j = (size_t) rand_r(&seed) % (i + 1);
		tmp = pr[i];
		pr[i] = pr[j];
		pr[j] = tmp;
	}

	now = ipp_now();
	for (i = 0; i < WARMUP; i++)
		(void) ipp_supp_check(st, pr[i % n].key, sdom, now, &s);
	for (i = 0; i < n; i++) {
		c0 = ipp_thread_cpu();
		t0 = ipp_monotonic_fine();
		rc = ipp_supp_check(st, pr[i].key, sdom, now, &s);
		lat[i] = (ipp_monotonic_fine() - t0) * 1e6;
		cpu[i] = (ipp_thread_cpu() - c0) * 1e6;
		sum += lat[i];
		if (rc < 0)
			errors++;
		else if (rc == IPP_OK)
			found++;
		else
			missed++;
		if (rc >= 0 && (rc == IPP_OK) != pr[i].present)
			wrong++;
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	(void) printf("lookups=%zu p50=%.1f p99=%.1f p999=%.1f max=%.1f mean=%.1f found=%lu missed=%lu errors=%lu",
	    n, lat[n / 2], lat[n * 99 / 100], lat[n * 999 / 1000], lat[n - 1], sum / (double) n,
	    found, missed, errors);
	qsort(cpu, n, sizeof(*cpu), cmp_double);
	(void) printf(" cpu_p50=%.1f cpu_p99=%.1f cpu_p999=%.1f",
	    cpu[n / 2], cpu[n * 99 / 100], cpu[n * 999 / 1000]);
	control(lat, n, lat[n / 2]);
	(void) printf("\n");
	if (wrong)
		(void) fprintf(stderr, "storelat: %lu lookups gave the wrong answer\n", wrong);
	free(pr);
	free(lat);
	free(cpu);
	ipp_store_close(st);
	ipp_config_free(cfg);
	return (errors || wrong ? 1 : 0);
}
