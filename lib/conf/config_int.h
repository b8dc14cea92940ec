/* config_int.h - what the parts of the ippool.conf loader share: the INI
 * reader's events (config_read.c), the value types (config_types.c), the
 * schema's rows (config_schema.c), the load context and its error list
 * (config.c, config_check.c).  Only lib/config*.c include it. */
#ifndef IPP_CONFIG_INT_H
#define IPP_CONFIG_INT_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* --- the reader: INI syntax to events -------------------------------- */

enum conf_ev {
	CONF_EV_SECTION,	/* section */
	CONF_EV_BAD_SECTION,	/* text: the line from [ on; reported already */
	CONF_EV_KEY,		/* name = value */
	CONF_EV_CONT,		/* value: an indented line continuing the key above */
	CONF_EV_ERROR		/* text: a syntax error at line */
};

struct conf_event {
	enum conf_ev kind;
	int	line;
	char   *section;		/* what is between [ and ]; may be cut */
	const char *text;	/* an error message; a bad header's text */
	const char *name;
	const char *value;
};

/* The longest line, without its end of line; the manual says so. */
#define CONF_LINE_MAX	4093

/* Calls fn for every event of fp until fn returns non-zero (out of
 * memory); returns the number of lines read. */
int	conf_read(FILE *fp, int (*fn)(void *, const struct conf_event *), void *arg);

/* --- value types ------------------------------------------------------- */

/* key flags */
#define CF_RESTART	0x01	/* a reload cannot change it */
#define CF_OPTIONAL	0x02	/* an empty value means "not set" (NULL) */
#define CF_EMPTY	0x04	/* the empty string is a value of its own */
#define CF_POSITIVE	0x08	/* a count: at least 1 */
#define CF_PRESENCE	0x10	/* for a reload, whether the key is set matters */
#define CF_ZERO		0x20	/* a duration: 0 is a value of its own ("never") */

struct conf_key;

/* How a type's value is stored, which says how it is freed and compared. */
enum conf_storage {
	CS_SCALAR,		/* size bytes at off */
	CS_PAIR,		/* two ints, at off and off2 */
	CS_STR,			/* char *, NULL when not set */
	CS_LIST,		/* NULL-terminated char ** (ipp_list_free) */
	CS_ARRAY		/* size-byte elements at off, their size_t count at off2 */
};

struct conf_type {
	int	(*set)(const struct conf_key *, void *base, const char *val,
		    char *err, size_t errlen);
	enum conf_storage storage;
	size_t	size;		/* CS_SCALAR: the field; CS_ARRAY: one element */
};

extern const struct conf_type conf_t_word, conf_t_uint, conf_t_duration, conf_t_size,
	conf_t_bool, conf_t_percent, conf_t_choice, conf_t_list,
	conf_t_schedule, conf_t_nets, conf_t_ips, conf_t_canon;

/* A choice's names and the values they store (an int or an enum). */
struct conf_choice {
	const char *name;
	int	value;
};

/* One key of the schema. */
struct conf_key {
	const char *name;
	const struct conf_type *type;
	size_t	off;		/* the field in the section's struct */
	size_t	off2;		/* CS_ARRAY: the count; CS_PAIR: the second int */
	const char *def;	/* default, written as in the file; NULL: none */
	unsigned flags;		/* CF_* */
	unsigned long long max;	/* numbers, durations (seconds): upper bound */
	/* a word: 0, or -1 with the reason in err */
	int	(*check)(const char *val, char *err, size_t errlen);
	/* a list item: NULL, or why it is wrong; may rewrite the item */
	const char *(*item)(char **item);
	const struct conf_choice *choices;	/* NULL-terminated */
	size_t	line_off;	/* int field taking the key's line; 0: none */
};

/* Set the key's field from text; 0, or -1 with the reason in err. */
int	conf_set(const struct conf_key *, void *base, const char *val,
	    char *err, size_t errlen);
void	conf_free(const struct conf_key *, void *base);
/* Whether two structs hold the same value for the key. */
int	conf_same(const struct conf_key *, const void *a, const void *b);

/* Word checks, shared by the schema's rows. */
int	conf_check_path(const char *, char *, size_t);
int	conf_check_sock(const char *, char *, size_t);
int	conf_check_sock_inet(const char *, char *, size_t);
int	conf_check_relay(const char *, char *, size_t);
int	conf_check_hostport(const char *, char *, size_t);
int	conf_check_header(const char *, char *, size_t);
int	conf_check_prefix(const char *, char *, size_t);
int	conf_check_redis_prefix(const char *, char *, size_t);
int	conf_check_redis(const char *, char *, size_t);
int	conf_check_hostname(const char *, char *, size_t);
int	conf_check_pool_name(const char *, char *, size_t);
int	conf_check_delimiter(const char *, char *, size_t);
int	conf_check_fb_prefix(const char *, char *, size_t);
int	conf_check_url(const char *, char *, size_t);
int	conf_check_unsub_url(const char *, char *, size_t);
int	conf_check_mailbox(const char *, char *, size_t);
/* List item checks. */
const char *conf_item_sender(char **);
const char *conf_item_login(char **);
const char *conf_item_domain_pattern(char **);
const char *conf_item_mx_suffix(char **);
const char *conf_item_header(char **);
const char *conf_item_domain(char **);
const char *conf_item_pool_name(char **);
const char *conf_item_domain_url(char **);

/* --- the schema -------------------------------------------------------- */

enum conf_sec { SEC_NONE, SEC_STORE, SEC_MILTER, SEC_POLICY, SEC_WARMUP,
	SEC_DKIM, SEC_FEEDBACK, SEC_UNSUBSCRIBE, SEC_EVENTS, SEC_POOL, SEC_ISP, SEC_NKINDS };

#define CONF_MAX_KEYS	16	/* keys of one section */

struct conf_section {
	const char *name;
	enum conf_sec kind;
	const struct conf_key *keys;	/* NULL-name terminated */
	int	named;			/* [name ARG] */
};

extern const struct conf_section conf_sections[];	/* NULL-name terminated */

/* Give a [pool NAME] or [isp NAME] struct, or with SEC_NONE the config
 * (every unnamed section), its defaults; -1 after a msg_warn if one fails. */
int	conf_defaults(enum conf_sec, void *base);
/* Free every field the keys of the same section(s) own. */
void	conf_free_section(enum conf_sec, void *base);
/* The built-in [isp NAME] sections, with their defaults. */
int	conf_builtin_isps(struct ipp_config *);
/* The name of built-in ISP i (key NULL), or the text of its key (domains,
 * mx; NULL for the others: the schema's default); NULL past the last. */
const char *conf_builtin_isp(size_t i, const char *key);

/* --- the load context -------------------------------------------------- */

struct conf_err {
	int	line;
	size_t	seq;
	char   *msg;			/* NULL: withdrawn */
};

struct conf_ctx {
	struct ipp_config *cfg;
	int	lines;			/* lines read */
	/* the current section */
	enum conf_sec kind;
	const char *secname;		/* for messages: "milter", "pool tx" */
	char	secbuf[80];
	void   *base;
	const struct conf_key *keys;
	int	key_line[CONF_MAX_KEYS];
	char   *raw[CONF_MAX_KEYS];	/* accumulated value, for continuations */
	long	key_err[CONF_MAX_KEYS];	/* index of the key's error, or -1 */
	int	last_key;
	int	singleton_line[SEC_NKINDS];
	int	skip;			/* section is in error: ignore its keys */
	int	bad_pool_headers;	/* [pool ...] lines in error */
	/* errors */
	struct conf_err *errs;
	size_t	nerrs, caperrs;
	int	nomem;
};

void	conf_error(struct conf_ctx *, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- cross-section checks (config_check.c) ----------------------------- */

void	conf_cross_check(struct conf_ctx *);

#endif
