/* cmd_ingest.c - "ippoolctl ingest [--follow] FILE...": read Postfix logs
 * and apply each line once (lib/ingest/ingest.c).  With --follow it keeps reading
 * like "tail -F": appended lines are picked up, a rotated or truncated
 * file is finished and then reopened, and a half-written last line waits
 * for its newline. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "ingest.h"
#include "log.h"

#define READ_CHUNK	65536
#define LINE_LIMIT	(64 * 1024)	/* a longer "line" is not a log line */
#define POLL_US		250000

struct logfile {
	const char *path;
	int	fd;
	dev_t	dev;
	ino_t	ino;
	off_t	offset;			/* bytes consumed */
	unsigned long lineno;
	char   *buf;			/* a partial line carried over */
	size_t	len, cap;
	int	overlong;		/* discarding the rest of an overlong line */
};

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
	(void) sig;
	stop_requested = 1;
}

static int
open_log(struct logfile *lf, int quiet)
{
	struct stat st;

	if ((lf->fd = open(lf->path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (!quiet)
			msg_warn("ingest: cannot open %s: %s", lf->path, strerror(errno));
		return (-1);
	}
	if (fstat(lf->fd, &st) != 0) {
		(void) close(lf->fd);
		lf->fd = -1;
		return (-1);
	}
	lf->dev = st.st_dev;
	lf->ino = st.st_ino;
	lf->offset = 0;
	lf->lineno = 0;
	lf->len = 0;
	lf->overlong = 0;
	return (0);
}

/* Apply the complete lines in buf; keep a trailing partial line. */
static int
consume(struct ctl *ctl, struct logfile *lf, struct ipp_ingest_stats *st, int final)
{
	char	where[1100];
	size_t	start = 0, i;
	int	rc = 0;

	for (i = 0; i < lf->len; i++) {
		if (lf->buf[i] != '\n')
			continue;
		lf->lineno++;
		if (lf->overlong) {
			lf->overlong = 0;
		} else {
			(void) snprintf(where, sizeof(where), "%s:%lu", lf->path, lf->lineno);
			if (ipp_ingest_line(ctl->store, ctl->cfg, lf->buf + start, i - start,
			    where, st) < 0)
				rc = -1;
		}
		start = i + 1;
	}
	if (final && start < lf->len && !lf->overlong) {
		/* the file will not grow any more: its last line counts as it is */
		lf->lineno++;
		(void) snprintf(where, sizeof(where), "%s:%lu", lf->path, lf->lineno);
		if (ipp_ingest_line(ctl->store, ctl->cfg, lf->buf + start, lf->len - start,
		    where, st) < 0)
			rc = -1;
		start = lf->len;
	}
	(void) memmove(lf->buf, lf->buf + start, lf->len - start);
	lf->len -= start;
	if (lf->len >= LINE_LIMIT) {
		msg_warn("%s:%lu: line longer than %d bytes skipped", lf->path,
		    lf->lineno + 1, LINE_LIMIT);
		st->read++;
		st->skipped++;
		lf->len = 0;
		lf->overlong = 1;
	}
	return (rc);
}

/* Read what is there now; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
read_some(struct ctl *ctl, struct logfile *lf, struct ipp_ingest_stats *st, int *failed)
{
	ssize_t	n;

	if (lf->cap - lf->len < READ_CHUNK) {
		size_t	ncap = lf->len + READ_CHUNK * 2;
		char   *g = realloc(lf->buf, ncap);

		if (g == NULL)
			msg_fatal("out of memory");
		lf->buf = g;
		lf->cap = ncap;
	}
	do {
		n = read(lf->fd, lf->buf + lf->len, READ_CHUNK);
	} while (n < 0 && errno == EINTR && !stop_requested);
	if (n < 0) {
		msg_warn("ingest: read %s: %s", lf->path, strerror(errno));
		return (-1);
	}
	if (n > 0) {
		lf->len += (size_t) n;
		lf->offset += n;
		if (consume(ctl, lf, st, 0) < 0)
			*failed = 1;
	}
	return (n);
}

/* --follow: has the path been rotated away from, or truncated under, us? */
static int
rotated(struct logfile *lf)
{
	struct stat st, cur;

	if (stat(lf->path, &st) != 0)
		return (0);		/* gone for now: keep the old file */
	if (st.st_dev != lf->dev || st.st_ino != lf->ino)
		return (1);
	if (fstat(lf->fd, &cur) == 0 && cur.st_size < lf->offset)
		return (1);		/* truncated in place (copytruncate) */
	return (0);
}

static void
summary(const struct ipp_ingest_stats *st)
{
	(void) printf("ingest: %lu lines read, %lu applied, %lu already applied, %lu ignored, %lu skipped",
	    st->read, st->applied, st->duplicate, st->ignored, st->skipped);
	if (st->failed)
		(void) printf(", %lu NOT applied (store failure)", st->failed);
	(void) printf("\n");
	(void) fflush(stdout);
}

int
cmd_ingest(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct ipp_ingest_stats st;
	struct logfile *files;
	struct sigaction sa;
	int	ch, follow = 0, nfiles, i, failed = 0, opened = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (ch == 'f')
			follow = 1;
		else
			return (ctl_usage(ctl_find("ingest")));
	}
	if (optind >= argc)
		return (ctl_usage(ctl_find("ingest")));
	(void) ctl_config(ctl);
	(void) ctl_store(ctl);
	memset(&st, 0, sizeof(st));
	nfiles = argc - optind;
	if ((files = calloc((size_t) nfiles, sizeof(*files))) == NULL)
		msg_fatal("out of memory");
	for (i = 0; i < nfiles; i++) {
		files[i].path = argv[optind + i];
		files[i].fd = -1;
		if (open_log(&files[i], 0) == 0)
			opened++;
	}
	if (opened == 0 && !follow) {
		free(files);
		return (EX_NOINPUT);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	(void) sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGINT, &sa, NULL);
	if (ipp_ingest_purge(ctl->store, ctl->cfg, ipp_now()) < 0)
		msg_warn("ingest: cannot purge old applied-line marks");

	for (;;) {
		int	progress = 0;

		for (i = 0; i < nfiles && !stop_requested; i++) {
			struct logfile *lf = &files[i];
			ssize_t	n;

			if (lf->fd < 0) {
				if (follow && open_log(lf, 1) == 0)
					msg_info("ingest: following %s", lf->path);
				if (lf->fd < 0)
					continue;
			}
			while (!stop_requested && (n = read_some(ctl, lf, &st, &failed)) > 0)
				progress = 1;
			if (!follow || !rotated(lf))
				continue;
			/* finish the old file, then start the new one from its top */
			while (read_some(ctl, lf, &st, &failed) > 0)
				;
			(void) consume(ctl, lf, &st, 1);
			(void) close(lf->fd);
			lf->fd = -1;
			if (open_log(lf, 1) == 0)
				msg_info("ingest: %s was rotated; reading the new file", lf->path);
			progress = 1;
		}
		if (!follow || stop_requested)
			break;
		if (!progress)
			(void) usleep(POLL_US);
	}
	for (i = 0; i < nfiles; i++) {
		if (files[i].fd >= 0) {
			if (!follow)
				(void) consume(ctl, &files[i], &st, 1);
			(void) close(files[i].fd);
		}
		free(files[i].buf);
	}
	free(files);
	summary(&st);
	if (failed || st.failed)
		return (EX_TEMPFAIL);
	return (opened < nfiles && !follow ? EX_NOINPUT : 0);
}
