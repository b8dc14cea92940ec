/* postconf.c - postconf(1) as a library: run it, read what it prints,
 * and change main.cf and master.cf only where they differ from what is
 * wanted, so that running the setup twice changes nothing the second time.
 *
 * Changes are kept in memory (later reads see them, in a dry run too) and
 * written by pfconf_commit in one "postconf -e", one "postconf -M" and
 * one "postconf -MX": Postfix rereads a main.cf changed less than a
 * second ago until it is that old ("pausing to let file cool down", 300
 * ms at a time), so a read after every write cost up to two seconds. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "postconf.h"

extern char **environ;

#define OUT_MAX (4 * 1024 * 1024)
#define SHOWN(pf) ((pf)->shown ? (pf)->shown : (pf)->dir)

int
pf_run(char *const argv[], char **out, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	int	pout[2], perr[2], status, rc;
	char   *buf = NULL, ebuf[1024];
	size_t	len = 0, cap = 0, elen = 0;
	struct pollfd pfd[2];
	pid_t	pid;

	*out = NULL;
	if (pipe2(pout, O_CLOEXEC) != 0) {
		(void) snprintf(err, errlen, "pipe: %s", strerror(errno));
		return (-1);
	}
	if (pipe2(perr, O_CLOEXEC) != 0) {
		(void) snprintf(err, errlen, "pipe: %s", strerror(errno));
		(void) close(pout[0]);
		(void) close(pout[1]);
		return (-1);
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		(void) snprintf(err, errlen, "out of memory");
		(void) close(pout[0]);
		(void) close(pout[1]);
		(void) close(perr[0]);
		(void) close(perr[1]);
		return (-1);
	}
	(void) posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	(void) posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	(void) posix_spawn_file_actions_destroy(&fa);
	(void) close(pout[1]);
	(void) close(perr[1]);
	if (rc != 0) {
		(void) snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(rc));
		(void) close(pout[0]);
		(void) close(perr[0]);
		return (-1);
	}
	pfd[0].fd = pout[0];
	pfd[1].fd = perr[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		ssize_t	n;
		int	k;

		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (k = 0; k < 2; k++) {
			char	scratch[512], *dst = scratch;
			size_t	room = sizeof(scratch);

			if (pfd[k].fd < 0 || pfd[k].revents == 0)
				continue;
			/* past the limits, the rest is read and dropped */
			if (k == 0) {
				if (cap - len < 4096 && cap < OUT_MAX) {
					char   *g = realloc(buf, cap + 65536);

					if (g != NULL) {
						buf = g;
						cap += 65536;
					}
				}
				if (cap - len > 1) {
					dst = buf + len;
					room = cap - len - 1;
				}
			} else if (elen < sizeof(ebuf) - 1) {
				dst = ebuf + elen;
				room = sizeof(ebuf) - 1 - elen;
			}
			n = read(pfd[k].fd, dst, room);
			if (n > 0 && dst != scratch) {
				if (k == 0)
					len += (size_t) n;
				else
					elen += (size_t) n;
			}
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				(void) close(pfd[k].fd);
				pfd[k].fd = -1;
			}
		}
	}
	if (pfd[0].fd >= 0)
		(void) close(pfd[0].fd);
	if (pfd[1].fd >= 0)
		(void) close(pfd[1].fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			(void) snprintf(err, errlen, "waitpid: %s", strerror(errno));
			free(buf);
			return (-1);
		}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (-1);
	}
	buf[len] = '\0';
	ebuf[elen] = '\0';
	while (elen > 0 && ebuf[elen - 1] == '\n')
		ebuf[--elen] = '\0';
	*out = buf;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		(void) snprintf(err, errlen, "%s failed%s%s", argv[0], elen ? ": " : "", ebuf);
		return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	}
	/* postconf warns about unknown names on stderr but exits 0 */
	(void) snprintf(err, errlen, "%s", ebuf);
	return (0);
}

/* Fold runs of white space into one space, trimmed. */
static void
fold(const char *in, char *out, size_t len)
{
	size_t	o = 0;
	int	space = 0;

	for (; *in && o + 1 < len; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < len)
			out[o++] = ' ';
		space = 0;
		out[o++] = *in;
	}
	out[o] = '\0';
}

static int
postconf(struct pfconf *pf, const char *a1, const char *a2, const char *a3, char **out,
    char *err, size_t errlen)
{
	char   *argv[] = { "postconf", "-c", pf->dir, (char *) a1, (char *) a2, (char *) a3, NULL };

	return (pf_run(argv, out, err, errlen));
}

static int
load_services(struct pfconf *pf, char *err, size_t errlen)
{
	char   *out, *line, *save, key[512], *sp, *sp2;
	size_t	i;

	for (i = 0; i < pf->nsvc; i++) {
		free(pf->svc_key[i]);
		free(pf->svc_entry[i]);
	}
	pf->nsvc = 0;
	if (postconf(pf, "-M", NULL, NULL, &out, err, errlen) != 0) {
		free(out);
		return (-1);
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char  **k, **e;

		if ((sp = strpbrk(line, " \t")) == NULL)
			continue;
		sp2 = sp + strspn(sp, " \t");
		if ((size_t) (sp - line) + 1 + strcspn(sp2, " \t") >= sizeof(key))
			continue;
		(void) snprintf(key, sizeof(key), "%.*s/%.*s", (int) (sp - line), line,
		    (int) strcspn(sp2, " \t"), sp2);
		if ((k = realloc(pf->svc_key, (pf->nsvc + 1) * sizeof(*k))) == NULL)
			goto nomem;
		pf->svc_key = k;
		if ((e = realloc(pf->svc_entry, (pf->nsvc + 1) * sizeof(*e))) == NULL)
			goto nomem;
		pf->svc_entry = e;
		if ((pf->svc_key[pf->nsvc] = strdup(key)) == NULL
		    || (pf->svc_entry[pf->nsvc] = malloc(strlen(line) + 1)) == NULL) {
			free(pf->svc_key[pf->nsvc]);
			goto nomem;
		}
		fold(line, pf->svc_entry[pf->nsvc], strlen(line) + 1);
		pf->nsvc++;
	}
	free(out);
	return (0);
nomem:
	free(out);
	(void) snprintf(err, errlen, "out of memory");
	return (-1);
}

int
pfconf_open(struct pfconf *pf, const char *dir, int dry_run, char *err, size_t errlen)
{
	char	path[1100];

	memset(pf, 0, sizeof(*pf));
	(void) snprintf(path, sizeof(path), "%s/main.cf", dir);
	if (access(path, R_OK) != 0) {
		(void) snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if ((pf->dir = strdup(dir)) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (-1);
	}
	pf->dry_run = dry_run;
	if (load_services(pf, err, errlen) != 0) {
		pfconf_close(pf);
		return (-1);
	}
	return (0);
}

void
pfconf_close(struct pfconf *pf)
{
	size_t	i;

	for (i = 0; i < pf->nsvc; i++) {
		free(pf->svc_key[i]);
		free(pf->svc_entry[i]);
	}
	for (i = 0; i < pf->nset; i++) {
		free(pf->set_name[i]);
		free(pf->set_value[i]);
	}
	for (i = 0; i < pf->nsvc_changed; i++)
		free(pf->svc_changed[i]);
	free(pf->svc_key);
	free(pf->svc_entry);
	free(pf->set_name);
	free(pf->set_value);
	free(pf->svc_changed);
	free(pf->dir);
	memset(pf, 0, sizeof(*pf));
}

/* A main.cf change not written yet, or NULL. */
static const char *
pending(const struct pfconf *pf, const char *name)
{
	size_t	i;

	for (i = 0; i < pf->nset; i++)
		if (strcmp(pf->set_name[i], name) == 0)
			return (pf->set_value[i]);
	return (NULL);
}

static int
add_pending(struct pfconf *pf, const char *name, const char *value)
{
	char  **n, **v, *nv;
	size_t	i;

	for (i = 0; i < pf->nset; i++)
		if (strcmp(pf->set_name[i], name) == 0) {
			if ((nv = strdup(value)) == NULL)
				return (-1);
			free(pf->set_value[i]);
			pf->set_value[i] = nv;
			return (0);
		}
	if ((n = realloc(pf->set_name, (pf->nset + 1) * sizeof(*n))) == NULL)
		return (-1);
	pf->set_name = n;
	if ((v = realloc(pf->set_value, (pf->nset + 1) * sizeof(*v))) == NULL)
		return (-1);
	pf->set_value = v;
	if ((n[pf->nset] = strdup(name)) == NULL)
		return (-1);
	if ((v[pf->nset] = strdup(value)) == NULL) {
		free(n[pf->nset]);
		return (-1);
	}
	pf->nset++;
	return (0);
}

/* Remember that master.cf entry `key` changed (it is in svc_* when it is
 * to be written, missing when it is to be removed). */
static int
svc_changed(struct pfconf *pf, const char *key)
{
	char  **c;
	size_t	i;

	for (i = 0; i < pf->nsvc_changed; i++)
		if (strcmp(pf->svc_changed[i], key) == 0)
			return (0);
	if ((c = realloc(pf->svc_changed, (pf->nsvc_changed + 1) * sizeof(*c))) == NULL)
		return (-1);
	pf->svc_changed = c;
	if ((c[pf->nsvc_changed] = strdup(key)) == NULL)
		return (-1);
	pf->nsvc_changed++;
	return (0);
}

static ssize_t
svc_index(const struct pfconf *pf, const char *key)
{
	size_t	i;

	for (i = 0; i < pf->nsvc; i++)
		if (strcmp(pf->svc_key[i], key) == 0)
			return ((ssize_t) i);
	return (-1);
}

/* Run "postconf -c DIR FLAG ARG..." with n args; 0, or -1 with err. */
static int
postconf_v(struct pfconf *pf, const char *flag, char **args, size_t n, char *err, size_t errlen)
{
	char  **argv, *out;
	size_t	i;
	int	rc;

	if ((argv = calloc(n + 5, sizeof(*argv))) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (-1);
	}
	argv[0] = "postconf";
	argv[1] = "-c";
	argv[2] = pf->dir;
	argv[3] = (char *) flag;
	for (i = 0; i < n; i++)
		argv[4 + i] = args[i];
	rc = pf_run(argv, &out, err, errlen);
	free(out);
	free(argv);
	return (rc == 0 ? 0 : -1);
}

int
pfconf_commit(struct pfconf *pf)
{
	char	err[1024], **args = NULL, **rm = NULL;
	size_t	i, n = 0, nrm = 0, cap;
	ssize_t	k;
	int	rc = -1;

	if (pf->dry_run || (pf->nset == 0 && pf->nsvc_changed == 0))
		return (0);
	cap = pf->nset > pf->nsvc_changed ? pf->nset : pf->nsvc_changed;
	if ((args = calloc(cap + 1, sizeof(*args))) == NULL
	    || (rm = calloc(cap + 1, sizeof(*rm))) == NULL) {
		(void) snprintf(err, sizeof(err), "out of memory");
		goto out;
	}
	for (i = 0; i < pf->nset; i++) {
		if ((args[n] = malloc(strlen(pf->set_name[i]) + strlen(pf->set_value[i]) + 4)) == NULL) {
			(void) snprintf(err, sizeof(err), "out of memory");
			goto out;
		}
		(void) sprintf(args[n++], "%s = %s", pf->set_name[i], pf->set_value[i]);
	}
	if (n > 0 && postconf_v(pf, "-e", args, n, err, sizeof(err)) != 0)
		goto out;
	for (i = 0; i < n; i++)
		free(args[i]);
	n = 0;
	for (i = 0; i < pf->nsvc_changed; i++) {
		if ((k = svc_index(pf, pf->svc_changed[i])) < 0) {
			rm[nrm++] = pf->svc_changed[i];
			continue;
		}
		if ((args[n] = malloc(strlen(pf->svc_key[k]) + strlen(pf->svc_entry[k]) + 4)) == NULL) {
			(void) snprintf(err, sizeof(err), "out of memory");
			goto out;
		}
		(void) sprintf(args[n++], "%s = %s", pf->svc_key[k], pf->svc_entry[k]);
	}
	if (nrm > 0 && postconf_v(pf, "-MX", rm, nrm, err, sizeof(err)) != 0)
		goto out;
	if (n > 0 && postconf_v(pf, "-M", args, n, err, sizeof(err)) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		(void) fprintf(stderr, "ippoolctl: %s: cannot write the changes: %s\n", pf->dir, err);
	for (i = 0; args && i < n; i++)
		free(args[i]);
	free(args);
	free(rm);
	return (rc);
}

/* "name = value\n" -> value (malloc'd), or NULL when out is not that. */
static char *
value_of(const char *out, const char *name)
{
	size_t	n = strlen(name), len;
	const char *v;
	char   *r;

	if (strncmp(out, name, n) != 0 || strncmp(out + n, " =", 2) != 0)
		return (NULL);
	v = out + n + 2;
	if (*v == ' ')
		v++;
	len = strcspn(v, "\n");
	if ((r = malloc(len + 1)) == NULL)
		return (NULL);
	(void) memcpy(r, v, len);
	r[len] = '\0';
	return (r);
}

/* One parameter as "postconf -c DIR FLAG NAME" prints it. */
static char *
param(struct pfconf *pf, const char *flag, const char *name)
{
	char   *out, *v, err[512];

	if (postconf(pf, flag, name, NULL, &out, err, sizeof(err)) != 0) {
		free(out);
		return (NULL);
	}
	v = value_of(out, name);
	free(out);
	return (v);
}

char *
pfconf_explicit(struct pfconf *pf, const char *name)
{
	const char *v = pending(pf, name);

	return (v ? strdup(v) : param(pf, "-n", name));
}

char *
pfconf_effective(struct pfconf *pf, const char *name)
{
	const char *v = pending(pf, name);

	return (v ? strdup(v) : param(pf, "-x", name));
}

static json_t *json_sink;

void
pf_json(json_t *arr)
{
	json_sink = arr;
}

void
pf_change(int dry_run, json_t *o, const char *fmt, ...)
{
	va_list	ap;

	if (json_sink != NULL) {
		if (o != NULL)
			(void) json_array_append_new(json_sink, o);
		return;
	}
	json_decref(o);
	if (dry_run)
		(void) fputs("(dry run) ", stdout);
	va_start(ap, fmt);
	(void) vprintf(fmt, ap);
	va_end(ap);
}

int
pfconf_set(struct pfconf *pf, const char *name, const char *value)
{
	char   *cur, want[4096], have[4096];

	if ((cur = pfconf_effective(pf, name)) == NULL) {
		(void) fprintf(stderr, "ippoolctl: %s: cannot read %s\n", pf->dir, name);
		return (-1);
	}
	fold(value, want, sizeof(want));
	fold(cur, have, sizeof(have));
	if (strcmp(want, have) == 0) {
		free(cur);
		return (0);
	}
	pf_change(pf->dry_run, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "action", "set",
	    "file", "main.cf", "dir", SHOWN(pf), "parameter", name, "value", want, "was", have),
	    "%s/main.cf: %s =%s%s  (was: %s)\n",
	    SHOWN(pf), name, want[0] ? " " : "", want, have[0] ? have : "empty");
	free(cur);
	pf->changes++;
	if (add_pending(pf, name, want) != 0) {
		(void) fprintf(stderr, "ippoolctl: out of memory\n");
		return (-1);
	}
	return (0);
}

const char *
pfconf_service(const struct pfconf *pf, const char *key)
{
	ssize_t	i = svc_index(pf, key);

	return (i < 0 ? NULL : pf->svc_entry[i]);
}

int
pfconf_set_service(struct pfconf *pf, const char *key, const char *entry)
{
	char	want[4096], *e, **k, **en;
	const char *cur = pfconf_service(pf, key);
	ssize_t	i;

	fold(entry, want, sizeof(want));
	if (cur != NULL && strcmp(cur, want) == 0)
		return (0);
	pf_change(pf->dry_run, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?}", "action",
	    cur ? "update" : "add", "file", "master.cf", "dir", SHOWN(pf), "service", key,
	    "entry", want, "was", cur), "%s/master.cf: %s %s\n", SHOWN(pf),
	    cur ? "update" : "add", want);
	if (cur != NULL)
		pf_change(pf->dry_run, NULL, "%s/master.cf:   (was: %s)\n", SHOWN(pf), cur);
	pf->changes++;
	if ((e = strdup(want)) == NULL)
		goto nomem;
	if ((i = svc_index(pf, key)) >= 0) {
		free(pf->svc_entry[i]);
		pf->svc_entry[i] = e;
	} else {
		if ((k = realloc(pf->svc_key, (pf->nsvc + 1) * sizeof(*k))) == NULL) {
			free(e);
			goto nomem;
		}
		pf->svc_key = k;
		if ((en = realloc(pf->svc_entry, (pf->nsvc + 1) * sizeof(*en))) == NULL) {
			free(e);
			goto nomem;
		}
		pf->svc_entry = en;
		if ((k[pf->nsvc] = strdup(key)) == NULL) {
			free(e);
			goto nomem;
		}
		en[pf->nsvc++] = e;
	}
	if (svc_changed(pf, key) != 0)
		goto nomem;
	return (0);
nomem:
	(void) fprintf(stderr, "ippoolctl: out of memory\n");
	return (-1);
}

int
pfconf_remove_service(struct pfconf *pf, const char *key)
{
	const char *cur = pfconf_service(pf, key);
	ssize_t	i = svc_index(pf, key);

	if (cur == NULL)
		return (0);
	pf_change(pf->dry_run, json_pack("{s:s, s:s, s:s, s:s, s:s}", "action", "remove",
	    "file", "master.cf", "dir", SHOWN(pf), "service", key, "entry", cur),
	    "%s/master.cf: remove %s\n", SHOWN(pf), cur);
	pf->changes++;
	if (svc_changed(pf, key) != 0) {
		(void) fprintf(stderr, "ippoolctl: out of memory\n");
		return (-1);
	}
	free(pf->svc_key[i]);
	free(pf->svc_entry[i]);
	(void) memmove(pf->svc_key + i, pf->svc_key + i + 1, (pf->nsvc - (size_t) i - 1) * sizeof(char *));
	(void) memmove(pf->svc_entry + i, pf->svc_entry + i + 1,
	    (pf->nsvc - (size_t) i - 1) * sizeof(char *));
	pf->nsvc--;
	return (0);
}
