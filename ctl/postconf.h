/* postconf.h - reading and changing one Postfix configuration directory
 * through postconf(1), the way an administrator would, so that Postfix
 * itself parses and writes its files.  Every change is printed before it
 * is made; in a dry run it is only printed. */
#ifndef CTL_POSTCONF_H
#define CTL_POSTCONF_H

#include <stddef.h>

#include <jansson.h>

struct pfconf {
	char   *dir;			/* config_directory */
	const char *shown;		/* the directory named in printed changes (NULL: dir) */
	int	dry_run;
	int	changes;		/* changes printed (made, unless dry_run) */
	char  **svc_key, **svc_entry;	/* master.cf: "name/type", whole entry */
	size_t	nsvc;
	char  **set_name, **set_value;	/* main.cf changes not written yet */
	size_t	nset;
	char  **svc_changed;		/* master.cf keys changed, not written yet */
	size_t	nsvc_changed;
};

/*
 * Run argv (argv[0] looked up in PATH); *out gets its standard output
 * (malloc'd).  Returns the exit status, or -1 with err set when it could
 * not run.
 */
int	pf_run(char *const argv[], char **out, char *err, size_t errlen);

/* Read DIR's master.cf; -1 with err when DIR is not a Postfix config. */
int	pfconf_open(struct pfconf *, const char *dir, int dry_run, char *err, size_t errlen);
/* Write the changes made since open (none in a dry run); 0, or -1 after
 * saying why on stderr.  Close without a commit drops them. */
int	pfconf_commit(struct pfconf *);
void	pfconf_close(struct pfconf *);

/* A main.cf parameter: its explicit value (NULL when not set) or its
 * effective value with $names expanded (malloc'd; NULL on failure). */
char   *pfconf_explicit(struct pfconf *, const char *name);
char   *pfconf_effective(struct pfconf *, const char *name);

/* Make a main.cf parameter's effective value `value`; 0, or -1 on
 * failure.  The reads above see it at once, the file at the commit. */
int	pfconf_set(struct pfconf *, const char *name, const char *value);

/* A master.cf entry: key "name/type", NULL when there is none. */
const char *pfconf_service(const struct pfconf *, const char *key);
/* Make entry `key` be `entry` (compared with white space folded). */
int	pfconf_set_service(struct pfconf *, const char *key, const char *entry);
int	pfconf_remove_service(struct pfconf *, const char *key);

/*
 * Every change is reported through pf_change: printed (after "(dry run) "
 * in a dry run), or, once pf_json(ARRAY) has named an array, appended to
 * it as the object o (which pf_change owns; NULL: text only).
 */
void	pf_json(json_t *);
void	pf_change(int dry_run, json_t *o, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
