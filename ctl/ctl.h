/* ctl.h - what the ippoolctl subcommands share: the options common to all
 * of them, the config and store opened on first use, exit statuses. */
#ifndef IPP_CTL_H
#define IPP_CTL_H

#include <sys/types.h>
#include <sysexits.h>

#include "config.h"
#include "store.h"

struct ctl {
	const char *conf_file;
	struct ipp_config *cfg;
	struct ipp_store *store;
	int	verbose;
	/* groups to keep when dropping privileges (ingest: its logs' groups) */
	const gid_t *keep_groups;
	size_t	nkeep_groups;
	int	dropped;		/* ctl_privs done */
};

/* Load the config on first use; exits 78 with FILE:LINE errors. */
const struct ipp_config *ctl_config(struct ctl *);
/* Prepare the store and drop to [milter] user, once; exits 78. */
void	ctl_privs(struct ctl *);
/* Open the store on first use (as the configured user); exits 75. */
struct ipp_store *ctl_store(struct ctl *);

struct ctl_cmd {
	const char *name;
	int	(*run)(struct ctl *, int argc, char **argv);
	const char *args;
	const char *summary;
	unsigned flags;
};

/* flags */
#define CTL_NOOPTS	0x01	/* takes no options: "-x" is refused, not data */
#define CTL_OWN_V	0x02	/* has a -v of its own (warmup simulate) */

/* The ippoolctl that runs now and the absolute path of the config it
 * read: what an MTA's feedback pipe runs ("EXE -c CONF feedback -"). */
void	ctl_self(const struct ctl *, char *exe, size_t exelen, char *conf, size_t conflen);

/* Print "usage: ippoolctl NAME ARGS" and return EX_USAGE. */
int	ctl_usage(const struct ctl_cmd *);
const struct ctl_cmd *ctl_find(const char *name);

int	cmd_decode(struct ctl *, int, char **);
int	cmd_check(struct ctl *, int, char **);
int	cmd_config(struct ctl *, int, char **);
int	cmd_feedback(struct ctl *, int, char **);
int	cmd_ingest(struct ctl *, int, char **);
int	cmd_limits(struct ctl *, int, char **);
int	cmd_sender(struct ctl *, int, char **);
int	cmd_sendmail_mc(struct ctl *, int, char **);
int	cmd_suppress(struct ctl *, int, char **);
int	cmd_dkim(struct ctl *, int, char **);
int	cmd_check_domain(struct ctl *, int, char **);
int	cmd_warmup(struct ctl *, int, char **);
int	cmd_postfix_setup(struct ctl *, int, char **);
int	cmd_report(struct ctl *, int, char **);
int	cmd_store(struct ctl *, int, char **);
int	cmd_events(struct ctl *, int, char **);
int	cmd_unsubscribe(struct ctl *, int, char **);

#endif
