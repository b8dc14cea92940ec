/* cmd_dkim.c - "ippoolctl dkim genkey DOMAIN SELECTOR": make a DKIM key
 * (OpenSSL 3), write it where the milter will read it (mode 0600, or
 * 0640 in the [milter] user's group when root writes it for that user, so
 * that a reload can read it), and print the DNS record to publish and the
 * keytable line to add. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "addr.h"
#include "ctl.h"
#include "keytable.h"
#include "parse.h"
#include "privs.h"

#define TXT_CHUNK 255		/* a DNS character-string holds 255 bytes */

static const char *
group_name(gid_t gid)
{
	static char num[32];
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		return (gr->gr_name);
	(void) snprintf(num, sizeof(num), "%u", (unsigned) gid);
	return (num);
}

static int
genkey_usage(void)
{
	(void) fprintf(stderr,
	    "usage: ippoolctl dkim genkey DOMAIN SELECTOR [--type rsa|ed25519] [--bits N] [--dir DIR]\n");
	return (EX_USAGE);
}

/*
 * Write the key where nobody else can read it (but GID, the group of the
 * user the milter runs as, when not -1), never over an existing file.
 */
static int
write_key(const char *path, EVP_PKEY *pkey, gid_t gid)
{
	mode_t	mode = gid != (gid_t) -1 ? 0640 : 0600;
	FILE   *fp;
	int	fd, ok;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: %s: %s%s\n", path, strerror(errno),
		    errno == EEXIST ? " (remove it first, or choose another selector)" : "");
		return (-1);
	}
	/* a umask may have taken bits away, never added any; be explicit;
	 * the group first, so the key is never readable by another one */
	if ((gid != (gid_t) -1 && fchown(fd, (uid_t) -1, gid) != 0)
	    || fchmod(fd, mode) != 0 || (fp = fdopen(fd, "w")) == NULL) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: %s: %s\n", path, strerror(errno));
		(void) close(fd);
		(void) unlink(path);
		return (-1);
	}
	ok = PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL) == 1;
	ok = fflush(fp) == 0 && ok;
	ok = fsync(fileno(fp)) == 0 && ok;
	ok = fclose(fp) == 0 && ok;
	if (!ok) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: cannot write %s\n", path);
		(void) unlink(path);
		return (-1);
	}
	return (0);
}

/*
 * The group to give the key: that of the [milter] user, when root runs
 * this with a configuration naming an existing user other than root
 * (the milter reads the key again as that user on a reload); else -1.
 */
static gid_t
key_group(struct ctl *ctl, const char **user)
{
	struct ipp_config *cfg;
	char	err[256];
	uid_t	uid;
	gid_t	gid = (gid_t) -1, g;

	*user = NULL;
	if (ctl == NULL || geteuid() != 0
	    || (cfg = ipp_config_load(ctl->conf_file, NULL)) == NULL)
		return (gid);
	if (ipp_privs_target(cfg->milter_user, &uid, &g, err, sizeof(err)) == 1) {
		static char name[256];

		(void) snprintf(name, sizeof(name), "%s", cfg->milter_user);
		*user = name;
		gid = g;
	}
	ipp_config_free(cfg);
	return (gid);
}

/* A reload, made as USER, reads the key again: can USER reach DIR? */
static void
check_dir(const char *dir, const char *user, gid_t gid)
{
	struct stat st;

	if (user == NULL || stat(dir, &st) != 0 || (st.st_mode & S_IXOTH)
	    || (st.st_gid == gid && (st.st_mode & S_IXGRP)))
		return;
	(void) fprintf(stderr,
	    "ippoolctl: dkim genkey: warning: %s (mode %04o) cannot be searched by %s, which ippool-milter runs as: a reload will not read the key; chgrp %s %s && chmod 750 %s\n",
	    dir, (unsigned) (st.st_mode & 07777), user, group_name(gid), dir, dir);
}

/* NAME IN TXT "..." "...": one line, the value cut into 255-byte strings. */
static void
print_record(const struct ipp_dkim_key *key, const char *txt)
{
	size_t	len = strlen(txt), off;

	(void) printf("%s._domainkey.%s. IN TXT", key->selector, key->domain);
	for (off = 0; off < len; off += TXT_CHUNK)
		(void) printf(" \"%.*s\"", (int) (len - off > TXT_CHUNK ? TXT_CHUNK : len - off),
		    txt + off);
	(void) printf("\n");
}

static int
genkey(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "bits", required_argument, NULL, 'b' },
		{ "dir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char *type = "rsa", *dir = ".";
	char	domain[256], dirabs[PATH_MAX], path[PATH_MAX + 512], err[IPP_ERRLEN + PATH_MAX];
	unsigned long long bits = 0;
	struct ipp_dkim_key key;
	EVP_PKEY *pkey;
	const char *user;
	gid_t	gid;
	char   *txt;
	int	ch;

	optind = 0;			/* glibc: start a new scan of this argv */
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			type = optarg;
			break;
		case 'b':
			if (ipp_parse_uint(optarg, 16384, &bits, err, sizeof(err)) != 0) {
				(void) fprintf(stderr, "ippoolctl: dkim genkey: --bits: %s\n", err);
				return (EX_USAGE);
			}
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			return (genkey_usage());
		}
	}
	if (argc - optind != 2)
		return (genkey_usage());
	if (strlen(argv[optind]) >= sizeof(domain)) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: domain name too long\n");
		return (EX_USAGE);
	}
	(void) strcpy(domain, argv[optind]);
	ipp_domain_lower(domain);
	if (!ipp_valid_hostname(domain) || strchr(domain, '.') == NULL) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: \"%s\" is not a domain name\n", domain);
		return (EX_USAGE);
	}
	if (!ipp_valid_hostname(argv[optind + 1]) || strlen(argv[optind + 1]) > 63) {
		(void) fprintf(stderr,
		    "ippoolctl: dkim genkey: \"%s\" is not a selector (letters, digits, hyphens, dots)\n",
		    argv[optind + 1]);
		return (EX_USAGE);
	}
	if (strcmp(type, "rsa") == 0) {
		if (bits == 0)
			bits = 2048;
		if (bits < IPP_RSA_MIN_BITS || bits > 8192) {
			(void) fprintf(stderr,
			    "ippoolctl: dkim genkey: --bits must be from %u to 8192 (2048 recommended)\n",
			    IPP_RSA_MIN_BITS);
			return (EX_USAGE);
		}
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) bits);
	} else if (strcmp(type, "ed25519") == 0) {
		if (bits != 0 && bits != 256) {
			(void) fprintf(stderr, "ippoolctl: dkim genkey: Ed25519 keys have no --bits\n");
			return (EX_USAGE);
		}
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	} else {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: --type must be rsa or ed25519, not \"%s\"\n",
		    type);
		return (EX_USAGE);
	}
	if (pkey == NULL) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: key generation failed: %s\n",
		    ERR_reason_error_string(ERR_get_error()));
		return (EX_SOFTWARE);
	}
	if (realpath(dir, dirabs) == NULL) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: %s: %s\n", dir, strerror(errno));
		EVP_PKEY_free(pkey);
		return (EX_CANTCREAT);
	}
	(void) snprintf(path, sizeof(path), "%s/%s.%s.key", strcmp(dirabs, "/") ? dirabs : "",
	    domain, argv[optind + 1]);
	gid = key_group(ctl, &user);
	ipp_keytable_set_group(gid);
	if (write_key(path, pkey, gid) != 0) {
		EVP_PKEY_free(pkey);
		return (EX_CANTCREAT);
	}
	EVP_PKEY_free(pkey);

	/* read it back as the milter will: what we print is what it signs with */
	memset(&key, 0, sizeof(key));
	if (ipp_dkim_key_read(path, &key, err, sizeof(err)) != 0) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: %s\n", err);
		return (EX_SOFTWARE);
	}
	key.domain = strdup(domain);
	key.selector = strdup(argv[optind + 1]);
	if (key.domain == NULL || key.selector == NULL || (txt = ipp_dkim_txt(&key)) == NULL) {
		(void) fprintf(stderr, "ippoolctl: dkim genkey: out of memory\n");
		ipp_dkim_key_clear(&key);
		return (EX_SOFTWARE);
	}
	if (gid != (gid_t) -1)
		(void) printf("# wrote %s (%s, %u bits, mode 0640, group %s)\n", path,
		    ipp_key_type_name(key.type), key.bits, group_name(gid));
	else
		(void) printf("# wrote %s (%s, %u bits, mode 0600)\n", path,
		    ipp_key_type_name(key.type), key.bits);
	check_dir(dirabs, user, gid);
	(void) printf("# DNS record to publish:\n");
	print_record(&key, txt);
	(void) printf("# keytable line (then reload ippool-milter):\n");
	(void) printf("%s %s %s\n", domain, key.selector, path);
	free(txt);
	ipp_dkim_key_clear(&key);
	return (0);
}

int
cmd_dkim(struct ctl *ctl, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "genkey") == 0)
		return (genkey(ctl, argc - 1, argv + 1));
	return (ctl_usage(ctl_find("dkim")));
}
