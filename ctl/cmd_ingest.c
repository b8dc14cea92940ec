/* cmd_ingest.c - "ippoolctl ingest [--follow] [--json] [--journal] FILE...":
 * read Postfix logs
 * and apply each line once (lib/ingest/ingest.c).  With --follow it keeps reading
 * like "tail -F": appended lines are picked up, a rotated or truncated
 * file is finished and then reopened, and a half-written last line waits
 * for its newline.  "-" is the standard input.  The files are opened
 * before privileges are dropped, and the group of each stays with the
 * process, so that a log only root and its group may read (Debian's
 * /var/log/mail.log, root:adm 0640) is read, and reopened after rotation;
 * a file that cannot be read is said so loudly, once per interval.
 * --journal reads "journalctl -o json" entries instead (run here when no
 * FILE is named), believing only those journald's trusted fields show
 * Postfix wrote (lib/ingest/journal.c). */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "ctl.h"
#include "ingest.h"
#include "journal.h"
#include "log.h"
#include "metrics.h"

#define READ_CHUNK	65536
#define LINE_LIMIT	(64 * 1024)	/* a longer "line" is not a log line */
#define POLL_US		250000
#define WARN_INTERVAL	300		/* seconds between "cannot read" warnings */

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
	int	is_stdin;		/* "-": read to its end, never reopened */
	int	done;			/* the standard input has ended */
};

static volatile sig_atomic_t stop_requested;

/* --journal: who may have written Postfix's entries, and what was refused */
static struct {
	int	on;
	struct ipp_journal_trust trust;
	unsigned long refused;
	struct ipp_log_limit lim;
	char	line[20000];
} journal;

static void
on_stop(int sig)
{
	(void) sig;
	stop_requested = 1;
}

/*
 * Open the file (or take the standard input for "-").  A failure is
 * logged unless quiet; with --follow (limited) at most once per
 * WARN_INTERVAL, with what to do, since the unit keeps running on.
 */
static int
open_log(struct logfile *lf, int quiet, int limited)
{
	struct stat st;
	char	key[1100];

	(void) snprintf(key, sizeof(key), "ingest-open:%s", lf->path);
	if (lf->is_stdin) {
		if (lf->done)
			return (-1);
		lf->fd = STDIN_FILENO;
	} else if ((lf->fd = open(lf->path, O_RDONLY | O_CLOEXEC)) < 0) {
		int	e = errno;
		char	hint[200] = "";

		if (quiet || (limited && !ipp_log_once(key, WARN_INTERVAL)))
			return (-1);
		if (e == EACCES)
			(void) snprintf(hint, sizeof(hint),
			    " (as uid %u: give this user the file's group, or read Postfix's maillog_file)",
			    (unsigned) geteuid());
		msg_warn("ingest: cannot open %s: %s%s%s", lf->path, strerror(e), hint,
		    limited ? "; still trying" : "");
		return (-1);
	}
	if (fstat(lf->fd, &st) != 0) {
		if (!lf->is_stdin)
			(void) close(lf->fd);
		lf->fd = -1;
		return (-1);
	}
	ipp_log_forget(key);
	lf->dev = st.st_dev;
	lf->ino = st.st_ino;
	lf->offset = 0;
	lf->lineno = 0;
	lf->len = 0;
	lf->overlong = 0;
	return (0);
}

/* One line of input: a log line, or with --journal a journal entry
 * that must show it came from Postfix. */
static int
apply_line(struct ctl *ctl, const char *p, size_t len, const char *where,
    struct ipp_ingest_stats *st)
{
	char	why[512];
	size_t	n;

	if (!journal.on)
		return (ipp_ingest_line(ctl->store, ctl->cfg, p, len, where, st));
	if (len == 0)
		return (0);
	switch (ipp_journal_entry(p, len, &journal.trust, journal.line, sizeof(journal.line),
	    &n, why, sizeof(why))) {
	case IPP_JOURNAL_POSTFIX:
		return (ipp_ingest_line(ctl->store, ctl->cfg, journal.line, n, where, st));
	case IPP_JOURNAL_OTHER:
		st->read++;
		st->ignored++;
		return (0);
	case IPP_JOURNAL_FORGED:
		st->read++;
		journal.refused++;
		msg_warn_limited(&journal.lim, WARN_INTERVAL,
		    "%s: refused: %s (not written by Postfix: anyone can log \"postfix/...\" lines)",
		    where, why);
		return (0);
	default:
		st->read++;
		st->skipped++;
		msg_warn_limited(&journal.lim, WARN_INTERVAL, "%s: skipped: %s", where, why);
		return (0);
	}
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
			if (apply_line(ctl, lf->buf + start, i - start, where, st) < 0)
				rc = -1;
		}
		start = i + 1;
	}
	if (final && start < lf->len && !lf->overlong) {
		/* the file will not grow any more: its last line counts as it is */
		lf->lineno++;
		(void) snprintf(where, sizeof(where), "%s:%lu", lf->path, lf->lineno);
		if (apply_line(ctl, lf->buf + start, lf->len - start, where, st) < 0)
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
		char	key[1100];

		(void) snprintf(key, sizeof(key), "ingest-read:%s", lf->path);
		if (ipp_log_once(key, WARN_INTERVAL))
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

	if (lf->is_stdin)
		return (0);
	if (stat(lf->path, &st) != 0)
		return (0);		/* gone for now: keep the old file */
	if (st.st_dev != lf->dev || st.st_ino != lf->ino)
		return (1);
	if (fstat(lf->fd, &cur) == 0 && cur.st_size < lf->offset)
		return (1);		/* truncated in place (copytruncate) */
	return (0);
}

static void
summary(const struct ipp_ingest_stats *st, int json)
{
	if (json) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
		    "read", (json_int_t) st->read, "applied", (json_int_t) st->applied,
		    "already_applied", (json_int_t) st->duplicate,
		    "ignored", (json_int_t) st->ignored, "skipped", (json_int_t) st->skipped,
		    "failed", (json_int_t) st->failed,
		    "refused", journal.on ? json_integer((json_int_t) journal.refused) : json_null());

		if (o == NULL || json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
			msg_warn("ingest: cannot write the JSON summary");
		(void) printf("\n");
		json_decref(o);
		(void) fflush(stdout);
		return;
	}
	(void) printf("ingest: %lu lines read, %lu applied, %lu already applied, %lu ignored, %lu skipped",
	    st->read, st->applied, st->duplicate, st->ignored, st->skipped);
	if (journal.on)
		(void) printf(", %lu refused (not written by Postfix)", journal.refused);
	if (st->failed)
		(void) printf(", %lu NOT applied (store failure)", st->failed);
	(void) printf("\n");
	(void) fflush(stdout);
}

/*
 * --journal without a FILE: journalctl, as started (root, or a member of
 * systemd-journal), writing onto our standard input.  The last 7 days on
 * start: lines applied before are recognised and not applied again.
 */
static pid_t
spawn_journalctl(int follow)
{
	int	p[2];
	pid_t	pid;

	if (pipe(p) != 0)
		msg_fatal("ingest: pipe: %m");
	if ((pid = fork()) < 0)
		msg_fatal("ingest: fork: %m");
	if (pid == 0) {
		(void) dup2(p[1], STDOUT_FILENO);
		(void) close(p[0]);
		(void) close(p[1]);
		if (follow)
			(void) execlp("journalctl", "journalctl", "-o", "json", "--no-pager",
			    "--since=-7d", "--follow", (char *) NULL);
		else
			(void) execlp("journalctl", "journalctl", "-o", "json", "--no-pager",
			    "--since=-7d", (char *) NULL);
		(void) fprintf(stderr, "ippoolctl: ingest: cannot run journalctl: %s\n",
		    strerror(errno));
		_exit(EX_UNAVAILABLE);
	}
	if (dup2(p[0], STDIN_FILENO) < 0)
		msg_fatal("ingest: dup2: %m");
	(void) close(p[0]);
	(void) close(p[1]);
	return (pid);
}

/* The group of each open file that its group may read, to keep (ctl_store). */
static gid_t *
file_groups(const struct logfile *files, int nfiles, size_t *n)
{
	gid_t  *g;
	struct stat st;
	size_t	j;
	int	i;

	*n = 0;
	if ((g = calloc((size_t) nfiles + 1, sizeof(*g))) == NULL)
		msg_fatal("out of memory");
	for (i = 0; i < nfiles; i++) {
		if (files[i].fd < 0 || files[i].is_stdin || fstat(files[i].fd, &st) != 0
		    || !(st.st_mode & S_IRGRP))
			continue;
		for (j = 0; j < *n && g[j] != st.st_gid; j++)
			;
		if (j == *n)
			g[(*n)++] = st.st_gid;
	}
	return (g);
}

/* --metrics-file: the registry for a textfile collector, limited warnings. */
static void
write_metrics(const char *path)
{
	static struct ipp_log_limit lim = IPP_LOG_LIMIT_INIT;
	char	err[512];

	if (ipp_metrics_write_file(path, err, sizeof(err)) != 0)
		msg_warn_limited(&lim, 300, "ingest: cannot write the metrics: %s", err);
}

int
cmd_ingest(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "journal", no_argument, NULL, 'J' },
		{ "json", no_argument, NULL, 'j' },
		{ "metrics-file", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	static char *spawned[] = { "journalctl" };
	pid_t	child = -1;
	int	json = 0;
	struct ipp_ingest_stats st;
	struct logfile *files;
	struct sigaction sa;
	gid_t  *groups;
	size_t	ngroups;
	int	ch, follow = 0, nfiles, i, failed = 0, opened = 0, unreadable = 0;
	int	nstdin = 0;
	const char *mfile = NULL;
	time_t	mlast = 0;
	int	mdirty = 0;		/* applied since the last write */

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f", opts, NULL)) != -1) {
		if (ch == 'f')
			follow = 1;
		else if (ch == 'J')
			journal.on = 1;
		else if (ch == 'j')
			json = 1;
		else if (ch == 'm')
			mfile = optarg;
		else
			return (ctl_usage(ctl_find("ingest")));
	}
	if (optind >= argc && !journal.on)
		return (ctl_usage(ctl_find("ingest")));
	(void) ctl_config(ctl);
	memset(&st, 0, sizeof(st));
	if (journal.on) {
		struct passwd *pw = getpwnam("postfix");

		if (pw != NULL) {
			journal.trust.postfix_uid = pw->pw_uid;
			journal.trust.have_postfix_uid = 1;
		}
		if (optind >= argc) {
			child = spawn_journalctl(follow);
			argv = spawned;
			argc = 1;
			optind = 0;
		}
	}
	nfiles = argc - optind;
	if ((files = calloc((size_t) nfiles, sizeof(*files))) == NULL)
		msg_fatal("out of memory");
	/* as started (root): the log may be readable by root and a group only */
	for (i = 0; i < nfiles; i++) {
		files[i].path = argv[optind + i];
		files[i].fd = -1;
		if (strcmp(files[i].path, "-") == 0 || child > 0) {
			files[i].is_stdin = 1;
			if (nstdin++ > 0) {
				(void) fprintf(stderr, "ippoolctl: ingest: \"-\" (the standard input) given twice\n");
				free(files);
				return (EX_USAGE);
			}
		}
		if (open_log(&files[i], 0, follow) == 0)
			opened++;
	}
	if (opened == 0 && !follow) {
		free(files);
		return (EX_NOINPUT);
	}
	groups = file_groups(files, nfiles, &ngroups);
	ctl->keep_groups = groups;
	ctl->nkeep_groups = ngroups;
	(void) ctl_store(ctl);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	(void) sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGINT, &sa, NULL);
	/* SIGHUP ends the follower for its unit to start it again (reload):
	 * also when it was started with SIGHUP ignored (nohup) */
	sa.sa_handler = SIG_DFL;
	(void) sigaction(SIGHUP, &sa, NULL);
	if (ipp_ingest_purge(ctl->store, ctl->cfg, ipp_now()) < 0)
		msg_warn("ingest: cannot purge old applied-line marks");
	if (mfile != NULL) {
		ipp_ingest_metrics_prime(ctl->cfg);
		ipp_metrics_build_info("ippoolctl-ingest");
		write_metrics(mfile);
		mlast = ipp_monotonic();
	}

	for (;;) {
		int	progress = 0, live = 0;

		for (i = 0; i < nfiles && !stop_requested; i++) {
			struct logfile *lf = &files[i];
			ssize_t	n = 0;

			if (lf->fd < 0) {
				if (lf->done)
					continue;
				live++;
				if (follow && open_log(lf, 0, 1) == 0)
					msg_info("ingest: following %s", lf->path);
				if (lf->fd < 0)
					continue;
			}
			live++;
			while (!stop_requested && (n = read_some(ctl, lf, &st, &failed)) > 0)
				progress = 1;
			if (n < 0)
				unreadable = 1;
			if (lf->is_stdin && n == 0) {
				/* the standard input has ended: it will not grow again */
				(void) consume(ctl, lf, &st, 1);
				lf->fd = -1;
				lf->done = 1;
				continue;
			}
			if (!follow || !rotated(lf))
				continue;
			/* finish the old file, then start the new one from its top */
			while (read_some(ctl, lf, &st, &failed) > 0)
				;
			(void) consume(ctl, lf, &st, 1);
			(void) close(lf->fd);
			lf->fd = -1;
			if (open_log(lf, 0, 1) == 0)
				msg_info("ingest: %s was rotated; reading the new file", lf->path);
			progress = 1;
		}
		/* at most once a second, and what a burst did within its second
		 * is written once the next second starts */
		mdirty = mdirty || progress;
		if (mfile != NULL && mdirty && ipp_monotonic() != mlast) {
			write_metrics(mfile);
			mlast = ipp_monotonic();
			mdirty = 0;
		}
		if (!follow || stop_requested || live == 0)
			break;
		if (!progress)
			(void) usleep(POLL_US);
	}
	for (i = 0; i < nfiles; i++) {
		if (files[i].fd >= 0) {
			if (!follow)
				(void) consume(ctl, &files[i], &st, 1);
			if (!files[i].is_stdin)
				(void) close(files[i].fd);
		}
		free(files[i].buf);
	}
	free(files);
	free(groups);
	ctl->keep_groups = NULL;
	ctl->nkeep_groups = 0;
	if (mfile != NULL)
		write_metrics(mfile);
	summary(&st, json);
	if (child > 0) {
		int	status;

		(void) kill(child, SIGTERM);
		if (waitpid(child, &status, 0) == child && WIFEXITED(status)
		    && WEXITSTATUS(status) != 0 && !stop_requested) {
			msg_warn("ingest: journalctl exited with status %d", WEXITSTATUS(status));
			return (EX_UNAVAILABLE);
		}
	}
	if (failed || st.failed)
		return (EX_TEMPFAIL);
	return ((opened < nfiles || unreadable) && !follow ? EX_NOINPUT : 0);
}
