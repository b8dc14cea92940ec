/* keytable.c - the DKIM keytable and its key files.  Every problem is
 * reported at once, "KEYTABLE:LINE: KEYFILE: what is wrong", so an
 * administrator fixes them all in one pass; a table with any problem is
 * refused whole, because signing with some keys and silently not with
 * others is worse than not starting. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "readall.h"
#include "addr.h"
#include "keytable.h"
#include "parse.h"

#define KT_LINE_MAX 4096

char *
ipp_dkim_tag(const char *list, const char *tag, char *out, size_t outlen)
{
	const char *p = list;
	size_t	tlen = strlen(tag);

	while (*p) {
		const char *t, *v;
		size_t	n, o = 0;

		while (isspace((unsigned char) *p) || *p == ';')
			p++;
		t = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		if (*p != '=')
			continue;
		n = (size_t) (p - t);
		while (n > 0 && isspace((unsigned char) t[n - 1]))
			n--;
		for (v = ++p; *p && *p != ';'; p++)
			;
		if (n != tlen || strncasecmp(t, tag, n) != 0)
			continue;
		/* the value without folding white space */
		for (; v < p; v++)
			if (!isspace((unsigned char) *v)) {
				if (o + 1 >= outlen)
					return (NULL);
				out[o++] = *v;
			}
		out[o] = '\0';
		return (out);
	}
	return (NULL);
}

const char *
ipp_key_type_name(enum ipp_key_type t)
{
	return (t == IPP_KEY_ED25519 ? "ed25519" : "rsa");
}

const char *
ipp_key_alg_name(enum ipp_key_type t)
{
	return (t == IPP_KEY_ED25519 ? "ed25519-sha256" : "rsa-sha256");
}

/* Never prompt on a terminal for a passphrase: refuse encrypted keys. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void) buf;
	(void) size;
	(void) rwflag;
	(void) u;
	return (-1);
}

static char *
b64(const unsigned char *in, size_t len)
{
	char   *out;

	if (len > 1024 * 1024 || (out = malloc(4 * ((len + 2) / 3) + 1)) == NULL)
		return (NULL);
	(void) EVP_EncodeBlock((unsigned char *) out, in, (int) len);
	return (out);
}

char *
ipp_dkim_pubkey(EVP_PKEY *pkey)
{
	unsigned char *der = NULL, raw[32];
	size_t	rawlen = sizeof(raw);
	char   *out;
	int	len;

	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) != 1)
			return (NULL);
		return (b64(raw, rawlen));
	}
	if ((len = i2d_PUBKEY(pkey, &der)) <= 0)
		return (NULL);
	out = b64(der, (size_t) len);
	OPENSSL_free(der);
	return (out);
}

char *
ipp_dkim_txt(const struct ipp_dkim_key *key)
{
	char   *txt;

	if (asprintf(&txt, "v=DKIM1; k=%s; p=%s", ipp_key_type_name(key->type),
	    key->pubkey) < 0)
		return (NULL);
	return (txt);
}

void
ipp_dkim_key_clear(struct ipp_dkim_key *key)
{
	free(key->domain);
	free(key->selector);
	free(key->file);
	if (key->pem != NULL) {
		OPENSSL_cleanse(key->pem, key->pemlen);
		free(key->pem);
	}
	free(key->pubkey);
	EVP_PKEY_free(key->pkey);
	memset(key, 0, sizeof(*key));
}

/* Why OpenSSL did not take the text, from what the text looks like. */
static const char *
pem_problem(const char *text)
{
	const char *begin = strstr(text, "-----BEGIN ");

	if (begin == NULL)
		return ("not a PEM file (no -----BEGIN line)");
	if (strncmp(begin, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0
	    || strstr(text, "Proc-Type: 4,ENCRYPTED") != NULL)
		return ("encrypted: keys with a passphrase cannot be used unattended");
	if (strncmp(begin, "-----BEGIN PUBLIC KEY-----", 26) == 0
	    || strncmp(begin, "-----BEGIN RSA PUBLIC KEY-----", 30) == 0)
		return ("holds a public key, not a private key");
	if (strstr(begin, "-----END ") == NULL)
		return ("truncated (no -----END line)");
	return ("not a valid PEM private key (damaged or truncated)");
}

static void
stamp_of(const struct stat *st, struct ipp_key_stamp *s)
{
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
	s->ctime = st->st_ctim;
}

/* The group that may read key files (the run user's); -1: none. */
static gid_t key_group = (gid_t) -1;

void
ipp_keytable_set_group(gid_t gid)
{
	key_group = gid;
}

/*
 * A key file must be secret: refuse one that others may read or replace.
 * Readable by its group (and nothing more) is allowed only when that group
 * is the run user's: root:ippool 0640 lets the daemon read its keys on a
 * reload, after it has dropped root.
 */
static int
mode_ok(const char *file, const struct stat *st, char *err, size_t errlen)
{
	mode_t	m = st->st_mode & 07777;

	if (!S_ISREG(st->st_mode)) {
		(void) snprintf(err, errlen, "%s: not a regular file", file);
		return (-1);
	}
	if ((m & (S_IRWXG | S_IRWXO)) == S_IRGRP && key_group != (gid_t) -1
	    && st->st_gid == key_group)
		return (0);
	if (m & (S_IRWXG | S_IRWXO)) {
		char	alt[PATH_MAX + 64] = "";

		/* only the group is wrong: say which one would do */
		if ((m & (S_IRWXG | S_IRWXO)) == S_IRGRP && key_group != (gid_t) -1) {
			struct group *gr = getgrgid(key_group);

			if (gr != NULL)
				(void) snprintf(alt, sizeof(alt), " (or chgrp %s %s)", gr->gr_name, file);
			else
				(void) snprintf(alt, sizeof(alt), " (or chgrp %u %s)",
				    (unsigned) key_group, file);
		}
		(void) snprintf(err, errlen,
		    "%s: key file is %s by group or others (mode %04o): chmod 600 %s%s",
		    file, m & (S_IRGRP | S_IROTH) ? "readable" : "accessible",
		    (unsigned) m, file, alt);
		return (-1);
	}
	return (0);
}

int
ipp_dkim_key_read(const char *file, struct ipp_dkim_key *key, char *err,
    size_t errlen)
{
	struct stat st;
	EVP_PKEY *pkey = NULL;
	BIO    *bio = NULL;
	char   *text = NULL;
	size_t	got = 0;
	int	fd, id, rc = -1;

	/* O_NONBLOCK: a FIFO named as a key file is refused below, not waited on */
	if ((fd = open(file, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		(void) snprintf(err, errlen, "%s: cannot open key file: %s", file,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0) {
		(void) snprintf(err, errlen, "%s: cannot stat: %s", file, strerror(errno));
		goto out;
	}
	if (mode_ok(file, &st, err, errlen) != 0)
		goto out;
	if (st.st_size == 0) {
		(void) snprintf(err, errlen, "%s: key file is empty", file);
		goto out;
	}
	if (st.st_size > IPP_KEY_MAX_BYTES) {
		(void) snprintf(err, errlen, "%s: too large to be a key file (%lld bytes)",
		    file, (long long) st.st_size);
		goto out;
	}
	if ((text = malloc((size_t) st.st_size + 1)) == NULL) {
		(void) snprintf(err, errlen, "%s: out of memory", file);
		goto out;
	}
	if (ipp_read_all(fd, text, (size_t) st.st_size, &got) != 0) {
		(void) snprintf(err, errlen, "%s: read error: %s", file, strerror(errno));
		goto out;
	}
	text[got] = '\0';
	if (memchr(text, '\0', got) != NULL) {
		(void) snprintf(err, errlen, "%s: not a PEM file (binary data)", file);
		goto out;
	}
	if ((bio = BIO_new_mem_buf(text, (int) got)) == NULL) {
		(void) snprintf(err, errlen, "%s: out of memory", file);
		goto out;
	}
	if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL) {
		(void) snprintf(err, errlen, "%s: %s", file, pem_problem(text));
		goto out;
	}
	id = EVP_PKEY_get_base_id(pkey);
	if (id == EVP_PKEY_RSA) {
		key->type = IPP_KEY_RSA;
		key->bits = (unsigned) EVP_PKEY_get_bits(pkey);
		if (key->bits < IPP_RSA_MIN_BITS) {
			(void) snprintf(err, errlen,
			    "%s: RSA key of %u bits is too small (%u at least, 2048 recommended)",
			    file, key->bits, IPP_RSA_MIN_BITS);
			goto out;
		}
	} else if (id == EVP_PKEY_ED25519) {
		key->type = IPP_KEY_ED25519;
		key->bits = 256;
	} else {
		(void) snprintf(err, errlen,
		    "%s: %s key: DKIM keys must be RSA (1024 bits or more) or Ed25519",
		    file, EVP_PKEY_get0_type_name(pkey) ? EVP_PKEY_get0_type_name(pkey) : "unknown");
		goto out;
	}
	if ((key->pubkey = ipp_dkim_pubkey(pkey)) == NULL) {
		(void) snprintf(err, errlen, "%s: cannot derive the public key", file);
		goto out;
	}
	key->pem = text;
	key->pemlen = got;
	text = NULL;
	key->pkey = pkey;
	pkey = NULL;
	stamp_of(&st, &key->stamp);
	rc = 0;
out:
	/* the error queue is per thread: leave nothing for the next caller */
	ERR_clear_error();
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	if (text != NULL) {
		OPENSSL_cleanse(text, got);
		free(text);
	}
	(void) close(fd);
	return (rc);
}

/* --- the table ------------------------------------------------------------ */

struct ktctx {
	const char *file;
	FILE   *errs;
	int	nerrs;
};

static void kterr(struct ktctx *, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
kterr(struct ktctx *k, int line, const char *fmt, ...)
{
	va_list	ap;

	k->nerrs++;
	if (k->errs == NULL)
		return;
	if (line > 0)
		(void) fprintf(k->errs, "%s:%d: ", k->file, line);
	else
		(void) fprintf(k->errs, "%s: ", k->file);
	va_start(ap, fmt);
	(void) vfprintf(k->errs, fmt, ap);
	va_end(ap);
	(void) fputc('\n', k->errs);
}

static int
key_cmp(const void *a, const void *b)
{
	const struct ipp_dkim_key *x = a, *y = b;
	int	c = strcmp(x->domain, y->domain);

	return (c != 0 ? c : x->line - y->line);
}

static int
stamp_equal(const struct ipp_key_stamp *a, const struct ipp_key_stamp *b)
{
	return (a->dev == b->dev && a->ino == b->ino && a->size == b->size
	    && a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec
	    && a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec);
}

/* Take over OLD's copy of an unchanged key file; 1 if done, 0 if not. */
static int
key_reuse(const struct ipp_keytable *old, struct ipp_dkim_key *key, char *err,
    size_t errlen, int *failed)
{
	struct stat st;
	size_t	i;

	*failed = 0;
	if (old == NULL || stat(key->file, &st) != 0)
		return (0);
	if (mode_ok(key->file, &st, err, errlen) != 0) {
		*failed = 1;
		return (0);
	}
	for (i = 0; i < old->nkeys; i++) {
		const struct ipp_dkim_key *o = &old->keys[i];
		struct ipp_key_stamp now;

		stamp_of(&st, &now);
		if (strcmp(o->file, key->file) != 0 || !stamp_equal(&o->stamp, &now))
			continue;
		if ((key->pem = malloc(o->pemlen + 1)) == NULL
		    || (key->pubkey = strdup(o->pubkey)) == NULL) {
			free(key->pem);
			key->pem = NULL;
			return (0);	/* read it again instead */
		}
		if (o->pkey == NULL || EVP_PKEY_up_ref(o->pkey) != 1) {
			free(key->pem);
			free(key->pubkey);
			key->pem = key->pubkey = NULL;
			return (0);	/* read it again instead */
		}
		key->pkey = o->pkey;
		(void) memcpy(key->pem, o->pem, o->pemlen + 1);
		key->pemlen = o->pemlen;
		key->type = o->type;
		key->bits = o->bits;
		key->stamp = o->stamp;
		return (1);
	}
	return (0);
}

static int
valid_selector(const char *s)
{
	/* RFC 6376 3.1: sub-domain syntax, so a hostname check fits */
	return (strlen(s) <= 63 && ipp_valid_hostname(s));
}

/* Split a line into at most 4 fields; a field starting with '#' ends it. */
static int
split(char *line, char *fields[4])
{
	int	n = 0;
	char   *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0' || *p == '#')
			return (n);
		if (n == 4)
			return (5);
		fields[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static char *
resolve_path(const char *table, const char *path)
{
	const char *slash;
	char   *out;

	if (path[0] == '/')
		return (strdup(path));
	/* relative to the keytable's directory, as keys usually sit beside it */
	slash = strrchr(table, '/');
	if (slash == NULL)
		return (strdup(path));
	if (asprintf(&out, "%.*s/%s", (int) (slash - table), table, path) < 0)
		return (NULL);
	return (out);
}

/* One key of each type per domain: two RSA keys would sign twice for nothing. */
static void
check_types(struct ktctx *k, const struct ipp_keytable *kt)
{
	size_t	i, j;

	for (i = 0; i < kt->nkeys; i++)
		for (j = i + 1; j < kt->nkeys
		    && strcmp(kt->keys[i].domain, kt->keys[j].domain) == 0; j++)
			if (kt->keys[i].type == kt->keys[j].type && kt->keys[j].pem != NULL)
				kterr(k, kt->keys[j].line,
				    "%s already has an %s key (line %d): one key of each type per domain",
				    kt->keys[j].domain, ipp_key_type_name(kt->keys[j].type),
				    kt->keys[i].line);
}

struct ipp_keytable *
ipp_keytable_load(const char *file, const struct ipp_keytable *old, FILE *errs)
{
	struct ktctx k = { file, errs, 0 };
	struct ipp_keytable *kt;
	FILE   *fp;
	char   *line = NULL, *f[4], err[IPP_ERRLEN + PATH_MAX];
	size_t	cap = 0, nalloc = 0, i;
	ssize_t	len;
	int	lineno = 0, n, failed;

	if ((kt = calloc(1, sizeof(*kt))) == NULL || (kt->file = strdup(file)) == NULL) {
		kterr(&k, 0, "out of memory");
		free(kt);
		return (NULL);
	}
	if ((fp = fopen(file, "r")) == NULL) {
		kterr(&k, 0, "cannot open keytable: %s", strerror(errno));
		ipp_keytable_free(kt);
		return (NULL);
	}
	while ((len = getline(&line, &cap, fp)) >= 0) {
		struct ipp_dkim_key *key;

		lineno++;
		if (len > KT_LINE_MAX) {
			kterr(&k, lineno, "line too long (%zd bytes)", len);
			continue;
		}
		if (memchr(line, '\0', (size_t) len) != NULL) {
			kterr(&k, lineno, "NUL byte in line");
			continue;
		}
		if ((n = split(line, f)) == 0)
			continue;
		if (n != 3) {
			kterr(&k, lineno, "expected DOMAIN SELECTOR KEYFILE, found %s field%s",
			    n > 4 ? "more than 4" : n == 4 ? "4" : n == 2 ? "2" : "1",
			    n == 1 ? "" : "s");
			continue;
		}
		ipp_domain_lower(f[0]);
		if (!ipp_valid_hostname(f[0])) {
			kterr(&k, lineno, "\"%s\" is not a domain name", f[0]);
			continue;
		}
		if (strchr(f[0], '.') == NULL) {
			kterr(&k, lineno, "\"%s\": a signing domain has at least two labels", f[0]);
			continue;
		}
		if (!valid_selector(f[1])) {
			kterr(&k, lineno, "\"%s\" is not a selector (letters, digits, hyphens, dots)",
			    f[1]);
			continue;
		}
		for (i = 0; i < kt->nkeys; i++)
			if (strcmp(kt->keys[i].domain, f[0]) == 0
			    && strcasecmp(kt->keys[i].selector, f[1]) == 0)
				break;
		if (i < kt->nkeys) {
			kterr(&k, lineno, "%s selector %s is listed twice (first at line %d)",
			    f[0], f[1], kt->keys[i].line);
			continue;
		}
		if (kt->nkeys == nalloc) {
			size_t	ncap = nalloc ? nalloc * 2 : 8;
			struct ipp_dkim_key *g = realloc(kt->keys, ncap * sizeof(*g));

			if (g == NULL) {
				kterr(&k, lineno, "out of memory");
				break;
			}
			kt->keys = g;
			nalloc = ncap;
		}
		key = &kt->keys[kt->nkeys++];
		memset(key, 0, sizeof(*key));
		key->line = lineno;
		if ((key->domain = strdup(f[0])) == NULL
		    || (key->selector = strdup(f[1])) == NULL
		    || (key->file = resolve_path(file, f[2])) == NULL) {
			kterr(&k, lineno, "out of memory");
			break;
		}
		if (key_reuse(old, key, err, sizeof(err), &failed))
			continue;
		if (failed || ipp_dkim_key_read(key->file, key, err, sizeof(err)) != 0)
			kterr(&k, lineno, "%s", err);
	}
	if (ferror(fp))
		kterr(&k, 0, "read error: %s", strerror(errno));
	free(line);
	(void) fclose(fp);
	if (kt->nkeys > 1)
		qsort(kt->keys, kt->nkeys, sizeof(*kt->keys), key_cmp);
	check_types(&k, kt);
	if (k.nerrs > 0) {
		ipp_keytable_free(kt);
		return (NULL);
	}
	return (kt);
}

void
ipp_keytable_free(struct ipp_keytable *kt)
{
	size_t	i;

	if (kt == NULL)
		return;
	for (i = 0; i < kt->nkeys; i++)
		ipp_dkim_key_clear(&kt->keys[i]);
	free(kt->keys);
	free(kt->file);
	free(kt);
}

/* The first key of exactly DOMAIN, by binary search; count in *n. */
static const struct ipp_dkim_key *
find_exact(const struct ipp_keytable *kt, const char *domain, size_t *n)
{
	size_t	lo = 0, hi = kt->nkeys, end;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (strcmp(kt->keys[mid].domain, domain) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < kt->nkeys && strcmp(kt->keys[end].domain, domain) == 0; end++)
		;
	*n = end - lo;
	return (*n ? &kt->keys[lo] : NULL);
}

size_t
ipp_keytable_find(const struct ipp_keytable *kt, const char *domain,
    const struct ipp_dkim_key **keys)
{
	char	d[256];
	const char *p;
	size_t	n, len;

	*keys = NULL;
	if (kt == NULL || domain == NULL || (len = strlen(domain)) == 0 || len >= sizeof(d))
		return (0);
	(void) memcpy(d, domain, len + 1);
	ipp_domain_lower(d);
	if (d[len - 1] == '.')		/* a fully qualified name */
		d[len - 1] = '\0';
	/* the domain, then each parent that still has two labels */
	for (p = d; p != NULL && strchr(p, '.') != NULL; p = strchr(p, '.') + 1) {
		if ((*keys = find_exact(kt, p, &n)) != NULL)
			return (n);
	}
	return (0);
}
