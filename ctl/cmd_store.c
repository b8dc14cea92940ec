/* cmd_store.c - "ippoolctl store": verify, recover and back up the store's
 * files (Berkeley DB), and move a store between backends as JSON lines
 * (export, import) through the store contract, so any backend reads
 * what any other wrote. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "privs.h"

#define KEY_MAX		2048
#define VALUE_MAX	(1024 * 1024)
#define LINE_MAX_	(4 * VALUE_MAX)		/* hex of the largest value, and more */
#define IMPORT_BATCH	1000

static int
usage(void)
{
	(void) fputs("usage: ippoolctl store verify\n"
	    "       ippoolctl store recover [--catastrophic]\n"
	    "       ippoolctl store backup DIR\n"
	    "       ippoolctl store export [FILE]\n"
	    "       ippoolctl store import FILE|-\n", stderr);
	return (EX_USAGE);
}

/* Redis keeps its own files: say what to use instead. */
static int
not_for_backend(const struct ipp_config *cfg, const char *what)
{
	(void) fprintf(stderr,
	    "ippoolctl: store %s: not for the %s backend: Redis keeps its own files (redis-check-aof, redis-check-rdb, BGSAVE); \"ippoolctl store export\" writes a copy any backend can import\n",
	    what, ipp_store_backend_name(cfg));
	return (EX_UNAVAILABLE);
}

static void
verify_report(const char *file, const char *problem, void *arg)
{
	(void) arg;
	if (problem == NULL)
		(void) printf("%s: ok\n", file);
	else
		(void) printf("%s: damaged: %s\n", file, problem);
}

static int
sub_verify(struct ctl *ctl)
{
	const struct ipp_config *cfg = ctl_config(ctl);
	char	err[600];
	int	rc;

	ctl_privs(ctl);
	switch (rc = ipp_store_verify(cfg, verify_report, NULL, err, sizeof(err))) {
	case IPP_OK:
		return (0);
	case IPP_NOTFOUND:
		(void) fprintf(stderr,
		    "ippoolctl: store verify: %s is damaged: stop the ippool programs and restore the last backup (ippoolctl(8), BACKUP AND RESTORE)\n",
		    cfg->store_path);
		return (1);
	case IPP_NOTSUPP:
		return (not_for_backend(cfg, "verify"));
	default:
		(void) fprintf(stderr, "ippoolctl: store verify: %s\n", err);
		return (EX_TEMPFAIL);
	}
}

static int
sub_recover(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg = ctl_config(ctl);
	char	err[600];
	int	cat = 0;

	if (argc == 3 && strcmp(argv[2], "--catastrophic") == 0)
		cat = 1;
	else if (argc != 2)
		return (usage());
	ctl_privs(ctl);
	switch (ipp_store_recover(cfg, cat, err, sizeof(err))) {
	case IPP_OK:
		(void) printf("%s: recovered (%s recovery)\n", cfg->store_path,
		    cat ? "catastrophic" : "normal");
		return (0);
	case IPP_NOTSUPP:
		return (not_for_backend(cfg, "recover"));
	default:
		(void) fprintf(stderr, "ippoolctl: store recover: %s\n", err);
		return (EX_TEMPFAIL);
	}
}

#define BACKUP_MARK	"ippool-backup"

/*
 * The backup empties its directory first: it must be new, empty, or an
 * earlier backup (it holds our mark), never someone's other files.  As
 * root, a new one is made for the user that writes it.
 */
static int
backup_dir(const struct ipp_config *cfg, const char *dir)
{
	char	err[300];
	DIR    *d;
	struct dirent *e;
	int	earlier = 0, other = 0;
	uid_t	uid;
	gid_t	gid;
	int	rc;

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			if (strcmp(e->d_name, BACKUP_MARK) == 0)
				earlier = 1;
			else
				other = 1;
		}
		(void) closedir(d);
		if (other && !earlier) {
			(void) fprintf(stderr,
			    "ippoolctl: store backup: %s is not empty and holds no earlier backup (no file %s): name a new or empty directory\n",
			    dir, BACKUP_MARK);
			return (-1);
		}
		return (0);
	}
	if (errno != ENOENT || mkdir(dir, 0750) != 0) {
		(void) fprintf(stderr, "ippoolctl: store backup: cannot create %s: %s\n",
		    dir, strerror(errno));
		return (-1);
	}
	if ((rc = ipp_privs_target(cfg->milter_user, &uid, &gid, err, sizeof(err))) < 0) {
		(void) fprintf(stderr, "ippoolctl: store backup: %s\n", err);
		return (-1);
	}
	if (rc > 0 && chown(dir, uid, gid) != 0) {
		(void) fprintf(stderr, "ippoolctl: store backup: chown %s: %s\n", dir,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

static int
write_mark(const struct ipp_config *cfg, const char *dir)
{
	char	mark[4200], when[32];
	FILE   *fp;

	(void) snprintf(mark, sizeof(mark), "%s/%s", dir, BACKUP_MARK);
	ipp_fmt_iso(ipp_now(), when, sizeof(when));
	if ((fp = fopen(mark, "w")) == NULL
	    || (fprintf(fp, "ippool store backup of %s at %s\n", cfg->store_path, when) < 0
	    ? (fclose(fp), 1) : fclose(fp) != 0)) {
		(void) fprintf(stderr, "ippoolctl: store backup: %s: %s\n", mark, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
sub_backup(struct ctl *ctl, int argc, char **argv)
{
	const struct ipp_config *cfg = ctl_config(ctl);
	char	err[1200];

	if (argc != 3 || *argv[2] == '\0')
		return (usage());
	if (ipp_store_backup_supported(cfg) == 0)
		return (not_for_backend(cfg, "backup"));
	if (backup_dir(cfg, argv[2]) != 0)
		return (EX_CANTCREAT);
	switch (ipp_store_backup(ctl_store(ctl), argv[2], err, sizeof(err))) {
	case IPP_OK:
		if (write_mark(cfg, argv[2]) != 0)
			return (EX_CANTCREAT);
		(void) printf("%s: backup of %s written; restore: ippoolctl(8), BACKUP AND RESTORE\n",
		    argv[2], cfg->store_path);
		return (0);
	case IPP_NOTSUPP:
		return (not_for_backend(cfg, "backup"));
	default:
		(void) fprintf(stderr, "ippoolctl: store backup: %s\n", err);
		return (EX_TEMPFAIL);
	}
}

/* --- export and import: one record a line,
 * {"table":T,"key":K,"value":V}, K and V as JSON strings when they are
 * UTF-8, else "key_hex" / "value_hex". */

static int
put_bytes(json_t *o, const char *name, const void *p, size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *b = p;
	char	hname[32], *hex;
	json_t *s;
	size_t	i;
	int	rc;

	if ((s = json_stringn(p, len)) != NULL)
		return (json_object_set_new(o, name, s));
	/* not UTF-8 */
	if ((hex = malloc(2 * len + 1)) == NULL)
		return (-1);
	for (i = 0; i < len; i++) {
		hex[2 * i] = hexd[b[i] >> 4];
		hex[2 * i + 1] = hexd[b[i] & 15];
	}
	hex[2 * len] = '\0';
	(void) snprintf(hname, sizeof(hname), "%s_hex", name);
	rc = json_object_set_new(o, hname, json_stringn(hex, 2 * len));
	free(hex);
	return (rc);
}

struct export_arg {
	FILE   *out;
	enum ipp_table tab;
	unsigned long n;
	int	failed;
};

static int
export_cb(const void *key, size_t klen, const void *val, size_t vlen, void *arg)
{
	struct export_arg *ea = arg;
	json_t *o = json_object();
	char   *s = NULL;

	if (o == NULL || json_object_set_new(o, "table", json_string(ipp_table_name(ea->tab)))
	    || put_bytes(o, "key", key, klen) != 0 || put_bytes(o, "value", val, vlen) != 0
	    || (s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL
	    || fprintf(ea->out, "%s\n", s) < 0) {
		ea->failed = 1;
		json_decref(o);
		free(s);
		return (IPP_ERR);
	}
	ea->n++;
	json_decref(o);
	free(s);
	return (IPP_SCAN_NEXT);
}

static int
sub_export(struct ctl *ctl, int argc, char **argv)
{
	struct export_arg ea;
	struct ipp_store *st;
	int	t;

	if (argc > 3)
		return (usage());
	memset(&ea, 0, sizeof(ea));
	ea.out = stdout;
	/* opened before privileges drop: the caller's file */
	if (argc == 3 && strcmp(argv[2], "-") != 0 && (ea.out = fopen(argv[2], "w")) == NULL) {
		(void) fprintf(stderr, "ippoolctl: store export: %s: %s\n", argv[2],
		    strerror(errno));
		return (EX_CANTCREAT);
	}
	st = ctl_store(ctl);
	for (t = 0; t < IPP_T_COUNT; t++) {
		/* windows are live hourly counts that expire within hours;
		 * Redis keeps them with a TTL and cannot list them */
		if (t == IPP_T_WINDOW)
			continue;
		ea.tab = (enum ipp_table) t;
		if (ipp_store_scan(st, ea.tab, "", 0, export_cb, &ea) < 0) {
			if (ea.failed)
				(void) fprintf(stderr, "ippoolctl: store export: %s: %s\n",
				    argc == 3 ? argv[2] : "standard output", strerror(errno));
			else
				(void) fprintf(stderr, "ippoolctl: store export: %s: store failure reading table %s\n",
				    ipp_store_describe(st), ipp_table_name(ea.tab));
			if (ea.out != stdout)
				(void) fclose(ea.out);
			return (ea.failed ? EX_IOERR : EX_TEMPFAIL);
		}
	}
	if ((ea.out != stdout ? fclose(ea.out) : fflush(ea.out)) != 0) {
		(void) fprintf(stderr, "ippoolctl: store export: %s: %s\n",
		    argc == 3 ? argv[2] : "standard output", strerror(errno));
		return (EX_IOERR);
	}
	(void) fprintf(stderr, "ippoolctl: store export: %lu records from %s\n", ea.n,
	    ipp_store_describe(st));
	return (0);
}

struct rec {
	enum ipp_table tab;
	unsigned char *k, *v;
	size_t	kl, vl;
};

struct import {
	struct rec *r;
	size_t	n, cap;
	size_t	from, to;		/* the batch the body writes */
};

static int
unhex(const char *s, size_t len, unsigned char **out, size_t *outlen)
{
	size_t	i;

	if (len % 2 != 0 || (*out = malloc(len / 2 + 1)) == NULL)
		return (-1);
	for (i = 0; i < len; i += 2) {
		int	hi, lo;

		hi = (s[i] >= '0' && s[i] <= '9') ? s[i] - '0'
		    : (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10 : -1;
		lo = (s[i + 1] >= '0' && s[i + 1] <= '9') ? s[i + 1] - '0'
		    : (s[i + 1] >= 'a' && s[i + 1] <= 'f') ? s[i + 1] - 'a' + 10 : -1;
		if (hi < 0 || lo < 0) {
			free(*out);
			*out = NULL;
			return (-1);
		}
		(*out)[i / 2] = (unsigned char) (hi << 4 | lo);
	}
	*outlen = len / 2;
	return (0);
}

/* "key" or "key_hex" (exactly one) into a malloc()ed buffer. */
static int
get_bytes(json_t *o, const char *name, unsigned char **out, size_t *len,
    const char **why)
{
	char	hname[32];
	json_t *s, *h;

	(void) snprintf(hname, sizeof(hname), "%s_hex", name);
	s = json_object_get(o, name);
	h = json_object_get(o, hname);
	if ((s == NULL) == (h == NULL)) {
		*why = "needs exactly one of the two forms";
		return (-1);
	}
	if (!json_is_string(s ? s : h)) {
		*why = "is not a string";
		return (-1);
	}
	if (h != NULL) {
		if (unhex(json_string_value(h), json_string_length(h), out, len) != 0) {
			*why = "is not lower-case hex";
			return (-1);
		}
		return (0);
	}
	*len = json_string_length(s);
	if ((*out = malloc(*len + 1)) == NULL) {
		*why = "out of memory";
		return (-1);
	}
	(void) memcpy(*out, json_string_value(s), *len);
	return (0);
}

static int
parse_record(const char *line, size_t len, struct rec *r, char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *o, *t;
	const char *name, *what = NULL, *field;
	const char *known[] = { "table", "key", "key_hex", "value", "value_hex", NULL };
	void   *it;
	int	i;

	memset(r, 0, sizeof(*r));
	if ((o = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr)) == NULL) {
		(void) snprintf(why, whylen, "not JSON: %s", jerr.text);
		return (-1);
	}
	if (!json_is_object(o)) {
		(void) snprintf(why, whylen, "not a JSON object");
		goto bad;
	}
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it)) {
		field = json_object_iter_key(it);
		for (i = 0; known[i] && strcmp(known[i], field) != 0; i++)
			;
		if (known[i] == NULL) {
			(void) snprintf(why, whylen, "unknown field \"%.40s\"", field);
			goto bad;
		}
	}
	t = json_object_get(o, "table");
	if ((name = json_string_value(t)) == NULL) {
		(void) snprintf(why, whylen, "no \"table\"");
		goto bad;
	}
	for (i = 0; i < IPP_T_COUNT && strcmp(ipp_table_name((enum ipp_table) i), name) != 0; i++)
		;
	if (i == IPP_T_COUNT || i == IPP_T_WINDOW) {
		(void) snprintf(why, whylen, "table \"%.40s\" is not one export writes", name);
		goto bad;
	}
	r->tab = (enum ipp_table) i;
	if (get_bytes(o, "key", &r->k, &r->kl, &what) != 0) {
		(void) snprintf(why, whylen, "key %s", what);
		goto bad;
	}
	if (r->kl < 1 || r->kl > KEY_MAX) {
		(void) snprintf(why, whylen, "key of %zu bytes (1 to %d)", r->kl, KEY_MAX);
		goto bad;
	}
	if (get_bytes(o, "value", &r->v, &r->vl, &what) != 0) {
		(void) snprintf(why, whylen, "value %s", what);
		goto bad;
	}
	if (r->vl > VALUE_MAX) {
		(void) snprintf(why, whylen, "value of %zu bytes (at most %d)", r->vl, VALUE_MAX);
		goto bad;
	}
	json_decref(o);
	return (0);
bad:
	free(r->k);
	free(r->v);
	r->k = r->v = NULL;
	json_decref(o);
	return (-1);
}

static int
import_body(struct ipp_txn *txn, void *arg)
{
	struct import *im = arg;
	size_t	i;
	int	rc;

	for (i = im->from; i < im->to; i++) {
		struct rec *r = &im->r[i];

		if ((rc = ipp_txn_put(txn, r->tab, r->k, r->kl, r->v, r->vl)) < 0)
			return (rc);
	}
	return (IPP_OK);
}

static void
import_free(struct import *im)
{
	size_t	i;

	for (i = 0; i < im->n; i++) {
		free(im->r[i].k);
		free(im->r[i].v);
	}
	free(im->r);
}

/* Read and check the whole file; nothing is written when a line is bad. */
static int
import_read(FILE *in, const char *name, struct import *im)
{
	char   *line = NULL, why[300];
	size_t	cap = 0;
	ssize_t	len;
	unsigned long lineno = 0, bad = 0;

	while ((len = getline(&line, &cap, in)) >= 0) {
		struct rec r;

		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (len > LINE_MAX_) {
			(void) fprintf(stderr, "%s:%lu: line of %zd bytes is too long\n", name,
			    lineno, len);
			bad++;
			continue;
		}
		if (parse_record(line, (size_t) len, &r, why, sizeof(why)) != 0) {
			(void) fprintf(stderr, "%s:%lu: %s\n", name, lineno, why);
			if (++bad >= 20) {
				(void) fprintf(stderr, "%s: too many errors\n", name);
				break;
			}
			continue;
		}
		if (r.tab == IPP_T_META && r.kl == 6 && memcmp(r.k, "schema", 6) == 0
		    && (r.vl != 1 || memcmp(r.v, "1", 1) != 0)) {
			(void) fprintf(stderr, "%s:%lu: store schema version %.*s is not 1\n",
			    name, lineno, (int) (r.vl < 20 ? r.vl : 20), (char *) r.v);
			free(r.k);
			free(r.v);
			bad++;
			continue;
		}
		if (im->n == im->cap) {
			size_t	ncap = im->cap ? 2 * im->cap : 256;
			struct rec *nr = realloc(im->r, ncap * sizeof(*nr));

			if (nr == NULL) {
				free(r.k);
				free(r.v);
				free(line);
				(void) fprintf(stderr, "ippoolctl: store import: out of memory\n");
				return (EX_SOFTWARE);
			}
			im->r = nr;
			im->cap = ncap;
		}
		im->r[im->n++] = r;
	}
	free(line);
	if (ferror(in)) {
		(void) fprintf(stderr, "ippoolctl: store import: %s: %s\n", name, strerror(errno));
		return (EX_IOERR);
	}
	if (bad) {
		(void) fprintf(stderr, "ippoolctl: store import: %s: %lu bad line%s: nothing imported\n",
		    name, bad, bad == 1 ? "" : "s");
		return (EX_DATAERR);
	}
	return (0);
}

static int
sub_import(struct ctl *ctl, int argc, char **argv)
{
	struct import im;
	struct ipp_store *st;
	const char *name;
	FILE   *in;
	int	rc;

	if (argc != 3)
		return (usage());
	memset(&im, 0, sizeof(im));
	name = strcmp(argv[2], "-") == 0 ? "standard input" : argv[2];
	if (strcmp(argv[2], "-") == 0)
		in = stdin;
	else if ((in = fopen(argv[2], "r")) == NULL) {
		(void) fprintf(stderr, "ippoolctl: store import: %s: %s\n", argv[2],
		    strerror(errno));
		return (EX_NOINPUT);
	}
	rc = import_read(in, name, &im);
	if (in != stdin)
		(void) fclose(in);
	if (rc != 0) {
		import_free(&im);
		return (rc);
	}
	st = ctl_store(ctl);
	for (im.from = 0; im.from < im.n; im.from = im.to) {
		im.to = im.from + IMPORT_BATCH < im.n ? im.from + IMPORT_BATCH : im.n;
		if (ipp_store_run(st, import_body, &im) < 0) {
			(void) fprintf(stderr,
			    "ippoolctl: store import: %s: store failure after %zu of %zu records: run the same import again (records are replaced, never added twice)\n",
			    ipp_store_describe(st), im.from, im.n);
			import_free(&im);
			return (EX_TEMPFAIL);
		}
	}
	(void) printf("%zu records imported into %s\n", im.n, ipp_store_describe(st));
	import_free(&im);
	return (0);
}

int
cmd_store(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2)
		return (usage());
	if (strcmp(argv[1], "verify") == 0 && argc == 2)
		return (sub_verify(ctl));
	if (strcmp(argv[1], "recover") == 0)
		return (sub_recover(ctl, argc, argv));
	if (strcmp(argv[1], "backup") == 0)
		return (sub_backup(ctl, argc, argv));
	if (strcmp(argv[1], "export") == 0)
		return (sub_export(ctl, argc, argv));
	if (strcmp(argv[1], "import") == 0)
		return (sub_import(ctl, argc, argv));
	return (usage());
}
