/* cmd_suppress.c - "ippoolctl suppress ...": the operator's view of the
 * suppression list.  Adding never shortens an existing suppression (the
 * longer-lived entry wins, permanent wins over all): only "del" lifts one. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <pwd.h>

#include "clock.h"
#include "csv.h"
#include "ctl.h"
#include "printable.h"
#include "log.h"
#include "parse.h"
#include "suppress.h"

#define USAGE \
	"usage: ippoolctl suppress add ADDR [--reason R] [--ttl DURATION | --permanent] [--sender-domain D]\n" \
	"       ippoolctl suppress del ADDR [--sender-domain D]\n" \
	"       ippoolctl suppress show ADDR [--json]\n" \
	"       ippoolctl suppress list [--reason R] [--json]\n" \
	"       ippoolctl suppress import FILE\n" \
	"       ippoolctl suppress export\n" \
	"       ippoolctl suppress purge\n"

static int
usage(void)
{
	(void) fputs(USAGE, stderr);
	return (EX_USAGE);
}

static void
operator_name(char *buf, size_t len)
{
	struct passwd *pw = getpwuid(getuid());
	const char *sudo = getenv("SUDO_USER");

	(void) snprintf(buf, len, "operator %s", sudo && *sudo ? sudo
	    : pw ? pw->pw_name : "?");
}

static void
print_entry(const struct ipp_supp *s, time_t now)
{
	char	created[32], until[64], addr[1100], sdom[1100], source[1100];

	ipp_fmt_iso(s->created, created, sizeof(created));
	ipp_supp_until(s, until, sizeof(until));
	/* stored strings may have come from the network (feedback, imports) */
	(void) printf("%s%s%s: %s since %s, %s%s (%s)\n",
	    ipp_printable_str(s->addr, addr, sizeof(addr)),
	    s->sender_domain[0] ? " for mail from " : "",
	    ipp_printable_str(s->sender_domain, sdom, sizeof(sdom)),
	    ipp_supp_reason_name(s->reason), created, until,
	    ipp_supp_expired(s, now) ? " [expired]" : "",
	    ipp_printable_str(s->source, source, sizeof(source)));
}

static int
sub_add(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "ttl", required_argument, NULL, 't' },
		{ "permanent", no_argument, NULL, 'p' },
		{ "sender-domain", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipp_config *cfg = ctl_config(ctl);
	struct ipp_supp s, now_entry;
	const char *sdom = NULL;
	char	err[IPP_ERRLEN];
	long long ttl = cfg->suppress_ttl;
	int	ch, permanent = 0, have_ttl = 0;
	time_t	now = ipp_now();

	memset(&s, 0, sizeof(s));
	s.reason = IPP_SUPP_MANUAL;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			if (ipp_supp_reason_parse(optarg, &s.reason) != 0) {
				(void) fprintf(stderr,
				    "ippoolctl: suppress add: reason must be bounce, complaint, unsubscribe or manual, not \"%s\"\n",
				    optarg);
				return (EX_USAGE);
			}
			break;
		case 't':
			if (ipp_parse_duration(optarg, &ttl, err, sizeof(err)) != 0 || ttl == 0) {
				(void) fprintf(stderr, "ippoolctl: suppress add: --ttl: %s\n",
				    ttl == 0 ? "must be longer than 0s" : err);
				return (EX_USAGE);
			}
			have_ttl = 1;
			break;
		case 'p':
			permanent = 1;
			break;
		case 's':
			sdom = optarg;
			break;
		default:
			return (usage());
		}
	}
	if (optind != argc - 1 || (permanent && have_ttl))
		return (usage());
	if (ipp_supp_set_target(&s, argv[optind], sdom,
	    ctl_config(ctl)->recipient_delimiter, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: suppress add: %s\n", err);
		return (EX_DATAERR);
	}
	s.created = now;
	s.expires = permanent ? 0 : now + (time_t) ttl;
	operator_name(s.source, sizeof(s.source));
	if (ipp_supp_add(ctl_store(ctl), &s, IPP_SUPP_EXTEND) < 0) {
		(void) fprintf(stderr, "ippoolctl: suppress add: store failure\n");
		return (EX_TEMPFAIL);
	}
	if (ipp_supp_get(ctl_store(ctl), s.addr, s.sender_domain, &now_entry) == IPP_OK) {
		if (now_entry.expires != s.expires || now_entry.reason != s.reason)
			(void) printf("an existing suppression lasts longer and was kept:\n");
		print_entry(&now_entry, now);
	}
	return (0);
}

static int
sub_del(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sender-domain", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct ipp_supp s;
	const char *sdom = NULL;
	char	err[IPP_ERRLEN];
	int	ch, rc;

	memset(&s, 0, sizeof(s));
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 's')
			return (usage());
		sdom = optarg;
	}
	if (optind != argc - 1)
		return (usage());
	if (ipp_supp_set_target(&s, argv[optind], sdom,
	    ctl_config(ctl)->recipient_delimiter, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: suppress del: %s\n", err);
		return (EX_DATAERR);
	}
	rc = ipp_supp_del(ctl_store(ctl), s.addr, s.sender_domain);
	if (rc == IPP_NOTFOUND) {
		(void) fprintf(stderr, "ippoolctl: suppress del: %s%s%s is not suppressed\n", s.addr,
		    s.sender_domain[0] ? " for mail from " : "", s.sender_domain);
		return (1);
	}
	if (rc < 0) {
		(void) fprintf(stderr, "ippoolctl: suppress del: store failure\n");
		return (EX_TEMPFAIL);
	}
	(void) printf("%s%s%s: suppression removed\n", s.addr,
	    s.sender_domain[0] ? " for mail from " : "", s.sender_domain);
	return (0);
}

struct list_arg {
	const char *addr;		/* show: this address only */
	int	reason;			/* -1: any */
	json_t *json;
	FILE   *csv;
	time_t	now;
	unsigned long n;
};

static int
list_cb(const struct ipp_supp *s, void *arg)
{
	struct list_arg *la = arg;
	char	created[32], expires[32];

	if (la->addr && strcmp(la->addr, s->addr) != 0)
		return (IPP_SCAN_NEXT);
	if (la->reason >= 0 && (int) s->reason != la->reason)
		return (IPP_SCAN_NEXT);
	la->n++;
	ipp_fmt_iso(s->created, created, sizeof(created));
	if (s->expires)
		ipp_fmt_iso(s->expires, expires, sizeof(expires));
	else
		(void) strcpy(expires, "permanent");
	if (la->json) {
		char	sa[1100], sd[1100], ss[1100];
		json_t *o;

		/* jansson takes UTF-8 only: stored bytes that are not are shown
		 * as \xHH, as on a terminal */
		if (ipp_printable_needed(s->addr, strlen(s->addr))
		    || ipp_printable_needed(s->sender_domain, strlen(s->sender_domain))
		    || ipp_printable_needed(s->source, strlen(s->source)))
			o = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:b, s:s}", "address",
			    ipp_printable_str(s->addr, sa, sizeof(sa)), "sender_domain",
			    s->sender_domain[0] ? ipp_printable_str(s->sender_domain, sd, sizeof(sd)) : NULL,
			    "reason", ipp_supp_reason_name(s->reason), "created", created,
			    "expires", expires, "expired", ipp_supp_expired(s, la->now),
			    "source", ipp_printable_str(s->source, ss, sizeof(ss)));
		else
			o = json_pack("{s:s, s:s?, s:s, s:s, s:s, s:b, s:s}", "address", s->addr,
			    "sender_domain", s->sender_domain[0] ? s->sender_domain : NULL,
			    "reason", ipp_supp_reason_name(s->reason), "created", created,
			    "expires", expires, "expired", ipp_supp_expired(s, la->now),
			    "source", s->source);

		if (o == NULL || json_array_append_new(la->json, o) != 0)
			return (IPP_ERR);
	} else if (la->csv) {
		ipp_csv_put(la->csv, s->addr, 0);
		ipp_csv_put(la->csv, s->sender_domain, 0);
		ipp_csv_put(la->csv, ipp_supp_reason_name(s->reason), 0);
		ipp_csv_put(la->csv, created, 0);
		ipp_csv_put(la->csv, expires, 0);
		ipp_csv_put(la->csv, s->source, 1);
	} else {
		print_entry(s, la->now);
	}
	return (IPP_SCAN_NEXT);
}

static int
sub_list(struct ctl *ctl, int argc, char **argv, int show, int export)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct list_arg la;
	struct ipp_supp target;
	enum ipp_supp_reason r;
	char	err[IPP_ERRLEN];
	int	ch, rc, json_shown = 0;

	memset(&la, 0, sizeof(la));
	la.reason = -1;
	la.now = ipp_now();
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (export || (show && ch != 'j'))
			return (usage());
		if (ch == 'r') {
			if (ipp_supp_reason_parse(optarg, &r) != 0) {
				(void) fprintf(stderr, "ippoolctl: suppress list: unknown reason \"%s\"\n",
				    optarg);
				return (EX_USAGE);
			}
			la.reason = (int) r;
		} else if (ch == 'j') {
			if ((la.json = json_array()) == NULL)
				msg_fatal("out of memory");
		} else {
			return (usage());
		}
	}
	if (optind != argc - (show ? 1 : 0))
		return (usage());
	if (show) {
		if (ipp_supp_set_target(&target, argv[optind], NULL,
		    ctl_config(ctl)->recipient_delimiter, err, sizeof(err)) != 0) {
			(void) fprintf(stderr, "ippoolctl: suppress show: %s\n", err);
			return (EX_DATAERR);
		}
		la.addr = target.addr;
	}
	if (export) {
		la.csv = stdout;
		(void) printf("address,sender_domain,reason,created,expires,source\n");
	}
	rc = ipp_supp_scan(ctl_store(ctl), list_cb, &la);
	if (rc < 0) {
		(void) fprintf(stderr, "ippoolctl: suppress: store failure\n");
		json_decref(la.json);
		return (EX_TEMPFAIL);
	}
	if (la.json) {
		if (json_dumpf(la.json, stdout, JSON_INDENT(2)) != 0)
			rc = -1;
		(void) printf("\n");
		json_decref(la.json);
		json_shown = 1;
	}
	if (show && la.n == 0) {
		if (!json_shown)
			(void) printf("%s: not suppressed\n", la.addr);
		return (1);
	}
	return (0);
}

/* The columns of the export, in its order: what a header row may name. */
enum col { COL_ADDRESS, COL_SENDER_DOMAIN, COL_REASON, COL_CREATED, COL_EXPIRES,
	COL_SOURCE, NCOLS };
static const char *const col_names[NCOLS] = {
	"address", "sender_domain", "reason", "created", "expires", "source"
};
#define COL_LIST "address,sender_domain,reason,created,expires,source"

/* Where each field of a row goes: the header's order, or the export's. */
struct columns {
	int	map[IPP_CSV_MAXFIELDS];
	int	n;			/* 0: no header, the export's order */
};

/*
 * Is LINE a header row?  Its fields name columns, none holds an "@" (an
 * address always does).  Returns 1 with cols filled, 0 if it is data, -1
 * with a reason if it is a header naming an unknown or repeated column.
 */
static int
parse_header(const char *line, struct columns *cols, char *err, size_t errlen)
{
	char	copy[4096], *f[IPP_CSV_MAXFIELDS];
	int	n, i, c, seen[NCOLS] = { 0 };

	if (strchr(line, '@') != NULL || strlen(line) >= sizeof(copy))
		return (0);
	(void) strcpy(copy, line);
	if ((n = ipp_csv_split(copy, f, IPP_CSV_MAXFIELDS, err, errlen)) < 0)
		return (-1);
	for (i = 0; i < n; i++) {
		char   *name = f[i] + strspn(f[i], " \t");
		size_t	len = strlen(name);

		while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
			name[--len] = '\0';
		for (c = 0; c < NCOLS && strcasecmp(name, col_names[c]) != 0; c++)
			;
		if (c == NCOLS) {
			(void) snprintf(err, errlen, "unknown column \"%s\" in the header (columns: " COL_LIST ")",
			    name);
			return (-1);
		}
		if (seen[c]++) {
			(void) snprintf(err, errlen, "column \"%s\" named twice in the header", name);
			return (-1);
		}
		cols->map[i] = c;
	}
	if (!seen[COL_ADDRESS]) {
		(void) snprintf(err, errlen, "the header has no \"address\" column (columns: " COL_LIST ")");
		return (-1);
	}
	cols->n = n;
	return (1);
}

/* One CSV line into a record; returns 0, or -1 with a reason. */
static int
parse_row(char *line, const struct columns *cols, time_t now, long long ttl,
    const char *delim, struct ipp_supp *s, char *err, size_t errlen)
{
	char   *f[IPP_CSV_MAXFIELDS], *v[NCOLS] = { NULL };
	int	n, i;

	memset(s, 0, sizeof(*s));
	if ((n = ipp_csv_split(line, f, IPP_CSV_MAXFIELDS, err, errlen)) < 0)
		return (-1);
	if (cols->n == 0 && (n < 1 || n > NCOLS)) {
		(void) snprintf(err, errlen, "expected " COL_LIST " (%d fields)", n);
		return (-1);
	}
	if (cols->n > 0 && n > cols->n) {
		(void) snprintf(err, errlen, "%d fields, but the header names %d columns", n, cols->n);
		return (-1);
	}
	for (i = 0; i < n; i++)
		v[cols->n > 0 ? cols->map[i] : i] = f[i];
	if (v[COL_ADDRESS] == NULL || *v[COL_ADDRESS] == '\0') {
		(void) snprintf(err, errlen, "no address");
		return (-1);
	}
	if (ipp_supp_set_target(s, v[COL_ADDRESS],
	    v[COL_SENDER_DOMAIN] != NULL && *v[COL_SENDER_DOMAIN] ? v[COL_SENDER_DOMAIN] : NULL,
	    delim, err, errlen) != 0)
		return (-1);
	s->reason = IPP_SUPP_MANUAL;
	if (v[COL_REASON] && *v[COL_REASON] && ipp_supp_reason_parse(v[COL_REASON], &s->reason) != 0) {
		(void) snprintf(err, errlen, "unknown reason \"%s\"", v[COL_REASON]);
		return (-1);
	}
	s->created = now;
	if (v[COL_CREATED] && *v[COL_CREATED] && ipp_parse_iso(v[COL_CREATED], &s->created) != 0) {
		(void) snprintf(err, errlen, "created \"%s\" is not a time (2026-11-23T14:05:00Z)",
		    v[COL_CREATED]);
		return (-1);
	}
	s->expires = s->created + (time_t) ttl;
	if (v[COL_EXPIRES] && *v[COL_EXPIRES]) {
		if (strcmp(v[COL_EXPIRES], "permanent") == 0)
			s->expires = 0;
		else if (ipp_parse_iso(v[COL_EXPIRES], &s->expires) != 0) {
			(void) snprintf(err, errlen,
			    "expires \"%s\" is not a time (2026-11-23T14:05:00Z) or \"permanent\"",
			    v[COL_EXPIRES]);
			return (-1);
		}
	}
	(void) snprintf(s->source, sizeof(s->source), "%s", v[COL_SOURCE] ? v[COL_SOURCE] : "");
	return (0);
}

/* Rows stored per transaction: few enough to hold up the milter's reads
 * for milliseconds only, many enough that a list of millions is not
 * millions of commits (and on Redis, of commit round trips). */
#define IMPORT_BATCH	1000

struct import {
	const char *name;		/* for messages */
	const struct ipp_config *cfg;
	time_t	now;
	struct ipp_store *st;		/* NULL: checking only */
	struct ipp_supp *batch;
	size_t	nbatch;
	size_t	n;			/* rows read (checked, or stored) */
	size_t	total;			/* rows of the first reading */
	unsigned long bad;
};

static int
batch_body(struct ipp_txn *txn, void *arg)
{
	struct import *im = arg;

	return (ipp_supp_txn_putv(txn, im->batch, im->nbatch, IPP_SUPP_EXTEND));
}

static int
flush_batch(struct import *im)
{
	if (im->nbatch == 0)
		return (0);
	if (ipp_store_run(im->st, batch_body, im) < 0) {
		(void) fprintf(stderr,
		    "ippoolctl: suppress import: store failure after %zu of %zu entries\n",
		    im->n - im->nbatch, im->total);
		return (-1);
	}
	im->nbatch = 0;
	return (0);
}

/*
 * Read every row of FP; when storing, in batches of IMPORT_BATCH rows.
 * Returns 0, or -1 after a store failure (reported).  Bad lines are
 * reported and counted in im->bad.
 */
static int
import_read(FILE *fp, struct import *im)
{
	struct columns cols;
	struct ipp_supp one, *s;
	char   *line = NULL, err[IPP_ERRLEN];
	size_t	lcap = 0;
	ssize_t	len;
	unsigned long lineno = 0;
	int	started = 0, rc = 0;

	memset(&cols, 0, sizeof(cols));
	while ((len = getline(&line, &lcap, fp)) >= 0) {
		char   *l = line;
		int	h;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		/* a UTF-8 byte order mark, as spreadsheets write them */
		if (lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
			l += 3;
			len -= 3;
		}
		if (len == 0 || l[0] == '#')
			continue;
		/* the first row may be a header naming the columns, in any order */
		if (!started) {
			started = 1;
			if ((h = parse_header(l, &cols, err, sizeof(err))) != 0) {
				if (h < 0) {
					(void) fprintf(stderr, "%s:%lu: %s\n", im->name, lineno, err);
					im->bad++;
				}
				continue;
			}
		}
		s = im->st ? &im->batch[im->nbatch] : &one;
		if (parse_row(l, &cols, im->now, im->cfg->suppress_ttl,
		    im->cfg->recipient_delimiter, s, err, sizeof(err)) != 0) {
			(void) fprintf(stderr, "%s:%lu: %s\n", im->name, lineno, err);
			im->bad++;
			continue;
		}
		if (s->source[0] == '\0')
			(void) snprintf(s->source, sizeof(s->source), "import %.200s:%lu",
			    im->name, lineno);
		im->n++;
		if (im->st && ++im->nbatch == IMPORT_BATCH && (rc = flush_batch(im)) != 0)
			break;
	}
	free(line);
	if (rc == 0 && im->st)
		rc = flush_batch(im);
	return (rc);
}

/* The standard input into a temporary file, so that it can be read twice. */
static FILE *
spool_stdin(void)
{
	char	buf[65536];
	size_t	n;
	FILE   *tmp;

	if ((tmp = tmpfile()) == NULL)
		return (NULL);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, tmp) != n)
			break;
	if (ferror(stdin) || fflush(tmp) != 0 || ferror(tmp) || fseek(tmp, 0L, SEEK_SET) != 0) {
		(void) fclose(tmp);
		return (NULL);
	}
	return (tmp);
}

/*
 * All or nothing: every line is checked before any is stored.  The file
 * is read twice (checked, then stored in batches) rather than held in
 * memory: a list of ten million entries would take gigabytes.
 */
static int
sub_import(struct ctl *ctl, int argc, char **argv)
{
	struct import im;
	FILE   *fp;
	int	rc;

	memset(&im, 0, sizeof(im));
	if (argc != 2)
		return (usage());
	im.name = argv[1];
	im.cfg = ctl_config(ctl);
	im.now = ipp_now();
	if (strcmp(argv[1], "-") == 0) {
		if ((fp = spool_stdin()) == NULL) {
			(void) fprintf(stderr,
			    "ippoolctl: suppress import: cannot keep the standard input in a temporary file: %s\n",
			    strerror(errno));
			return (EX_IOERR);
		}
	} else if ((fp = fopen(argv[1], "r")) == NULL) {
		(void) fprintf(stderr, "ippoolctl: suppress import: %s: %s\n", argv[1],
		    strerror(errno));
		return (EX_NOINPUT);
	}
	(void) import_read(fp, &im);
	if (ferror(fp)) {
		(void) fprintf(stderr, "ippoolctl: suppress import: %s: read error: nothing imported\n",
		    argv[1]);
		(void) fclose(fp);
		return (EX_IOERR);
	}
	if (im.bad) {
		(void) fprintf(stderr, "ippoolctl: suppress import: %lu bad line%s: nothing imported\n",
		    im.bad, im.bad == 1 ? "" : "s");
		(void) fclose(fp);
		return (EX_DATAERR);
	}
	im.total = im.n;
	im.n = 0;
	im.st = ctl_store(ctl);
	if ((im.batch = calloc(IMPORT_BATCH, sizeof(*im.batch))) == NULL)
		msg_fatal("out of memory");
	if (fseek(fp, 0L, SEEK_SET) != 0) {
		(void) fprintf(stderr, "ippoolctl: suppress import: %s: cannot read it again: %s\n",
		    argv[1], strerror(errno));
		rc = EX_IOERR;
	} else if (import_read(fp, &im) != 0) {
		rc = EX_TEMPFAIL;
	} else if (im.bad || im.n != im.total || ferror(fp)) {
		(void) fprintf(stderr,
		    "ippoolctl: suppress import: %s changed while it was imported: %zu of %zu entries stored\n",
		    argv[1], im.n - im.nbatch, im.total);
		rc = EX_DATAERR;
	} else {
		(void) printf("imported %zu entr%s\n", im.n, im.n == 1 ? "y" : "ies");
		rc = 0;
	}
	free(im.batch);
	(void) fclose(fp);
	return (rc);
}

static int
sub_purge(struct ctl *ctl, int argc)
{
	unsigned long removed = 0;

	if (argc != 1)
		return (usage());
	if (ipp_supp_purge(ctl_store(ctl), ipp_now(), &removed) < 0) {
		(void) fprintf(stderr, "ippoolctl: suppress purge: store failure\n");
		return (EX_TEMPFAIL);
	}
	(void) printf("purged %lu expired entr%s\n", removed, removed == 1 ? "y" : "ies");
	return (0);
}

int
cmd_suppress(struct ctl *ctl, int argc, char **argv)
{
	const char *sub;

	if (argc < 2)
		return (usage());
	sub = argv[1];
	argc--;
	argv++;
	if (strcmp(sub, "add") == 0)
		return (sub_add(ctl, argc, argv));
	if (strcmp(sub, "del") == 0)
		return (sub_del(ctl, argc, argv));
	if (strcmp(sub, "list") == 0)
		return (sub_list(ctl, argc, argv, 0, 0));
	if (strcmp(sub, "show") == 0)
		return (sub_list(ctl, argc, argv, 1, 0));
	if (strcmp(sub, "export") == 0)
		return (sub_list(ctl, argc, argv, 0, 1));
	if (strcmp(sub, "import") == 0)
		return (sub_import(ctl, argc, argv));
	if (strcmp(sub, "purge") == 0)
		return (sub_purge(ctl, argc));
	(void) fprintf(stderr, "ippoolctl: suppress: unknown subcommand \"%s\"\n", sub);
	return (usage());
}
