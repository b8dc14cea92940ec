/* test_keytable.c - the DKIM keytable: line syntax with FILE:LINE messages,
 * key file checks (mode, truncated, wrong type, small RSA, public key),
 * lookups by domain and closest parent, and a changed key file being read
 * again on reload. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "keytable.h"
#include "tap.h"

static char errbuf[16384];

/* Write a fresh key of TYPE ("RSA", "ED25519", "EC") to NAME, mode 0600. */
static const char *
keyfile(const char *name, const char *type, size_t bits)
{
	static char path[512];
	EVP_PKEY *pkey;
	FILE   *fp;

	if (strcmp(type, "RSA") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
	else if (strcmp(type, "EC") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, type);
	(void) snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	if (pkey == NULL || (fp = fopen(path, "w")) == NULL
	    || PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL) != 1
	    || fclose(fp) != 0 || chmod(path, 0600) != 0) {
		perror(path);
		exit(99);
	}
	EVP_PKEY_free(pkey);
	return (path);
}

static struct ipp_keytable *
load(const char *text, const struct ipp_keytable *old)
{
	const char *f = tap_write("keys", text);
	FILE   *errs = fmemopen(errbuf, sizeof(errbuf), "w");
	struct ipp_keytable *kt;

	memset(errbuf, 0, sizeof(errbuf));
	kt = ipp_keytable_load(f, old, errs);
	(void) fclose(errs);
	return (kt);
}

/* The one error line a bad table gives, without the "DIR/keys:" prefix. */
static const char *
err_of(const char *text)
{
	static char line[4096];
	struct ipp_keytable *kt = load(text, NULL);
	size_t	plen = strlen(tap_tmpdir()) + strlen("/keys:");
	char   *nl;

	if (kt != NULL) {
		ipp_keytable_free(kt);
		return ("(loaded)");
	}
	if (strncmp(errbuf, tap_tmpdir(), strlen(tap_tmpdir())) != 0)
		return (errbuf);
	(void) snprintf(line, sizeof(line), "%s", errbuf + plen);
	if ((nl = strchr(line, '\n')) != NULL) {
		if (nl[1] != '\0')
			return ("(more than one error)");
		*nl = '\0';
	}
	return (line);
}

int
main(void)
{
	struct ipp_keytable *kt, *kt2;
	const struct ipp_dkim_key *k;
	char	text[4096], want[4096], rsa[512], ed[512], other[512], small[512],
		ec[512], trunc[512], pub[512], old_pub[2048];
	const char *d = tap_tmpdir();
	FILE   *fp;
	size_t	n;

	(void) snprintf(rsa, sizeof(rsa), "%s", keyfile("rsa.key", "RSA", 1024));
	(void) snprintf(ed, sizeof(ed), "%s", keyfile("ed.key", "ED25519", 0));
	(void) snprintf(other, sizeof(other), "%s", keyfile("other.key", "RSA", 2048));
	(void) snprintf(small, sizeof(small), "%s", keyfile("small.key", "RSA", 512));
	(void) snprintf(ec, sizeof(ec), "%s", keyfile("ec.key", "EC", 0));

	/* --- a good table ---------------------------------------------------- */
	(void) snprintf(text, sizeof(text),
	    "# DKIM keys\n"
	    "\n"
	    "Example.COM  rsa2026  %s   # the RSA key\n"
	    "example.com\ted2026\ted.key\n"		/* relative: beside the table */
	    "other.org s1 %s\n", rsa, other);
	kt = load(text, NULL);
	ok(kt != NULL, "a good keytable loads");
	if (kt == NULL) {
		(void) printf("# %s", errbuf);
		return (done_testing());
	}
	is_int(kt->nkeys, 3, "three keys");
	is_str(kt->keys[0].domain, "example.com", "domain lower-cased, sorted first");
	is_str(kt->keys[0].selector, "rsa2026", "keytable order within a domain: rsa first");
	is_int(kt->keys[0].type, IPP_KEY_RSA, "rsa type");
	is_int(kt->keys[0].bits, 1024, "rsa bits");
	is_int(kt->keys[0].line, 3, "line number kept");
	is_int(kt->keys[1].type, IPP_KEY_ED25519, "ed25519 type");
	(void) snprintf(want, sizeof(want), "%s/ed.key", d);
	is_str(kt->keys[1].file, want, "relative key path resolved against the keytable's directory");
	is_int(strlen(kt->keys[1].pubkey), 44, "ed25519 p= is base64 of 32 bytes");
	ok(strncmp(kt->keys[2].pubkey, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A", 32) == 0,
	    "rsa-2048 p= is a SubjectPublicKeyInfo");
	ok(strstr(kt->keys[0].pem, "-----BEGIN PRIVATE KEY-----") != NULL, "PEM text kept for libopendkim");

	/* --- lookups: the domain, else its closest parent ------------------- */
	n = ipp_keytable_find(kt, "example.com", &k);
	is_int(n, 2, "example.com: two keys");
	n = ipp_keytable_find(kt, "mail.Example.com", &k);
	is_int(n, 2, "mail.example.com: the parent's two keys");
	is_str(n ? k->domain : NULL, "example.com", "mail.example.com signs as d=example.com");
	n = ipp_keytable_find(kt, "a.b.c.example.com.", &k);
	is_int(n, 2, "deep subdomain with a trailing dot: the parent's keys");
	n = ipp_keytable_find(kt, "other.org", &k);
	is_int(n, 1, "other.org: one key");
	is_str(n ? k->selector : NULL, "s1", "other.org selector");
	is_int(ipp_keytable_find(kt, "example.org", &k), 0, "example.org: no key");
	ok(k == NULL, "no key: NULL");
	is_int(ipp_keytable_find(kt, "com", &k), 0, "a bare TLD never matches");
	is_int(ipp_keytable_find(kt, "xexample.com", &k), 0, "a suffix that is not a parent does not match");
	is_int(ipp_keytable_find(kt, "", &k), 0, "empty domain");

	/* a reload with the old table: an unchanged file gives the same key,
	 * a replaced one is read again */
	(void) snprintf(old_pub, sizeof(old_pub), "%s", kt->keys[2].pubkey);
	kt2 = load(text, kt);
	ok(kt2 != NULL && strcmp(kt2->keys[2].pubkey, old_pub) == 0, "reload: unchanged key file, same key");
	ipp_keytable_free(kt2);
	(void) keyfile("other.key", "RSA", 2048);
	kt2 = load(text, kt);
	ok(kt2 != NULL && strcmp(kt2->keys[2].pubkey, old_pub) != 0, "reload: replaced key file read again");
	ipp_keytable_free(kt2);
	ipp_keytable_free(kt);

	/* --- bad lines ----------------------------------------------------- */
	is_str(err_of("example.com s1\n"), "1: expected DOMAIN SELECTOR KEYFILE, found 2 fields",
	    "two fields");
	(void) snprintf(text, sizeof(text), "\nexample.com s1 %s extra\n", rsa);
	is_str(err_of(text), "2: expected DOMAIN SELECTOR KEYFILE, found 4 fields", "four fields");
	(void) snprintf(text, sizeof(text), "exa_mple.com s1 %s\n", rsa);
	is_str(err_of(text), "1: \"exa_mple.com\" is not a domain name", "bad domain");
	(void) snprintf(text, sizeof(text), "localhost s1 %s\n", rsa);
	is_str(err_of(text), "1: \"localhost\": a signing domain has at least two labels",
	    "single-label domain");
	(void) snprintf(text, sizeof(text), "example.com s_1 %s\n", rsa);
	is_str(err_of(text), "1: \"s_1\" is not a selector (letters, digits, hyphens, dots)",
	    "bad selector");
	(void) snprintf(text, sizeof(text), "example.com s1 %s\nexample.com S1 %s\n", rsa, ed);
	is_str(err_of(text), "2: example.com selector S1 is listed twice (first at line 1)",
	    "selector twice");
	(void) snprintf(text, sizeof(text), "example.com s1 %s\nexample.com s2 %s\n", rsa, other);
	is_str(err_of(text), "2: example.com already has an rsa key (line 1): one key of each type per domain",
	    "two RSA keys for one domain");

	/* --- bad key files -------------------------------------------------- */
	(void) chmod(rsa, 0644);
	(void) snprintf(text, sizeof(text), "example.com s1 %s\n", rsa);
	(void) snprintf(want, sizeof(want),
	    "1: %s: key file is readable by group or others (mode 0644): chmod 600 %s", rsa, rsa);
	is_str(err_of(text), want, "world-readable key refused");
	(void) chmod(rsa, 0640);
	(void) snprintf(want, sizeof(want),
	    "1: %s: key file is readable by group or others (mode 0640): chmod 600 %s", rsa, rsa);
	is_str(err_of(text), want, "group-readable key refused");
	(void) chmod(rsa, 0602);
	(void) snprintf(want, sizeof(want),
	    "1: %s: key file is accessible by group or others (mode 0602): chmod 600 %s", rsa, rsa);
	is_str(err_of(text), want, "world-writable key refused");

	/* readable by the run user's group (and nothing more): allowed */
	{
		struct stat kst;

		(void) stat(rsa, &kst);
		(void) chmod(rsa, 0640);
		ipp_keytable_set_group(kst.st_gid);
		is_str(err_of(text), "(loaded)", "group-readable key of the run user's group accepted");
		(void) chmod(rsa, 0660);
		(void) snprintf(want, sizeof(want),
		    "1: %s: key file is readable by group or others (mode 0660): chmod 600 %s", rsa, rsa);
		is_str(err_of(text), want, "  but not group-writable");
		(void) chmod(rsa, 0644);
		(void) snprintf(want, sizeof(want),
		    "1: %s: key file is readable by group or others (mode 0644): chmod 600 %s", rsa, rsa);
		is_str(err_of(text), want, "  nor world-readable");
		(void) chmod(rsa, 0640);
		ipp_keytable_set_group(kst.st_gid + 1);
		ok(strstr(err_of(text), "(mode 0640): chmod 600 ") != NULL
		    && strstr(err_of(text), "(or chgrp ") != NULL,
		    "readable by another group: refused, saying chmod 600 or chgrp");
		ipp_keytable_set_group((gid_t) -1);
	}
	(void) chmod(rsa, 0600);

	/* truncated: the first half of a PEM key */
	(void) snprintf(trunc, sizeof(trunc), "%s/trunc.key", d);
	{
		char	buf[8192];
		size_t	len;

		fp = fopen(other, "r");
		len = fp ? fread(buf, 1, sizeof(buf), fp) : 0;
		if (fp)
			(void) fclose(fp);
		fp = fopen(trunc, "w");
		if (fp == NULL || fwrite(buf, 1, len / 2, fp) != len / 2 || fclose(fp) != 0)
			return (99);
		(void) chmod(trunc, 0600);
	}
	(void) snprintf(text, sizeof(text), "example.com s1 %s\n", trunc);
	(void) snprintf(want, sizeof(want), "1: %s: truncated (no -----END line)", trunc);
	is_str(err_of(text), want, "truncated key refused");

	(void) snprintf(text, sizeof(text), "example.com s1 %s\n", ec);
	(void) snprintf(want, sizeof(want),
	    "1: %s: EC key: DKIM keys must be RSA (1024 bits or more) or Ed25519", ec);
	is_str(err_of(text), want, "EC key refused (wrong type)");

	(void) snprintf(text, sizeof(text), "example.com s1 %s\n", small);
	(void) snprintf(want, sizeof(want),
	    "1: %s: RSA key of 512 bits is too small (1024 at least, 2048 recommended)", small);
	is_str(err_of(text), want, "512-bit RSA key refused");

	(void) snprintf(pub, sizeof(pub), "%s/pub.key", d);
	fp = fopen(pub, "w");
	if (fp == NULL || fputs("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n", fp) == EOF
	    || fclose(fp) != 0)
		return (99);
	(void) chmod(pub, 0600);
	(void) snprintf(text, sizeof(text), "example.com s1 %s\n", pub);
	(void) snprintf(want, sizeof(want), "1: %s: holds a public key, not a private key", pub);
	is_str(err_of(text), want, "public key instead of a private key");

	(void) snprintf(text, sizeof(text), "example.com s1 %s/missing.key\n", d);
	(void) snprintf(want, sizeof(want), "1: %s/missing.key: cannot open key file: No such file or directory", d);
	is_str(err_of(text), want, "missing key file");

	(void) snprintf(text, sizeof(text), "example.com s1 %s\n", d);
	(void) snprintf(want, sizeof(want), "1: %s: not a regular file", d);
	is_str(err_of(text), want, "a directory is not a key");

	/* several problems: all reported, in line order */
	(void) snprintf(text, sizeof(text), "bad\nexample.com s1 %s\nexample.com s2 %s\n", small, ec);
	kt = load(text, NULL);
	ok(kt == NULL, "several problems: refused");
	(void) snprintf(want, sizeof(want),
	    "%s/keys:1: expected DOMAIN SELECTOR KEYFILE, found 1 field\n"
	    "%s/keys:2: %s: RSA key of 512 bits is too small (1024 at least, 2048 recommended)\n"
	    "%s/keys:3: %s: EC key: DKIM keys must be RSA (1024 bits or more) or Ed25519\n",
	    d, d, small, d, ec);
	is_str(errbuf, want, "every problem reported as FILE:LINE: message");

	/* an empty table is valid: nothing signs */
	kt = load("# nothing yet\n", NULL);
	ok(kt != NULL && kt->nkeys == 0, "an empty keytable loads");
	ipp_keytable_free(kt);

	ok(ipp_keytable_load("/nonexistent/keys", NULL, NULL) == NULL, "missing keytable refused");

	/* tag=value lists: DKIM-Signature, key and DMARC records */
	{
		char	v[64];

		is_str(ipp_dkim_tag("v=1; a=rsa-sha256; d=example.com;\r\n\ts=sel;", "s", v, sizeof(v)),
		    "sel", "tag after folding white space");
		is_str(ipp_dkim_tag("v=DKIM1; k=rsa; p=MIIB\r\n\tIjAN", "p", v, sizeof(v)),
		    "MIIBIjAN", "value unfolded");
		is_str(ipp_dkim_tag("v=DMARC1;p=reject;sp=none", "sp", v, sizeof(v)), "none",
		    "no spaces at all");
		ok(ipp_dkim_tag("v=DMARC1; sp=none", "p", v, sizeof(v)) == NULL, "sp= is not p=");
		is_str(ipp_dkim_tag("v=DKIM1; p=", "p", v, sizeof(v)), "", "empty value (revoked key)");
		ok(ipp_dkim_tag("d=a-very-long-domain.example", "d", v, 8) == NULL, "value too long: NULL");
		ok(ipp_dkim_tag("garbage without tags", "d", v, sizeof(v)) == NULL, "no tags");
	}
	return (done_testing());
}
