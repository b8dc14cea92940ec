/* store_redis.c - the store backend for several MTA hosts: one Redis
 * server (hiredis) holds the tables, so every host sees the same
 * suppressions, windows, warm-up counters and marks.
 *
 * Keys.  A record of table T with key K is the Redis string PREFIX T ":" K
 * (binary-safe, [store] redis_prefix); every table but the window table
 * also has a sorted set PREFIX "index:" T holding its keys with score 0,
 * which Redis orders by memcmp(): the contract's key order, read in
 * batches with ZRANGEBYLEX.  Window records get a TTL instead
 * (IPP_WINDOW_IDLE_TTL in store.h): they are never scanned, so they
 * need no index, and an idle one vanishes on its own.
 *
 * Transactions are optimistic, and each commits as one server-side Lua
 * script.  A read for update is a plain GET whose answer (or absence) is
 * remembered; a body's puts and deletes are kept here.  The commit
 * script checks that every key read for update still holds what the body
 * saw and only then applies the writes with their index entries, all in
 * one atomic step: when another host wrote such a key in between,
 * nothing is applied and the body runs again, as after a Berkeley DB
 * deadlock.  So a body that reads for update what its writes depend on
 * (a mark read as absent, a counter, a guard) is serializable against
 * every other host's, and no check made in the client is followed by a
 * write that could race: the check is made again where the write is.
 * A process killed inside a body has sent no write at all.  The hourly
 * window's operations are scripts of their own (window.h), one round
 * trip each.
 *
 * Connections.  One per concurrent transaction, kept in a pool; one that
 * failed is closed, one found closed by the server (a Redis restart)
 * when taken from the pool is dropped, and the next use connects again,
 * so Redis coming back needs no restart of ours.  A failure is IPP_ERR,
 * logged once a minute. */
#include "autoconfig.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "parse.h"
#include "store.h"
#include "store_backend.h"
#include "window.h"

#define MAX_ATTEMPTS	60
#define RUN_BUDGET_S	15		/* as Berkeley DB: inside the MTA's timeouts */
#define POOL_IDLE_MAX	64		/* idle connections kept */
#define KEY_MAX		2048		/* store.h */
#define PREFIX_MAX	64		/* conf_check_redis_prefix */
#define FULLKEY_MAX	(PREFIX_MAX + 16 + KEY_MAX)

/*
 * The operations that are one server-side script each (window.h): the
 * check and the write cannot be split by another host, in one round
 * trip.  They work on the record format window.c reads and writes, so
 * either path may meet the other's records.  Time is the caller's NOW
 * (an argument, from lib/util/clock.h) and never the server's TIME: the
 * tests move it with IPPOOL_NOW as on Berkeley DB, and a script gives
 * the same answer wherever it runs (a replica, the append-only file).
 */
enum { S_RESERVE, S_SETTLE, S_COMMIT, S_COUNT };

#define LUA_DECODE \
	"local function entries(v)\n" \
	"  local e = {}\n" \
	"  if not v or #v % 17 ~= 0 or #v / 17 > 100000 then return e end\n" \
	"  for i = 1, #v, 17 do\n" \
	"    local t = 0\n" \
	"    for j = 7, 0, -1 do t = t * 256 + string.byte(v, i + j) end\n" \
	"    e[#e + 1] = { t = t, tok = string.sub(v, i + 8, i + 15),\n" \
	"      st = string.byte(v, i + 16), raw = string.sub(v, i, i + 16) }\n" \
	"  end\n" \
	"  return e\n" \
	"end\n" \
	"local function counts(x, now, span, pend)\n" \
	"  return x.t > now - span and not (x.st == 0 and x.t <= now - pend)\n" \
	"end\n" \
	"local function le64(t)\n" \
	"  local b = {}\n" \
	"  for j = 1, 8 do b[j] = t % 256; t = math.floor(t / 256) end\n" \
	"  return string.char(unpack(b))\n" \
	"end\n"

static const char *const scripts[S_COUNT] = {
	/* KEYS[1] the window; ARGV now, limit, token (8 bytes), span,
	 * pending, ttl.  {0}: reserved; {1, retry_at}: full, nothing
	 * written */
	LUA_DECODE
	"local now, limit = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
	"local span, pend = tonumber(ARGV[4]), tonumber(ARGV[5])\n"
	"local keep, first = {}, nil\n"
	"for _, x in ipairs(entries(redis.call('GET', KEYS[1]))) do\n"
	"  if counts(x, now, span, pend) then\n"
	"    keep[#keep + 1] = x.raw\n"
	"    if first == nil or x.t < first then first = x.t end\n"
	"  end\n"
	"end\n"
	"if #keep >= limit then return { 1, (first or now) + span } end\n"
	"keep[#keep + 1] = le64(now) .. ARGV[3] .. '\\0'\n"
	"redis.call('SET', KEYS[1], table.concat(keep), 'EX', ARGV[6])\n"
	"return { 0 }\n",
	/* KEYS the windows; ARGV accept (1 or 0), now, span, pending, ttl,
	 * then the token of each key (8 bytes): accepted entries count from
	 * now, released ones go; an empty window is deleted */
	LUA_DECODE
	"local acc, now = ARGV[1] == '1', tonumber(ARGV[2])\n"
	"local span, pend = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
	"local stamp = le64(now)\n"
	"for k = 1, #KEYS do\n"
	"  local tok, keep = ARGV[5 + k], {}\n"
	"  for _, x in ipairs(entries(redis.call('GET', KEYS[k]))) do\n"
	"    if counts(x, now, span, pend) then\n"
	"      if x.st == 0 and x.tok == tok then\n"
	"        if acc then keep[#keep + 1] = stamp .. tok .. '\\1' end\n"
	"      else\n"
	"        keep[#keep + 1] = x.raw\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"  if #keep == 0 then redis.call('DEL', KEYS[k])\n"
	"  else redis.call('SET', KEYS[k], table.concat(keep), 'EX', ARGV[5]) end\n"
	"end\n"
	"return 0\n",
	/* a transaction's commit (commit() below).  KEYS: the NR keys read
	 * for update, the NW keys written, each write's table index.  ARGV:
	 * NR, NW; per read: 1 and the value seen, or 0 (absent) and "";
	 * per write: S (set, indexed), X (set with a TTL, not indexed) or
	 * D (delete), the value, the TTL, the record's key in the table.
	 * 1: applied; 0: a read changed, nothing applied */
	"local nr, nw = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
	"for i = 1, nr do\n"
	"  local v = redis.call('GET', KEYS[i])\n"
	"  if ARGV[1 + 2 * i] == '0' then\n"
	"    if v then return 0 end\n"
	"  elseif v ~= ARGV[2 + 2 * i] then return 0 end\n"
	"end\n"
	"local a = 2 + 2 * nr\n"
	"for j = 1, nw do\n"
	"  local op, val, ttl, rk = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]\n"
	"  local k, ix = KEYS[nr + j], KEYS[nr + nw + j]\n"
	"  a = a + 4\n"
	"  if op == 'D' then\n"
	"    redis.call('DEL', k)\n"
	"    redis.call('ZREM', ix, rk)\n"
	"  elseif op == 'X' then\n"
	"    redis.call('SET', k, val, 'EX', ttl)\n"
	"  else\n"
	"    redis.call('SET', k, val)\n"
	"    redis.call('ZADD', ix, 0, rk)\n"
	"  end\n"
	"end\n"
	"return 1\n",
};

struct rconn {
	redisContext *c;
	struct rconn *next;
};

struct rds {
	char	where[1100];		/* [store] redis, as written */
	char	host[1100];		/* host, or the socket's path */
	unsigned port;			/* 0: unix socket */
	struct ipp_hostport sent[IPP_SENTINELS_MAX];	/* redis = sentinel:... */
	size_t	nsent;
	char	master[256];		/* the primary's name at the sentinels */
	char   *user, *password;
	unsigned db;
	unsigned wait;			/* [store] redis_wait_replicas */
	char	prefix[PREFIX_MAX + 1];
	struct timeval cto, cmdto;
	char	desc[1300];
	pthread_mutex_t lock;		/* the pool, down */
	struct rconn *idle;
	int	nidle;
	int	down;			/* the last connect failed */
	char	sha[S_COUNT][41];	/* of scripts[], from SCRIPT LOAD */
	struct ipp_log_limit lim;
};

/* A put (del = 0) or delete, sent at commit; or a read for update and
 * what it saw (del: absent), checked at commit. */
struct wop {
	enum ipp_table tab;
	char   *k, *v;
	size_t	kl, vl;
	int	del;
};

struct oplist {
	struct wop *v;
	size_t	n, cap;
};

struct rtxn {
	struct rds *r;
	redisContext *c;
	struct oplist w;		/* the body's writes */
	struct oplist rs;		/* its reads for update */
};

static const char *
errstr(redisContext *c)
{
	return (c == NULL ? "out of memory" : *c->errstr ? c->errstr : "connection lost");
}

/* PREFIX TABLE ":" KEY into buf (FULLKEY_MAX bytes); its length. */
static size_t
full_key(const struct rds *r, enum ipp_table tab, const void *key, size_t klen,
    char *buf)
{
	size_t	n;

	n = (size_t) snprintf(buf, FULLKEY_MAX, "%s%s:", r->prefix, ipp_table_name(tab));
	if (klen > KEY_MAX)
		klen = KEY_MAX;
	(void) memcpy(buf + n, key, klen);
	return (n + klen);
}

static size_t
index_key(const struct rds *r, enum ipp_table tab, char *buf, size_t len)
{
	return ((size_t) snprintf(buf, len, "%sindex:%s", r->prefix, ipp_table_name(tab)));
}

static int
indexed(enum ipp_table tab)
{
	return (tab != IPP_T_WINDOW);
}

/* --- connections ----------------------------------------------------------- */

static redisReply *
command(redisContext *c, int argc, const char **argv, const size_t *lens)
{
	return (redisCommandArgv(c, argc, argv, lens));
}

/* SCRIPT LOAD every script on a new connection (and again after
 * NOSCRIPT: a Redis restarted or flushed); 0 or -1 with a reason. */
static int
load_scripts(struct rds *r, redisContext *c, char *err, size_t errlen)
{
	redisReply *rep;
	const char *argv[3] = { "SCRIPT", "LOAD", NULL };
	size_t	lens[3] = { 6, 4, 0 };
	int	i;

	for (i = 0; i < S_COUNT; i++) {
		argv[2] = scripts[i];
		lens[2] = strlen(scripts[i]);
		if ((rep = command(c, 3, argv, lens)) == NULL || rep->type != REDIS_REPLY_STRING
		    || rep->len != 40) {
			(void) snprintf(err, errlen, "SCRIPT LOAD: %s",
			    rep && rep->type == REDIS_REPLY_ERROR ? rep->str : errstr(c));
			if (rep)
				freeReplyObject(rep);
			return (-1);
		}
		(void) pthread_mutex_lock(&r->lock);
		(void) memcpy(r->sha[i], rep->str, 40);
		r->sha[i][40] = 0;
		(void) pthread_mutex_unlock(&r->lock);
		freeReplyObject(rep);
	}
	return (0);
}

/* Ask the sentinels, in turn, where the primary called r->master is. */
static int
find_primary(struct rds *r, char *host, size_t hostlen, unsigned *port, char *err,
    size_t errlen)
{
	redisContext *c;
	redisReply *rep;
	const char *argv[3] = { "SENTINEL", "get-master-addr-by-name", r->master };
	size_t	lens[3] = { 8, 23, strlen(r->master) }, i, off = 0;

	*err = '\0';
	for (i = 0; i < r->nsent; i++) {
		const struct ipp_hostport *s = &r->sent[i];
		const char *why = NULL;

		c = redisConnectWithTimeout(s->host, (int) s->port, r->cto);
		rep = NULL;
		if (c == NULL || c->err || redisSetTimeout(c, r->cmdto) != REDIS_OK)
			why = errstr(c);
		else if ((rep = command(c, 3, argv, lens)) == NULL)
			why = errstr(c);
		else if (rep->type == REDIS_REPLY_ERROR)
			why = rep->str;
		else if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2
		    || rep->element[0]->type != REDIS_REPLY_STRING
		    || rep->element[1]->type != REDIS_REPLY_STRING
		    || rep->element[0]->len >= hostlen
		    || sscanf(rep->element[1]->str, "%u", port) != 1)
			why = "does not know the primary";
		if (why == NULL) {
			(void) memcpy(host, rep->element[0]->str, rep->element[0]->len);
			host[rep->element[0]->len] = '\0';
		} else if (off < errlen) {
			off += (size_t) snprintf(err + off, errlen - off, "%ssentinel %s:%u: %s",
			    off ? "; " : "", s->host, s->port, why);
		}
		if (rep)
			freeReplyObject(rep);
		if (c)
			redisFree(c);
		if (why == NULL)
			return (0);
	}
	return (-1);
}

/* A primary from the sentinels must say so itself: one just demoted
 * (a failover under way) is a replica, never written to. */
static int
is_primary(redisContext *c, char *err, size_t errlen)
{
	redisReply *rep;
	const char *argv[1] = { "ROLE" };
	size_t	lens[1] = { 4 };
	int	ok;

	if ((rep = command(c, 1, argv, lens)) == NULL) {
		(void) snprintf(err, errlen, "ROLE: %s", errstr(c));
		return (0);
	}
	ok = rep->type == REDIS_REPLY_ARRAY && rep->elements > 0
	    && rep->element[0]->type == REDIS_REPLY_STRING
	    && strcmp(rep->element[0]->str, "master") == 0;
	if (!ok)
		(void) snprintf(err, errlen, "the server the sentinels name is not the primary (ROLE %s): a failover is under way",
		    rep->type == REDIS_REPLY_ARRAY && rep->elements > 0
		    && rep->element[0]->type == REDIS_REPLY_STRING ? rep->element[0]->str
		    : rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
	freeReplyObject(rep);
	return (ok);
}

/* A new connection, authenticated, on the right database, the scripts
 * loaded; NULL with a reason in err. */
static redisContext *
dial(struct rds *r, char *err, size_t errlen)
{
	redisContext *c;
	redisReply *rep;
	char	db[16];
	const char *argv[3];
	size_t	lens[3];
	int	argc;

	if (r->nsent > 0) {
		char	host[256], why[1024];
		unsigned port;

		if (find_primary(r, host, sizeof(host), &port, why, sizeof(why)) != 0) {
			(void) snprintf(err, errlen, "cannot find the primary %s: %s", r->master, why);
			return (NULL);
		}
		c = redisConnectWithTimeout(host, (int) port, r->cto);
		if (c == NULL || c->err) {
			(void) snprintf(err, errlen, "cannot connect to the primary %s at %s:%u: %s",
			    r->master, host, port, errstr(c));
			goto fail;
		}
	} else if (r->port == 0) {
		c = redisConnectUnixWithTimeout(r->host + 5, r->cto);
	} else {
		c = redisConnectWithTimeout(r->host, (int) r->port, r->cto);
	}
	if (c == NULL || c->err) {
		(void) snprintf(err, errlen, "cannot connect: %s", errstr(c));
		goto fail;
	}
	if (redisSetTimeout(c, r->cmdto) != REDIS_OK) {
		(void) snprintf(err, errlen, "cannot set the timeout: %s", errstr(c));
		goto fail;
	}
	if (r->password != NULL) {
		argc = 0;
		argv[argc] = "AUTH";
		lens[argc++] = 4;
		if (r->user != NULL) {
			argv[argc] = r->user;
			lens[argc++] = strlen(r->user);
		}
		argv[argc] = r->password;
		lens[argc++] = strlen(r->password);
		if ((rep = command(c, argc, argv, lens)) == NULL
		    || rep->type == REDIS_REPLY_ERROR) {
			(void) snprintf(err, errlen, "AUTH%s%s: %s: check [store] redis_user and redis_password",
			    r->user ? " " : "", r->user ? r->user : "",
			    rep ? rep->str : errstr(c));
			if (rep)
				freeReplyObject(rep);
			goto fail;
		}
		freeReplyObject(rep);
	}
	if (r->db != 0) {
		(void) snprintf(db, sizeof(db), "%u", r->db);
		argv[0] = "SELECT";
		lens[0] = 6;
		argv[1] = db;
		lens[1] = strlen(db);
		if ((rep = command(c, 2, argv, lens)) == NULL || rep->type == REDIS_REPLY_ERROR) {
			(void) snprintf(err, errlen, "SELECT %s: %s: check [store] redis_db", db,
			    rep ? rep->str : errstr(c));
			if (rep)
				freeReplyObject(rep);
			goto fail;
		}
		freeReplyObject(rep);
	}
	if (r->nsent > 0 && !is_primary(c, err, errlen))
		goto fail;
	if (load_scripts(r, c, err, errlen) != 0)
		goto fail;
	return (c);
fail:
	if (c != NULL)
		redisFree(c);
	return (NULL);
}

/* An idle connection has nothing to read: readable means closed. */
static int
still_open(redisContext *c)
{
	struct pollfd p = { c->fd, POLLIN, 0 };

	return (poll(&p, 1, 0) == 0);
}

static redisContext *
acquire(struct rds *r)
{
	struct rconn *rc;
	redisContext *c = NULL;
	char	err[512];
	int	was_down;

	(void) pthread_mutex_lock(&r->lock);
	while (c == NULL && (rc = r->idle) != NULL) {
		r->idle = rc->next;
		r->nidle--;
		if (still_open(rc->c))
			c = rc->c;
		else
			redisFree(rc->c);
		free(rc);
	}
	(void) pthread_mutex_unlock(&r->lock);
	if (c != NULL)
		return (c);
	c = dial(r, err, sizeof(err));
	(void) pthread_mutex_lock(&r->lock);
	was_down = r->down;
	r->down = c == NULL;
	(void) pthread_mutex_unlock(&r->lock);
	if (c == NULL)
		msg_warn_limited(&r->lim, 60, "store %s: %s", r->desc, err);
	else if (was_down)
		msg_info("store %s: connected again", r->desc);
	return (c);
}

/* Back to the pool, or closed when it failed (hiredis: c->err is sticky). */
static void
release(struct rds *r, redisContext *c)
{
	struct rconn *rc;

	if (c == NULL)
		return;
	if (c->err == 0 && (rc = malloc(sizeof(*rc))) != NULL) {
		(void) pthread_mutex_lock(&r->lock);
		if (r->nidle < POOL_IDLE_MAX) {
			rc->c = c;
			rc->next = r->idle;
			r->idle = rc;
			r->nidle++;
			c = NULL;
		}
		(void) pthread_mutex_unlock(&r->lock);
		if (c == NULL)
			return;
		free(rc);
	}
	redisFree(c);
}

/* Close every idle connection. */
static void
pool_flush(struct rds *r)
{
	struct rconn *rc, *next;

	(void) pthread_mutex_lock(&r->lock);
	rc = r->idle;
	r->idle = NULL;
	r->nidle = 0;
	(void) pthread_mutex_unlock(&r->lock);
	for (; rc != NULL; rc = next) {
		next = rc->next;
		redisFree(rc->c);
		free(rc);
	}
}

/* A reply that is not the answer: log it, and make sure the connection is
 * not reused when the protocol state is unknown. */
static int
reply_failed(struct rds *r, redisContext *c, redisReply *rep, const char *what)
{
	if (rep == NULL) {
		msg_warn_limited(&r->lim, 60, "store %s: %s: %s", r->desc, what, errstr(c));
		if (c->err == 0)
			c->err = REDIS_ERR_OTHER;
	} else {
		msg_warn_limited(&r->lim, 60, "store %s: %s: %s", r->desc, what,
		    rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
		/* a primary demoted by a failover: this connection and the idle
		 * ones all lead to it; the next use asks the sentinels again */
		if (rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, "READONLY", 8) == 0) {
			if (c->err == 0)
				c->err = REDIS_ERR_OTHER;
			pool_flush(r);
		}
		freeReplyObject(rep);
	}
	return (IPP_ERR);
}

/* EVALSHA of script WHICH; argv[0..2] are filled here.  A NOSCRIPT
 * answer loads the scripts on this connection and tries once more. */
static redisReply *
run_script(struct rds *r, redisContext *c, int which, int nkeys, int argc,
    const char **argv, size_t *lens)
{
	redisReply *rep;
	char	sha[41], nk[16], err[256];
	int	again;

	(void) snprintf(nk, sizeof(nk), "%d", nkeys);
	argv[0] = "EVALSHA";
	lens[0] = 7;
	argv[2] = nk;
	lens[2] = strlen(nk);
	for (again = 0;; again++) {
		(void) pthread_mutex_lock(&r->lock);
		(void) memcpy(sha, r->sha[which], sizeof(sha));
		(void) pthread_mutex_unlock(&r->lock);
		argv[1] = sha;
		lens[1] = 40;
		rep = command(c, argc, argv, lens);
		if (again || rep == NULL || rep->type != REDIS_REPLY_ERROR
		    || strncmp(rep->str, "NOSCRIPT", 8) != 0)
			return (rep);
		freeReplyObject(rep);
		if (load_scripts(r, c, err, sizeof(err)) != 0) {
			msg_warn_limited(&r->lim, 60, "store %s: %s", r->desc, err);
			if (c->err == 0)
				c->err = REDIS_ERR_OTHER;
			return (NULL);
		}
	}
}

/* With redis_wait_replicas: a write is acknowledged only once that many
 * replicas have it, so a failover cannot drop it.  IPP_OK or IPP_ERR
 * (the write may or may not stay: the caller retries, as after a lost
 * reply). */
static int
replicated(struct rds *r, redisContext *c)
{
	redisReply *rep;
	char	n[16], ms[24];
	const char *argv[3] = { "WAIT", n, ms };
	size_t	lens[3];
	long long got;

	if (r->wait == 0)
		return (IPP_OK);
	(void) snprintf(n, sizeof(n), "%u", r->wait);
	(void) snprintf(ms, sizeof(ms), "%lld", (long long) r->cmdto.tv_sec * 500);
	lens[0] = 4;
	lens[1] = strlen(n);
	lens[2] = strlen(ms);
	if ((rep = command(c, 3, argv, lens)) == NULL || rep->type != REDIS_REPLY_INTEGER)
		return (reply_failed(r, c, rep, "WAIT"));
	got = rep->integer;
	freeReplyObject(rep);
	if (got >= (long long) r->wait)
		return (IPP_OK);
	msg_warn_limited(&r->lim, 60,
	    "store %s: a write reached %lld of the %u replicas redis_wait_replicas asks for: not acknowledged",
	    r->desc, got, r->wait);
	return (IPP_ERR);
}

/* --- open, close --------------------------------------------------------- */

static void *
rds_open(const struct ipp_config *cfg, char *err, size_t errlen)
{
	struct rds *r;
	redisContext *c;
	char	why[512];

	/* hiredis writes with write(): a Redis that closes the connection
	 * must make that write fail (EPIPE, a store error), not kill us;
	 * the daemons ignore SIGPIPE already, ippoolctl and tests may not */
	{
		struct sigaction sa;

		if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
			(void) signal(SIGPIPE, SIG_IGN);
	}
	if (cfg->redis == NULL || strlen(cfg->redis) >= sizeof(r->where)) {
		(void) snprintf(err, errlen, "%s: backend = redis needs redis = HOST:PORT", cfg->file);
		return (NULL);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		(void) snprintf(err, errlen, "out of memory");
		return (NULL);
	}
	(void) strcpy(r->where, cfg->redis);
	if (strncmp(cfg->redis, "sentinel:", 9) == 0
	    ? ipp_parse_sentinel(cfg->redis, r->sent, IPP_SENTINELS_MAX, &r->nsent, r->master,
	    sizeof(r->master), why, sizeof(why)) != 0
	    : ipp_parse_hostport(cfg->redis, r->host, sizeof(r->host), &r->port, why,
	    sizeof(why)) != 0) {
		(void) snprintf(err, errlen, "%s: redis = %s", cfg->file, why);
		free(r);
		return (NULL);
	}
	(void) snprintf(r->prefix, sizeof(r->prefix), "%s",
	    cfg->redis_prefix ? cfg->redis_prefix : "ippool:");
	r->db = cfg->redis_db;
	r->wait = cfg->redis_wait_replicas;
	r->cto.tv_sec = cfg->redis_connect_timeout > 0 ? (time_t) cfg->redis_connect_timeout : 2;
	r->cmdto.tv_sec = cfg->redis_timeout > 0 ? (time_t) cfg->redis_timeout : 2;
	if ((cfg->redis_user && (r->user = strdup(cfg->redis_user)) == NULL)
	    || (cfg->redis_password && (r->password = strdup(cfg->redis_password)) == NULL)
	    || pthread_mutex_init(&r->lock, NULL) != 0) {
		(void) snprintf(err, errlen, "out of memory");
		free(r->user);
		free(r->password);
		free(r);
		return (NULL);
	}
	(void) snprintf(r->desc, sizeof(r->desc), "Redis %s db %u prefix %s", r->where,
	    r->db, r->prefix);
	/* connect now, to say why not; a Redis that goes away later is
	 * reconnected to on the next use */
	if ((c = dial(r, why, sizeof(why))) == NULL) {
		(void) snprintf(err, errlen, "store %s: %s: start Redis or fix [store] redis",
		    r->desc, why);
		(void) pthread_mutex_destroy(&r->lock);
		free(r->user);
		free(r->password);
		free(r);
		return (NULL);
	}
	release(r, c);
	return (r);
}

static void
rds_close(void *h)
{
	struct rds *r = h;
	struct rconn *rc;

	while ((rc = r->idle) != NULL) {
		r->idle = rc->next;
		redisFree(rc->c);
		free(rc);
	}
	(void) pthread_mutex_destroy(&r->lock);
	free(r->user);
	free(r->password);
	free(r);
}

static const char *
rds_describe(void *h)
{
	return (((struct rds *) h)->desc);
}

/* --- transactions ------------------------------------------------------------ */

static void
list_clear(struct oplist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].k);
		free(l->v[i].v);
	}
	l->n = 0;
}

/* The body's own last write of a key, or NULL. */
static const struct wop *
own_write(const struct rtxn *t, enum ipp_table tab, const void *key, size_t klen)
{
	size_t	i;

	for (i = t->w.n; i-- > 0;)
		if (t->w.v[i].tab == tab && t->w.v[i].kl == klen
		    && memcmp(t->w.v[i].k, key, klen) == 0)
			return (&t->w.v[i]);
	return (NULL);
}

/* Remember a write (del: a delete), or a read for update (del: the key
 * was absent). */
static int
list_add(struct oplist *l, enum ipp_table tab, const void *key, size_t klen,
    const void *val, size_t vlen, int del)
{
	struct wop *op;

	if (klen == 0 || klen > KEY_MAX)
		return (IPP_ERR);
	if (l->n == l->cap) {
		size_t	cap = l->cap ? l->cap * 2 : 8;
		struct wop *n = realloc(l->v, cap * sizeof(*n));

		if (n == NULL)
			return (IPP_ERR);
		l->v = n;
		l->cap = cap;
	}
	op = &l->v[l->n];
	memset(op, 0, sizeof(*op));
	if ((op->k = malloc(klen)) == NULL
	    || (!del && (op->v = malloc(vlen ? vlen : 1)) == NULL)) {
		free(op->k);
		return (IPP_ERR);
	}
	(void) memcpy(op->k, key, klen);
	op->kl = klen;
	if (!del) {
		if (vlen)
			(void) memcpy(op->v, val, vlen);
		op->vl = vlen;
	}
	op->tab = tab;
	op->del = del;
	l->n++;
	return (IPP_OK);
}

static int
set_val(struct ipp_buf *val, const void *data, size_t len)
{
	void   *n;

	if ((n = realloc(val->data, len ? len : 1)) == NULL)
		return (IPP_ERR);
	val->data = n;
	if (len)
		(void) memcpy(n, data, len);
	val->len = len;
	return (IPP_OK);
}

static int
rds_get(void *h, enum ipp_table tab, const void *key, size_t klen,
    struct ipp_buf *val, int flags)
{
	struct rtxn *t = h;
	const struct wop *op;
	redisReply *rep;
	char	fk[FULLKEY_MAX];
	const char *argv[2] = { "GET", fk };
	size_t	lens[2] = { 3, 0 };
	int	rc;

	val->len = 0;
	if ((op = own_write(t, tab, key, klen)) != NULL)
		return (op->del ? IPP_NOTFOUND : set_val(val, op->v, op->vl));
	lens[1] = full_key(t->r, tab, key, klen, fk);
	if ((rep = command(t->c, 2, argv, lens)) == NULL)
		return (reply_failed(t->r, t->c, rep, "GET"));
	if (rep->type == REDIS_REPLY_NIL)
		rc = IPP_NOTFOUND;
	else if (rep->type == REDIS_REPLY_STRING)
		rc = set_val(val, rep->str, rep->len);
	else
		return (reply_failed(t->r, t->c, rep, "GET"));
	/* read for update: the commit script checks it is still so */
	if (rc >= 0 && (flags & IPP_GET_RMW)
	    && list_add(&t->rs, tab, key, klen, rep->str, rep->len, rc == IPP_NOTFOUND) != IPP_OK)
		rc = IPP_ERR;
	freeReplyObject(rep);
	return (rc);
}

static int
rds_put(void *h, enum ipp_table tab, const void *key, size_t klen,
    const void *val, size_t vlen)
{
	struct rtxn *t = h;

	return (list_add(&t->w, tab, key, klen, val, vlen, 0));
}

static int
rds_del(void *h, enum ipp_table tab, const void *key, size_t klen)
{
	struct rtxn *t = h;
	const struct wop *op;
	redisReply *rep;
	char	fk[FULLKEY_MAX];
	const char *argv[2] = { "EXISTS", fk };
	size_t	lens[2] = { 6, 0 };

	if ((op = own_write(t, tab, key, klen)) != NULL) {
		if (op->del)
			return (IPP_NOTFOUND);
	} else {
		/* only the answer depends on this read, not what is written */
		lens[1] = full_key(t->r, tab, key, klen, fk);
		if ((rep = command(t->c, 2, argv, lens)) == NULL
		    || rep->type != REDIS_REPLY_INTEGER)
			return (reply_failed(t->r, t->c, rep, "EXISTS"));
		if (rep->integer == 0) {
			freeReplyObject(rep);
			return (IPP_NOTFOUND);
		}
		freeReplyObject(rep);
	}
	return (list_add(&t->w, tab, key, klen, NULL, 0, 1));
}

/*
 * The commit: one script that checks every read for update still holds
 * what the body saw (or is still absent) and only then applies the
 * writes and their index entries, in one round trip and one atomic step.
 * 0: something read changed (nothing applied, the body runs again).
 * A body that wrote nothing commits without a round trip: its reads were
 * committed values, and it changed nothing.
 */
static int
commit(struct rtxn *t)
{
	redisReply *rep = NULL;
	const char **argv = NULL;
	size_t *lens = NULL, i, nk, na, argc, k, a;
	char   *keys = NULL, cnt[2][24], ttl[24];
	int	rc = IPP_ERR;

	if (t->w.n == 0)
		return (IPP_OK);
	nk = t->rs.n + 2 * t->w.n;
	na = 2 + 2 * t->rs.n + 4 * t->w.n;
	argc = 3 + nk + na;
	argv = calloc(argc, sizeof(*argv));
	lens = calloc(argc, sizeof(*lens));
	keys = malloc(nk * FULLKEY_MAX);
	if (argv == NULL || lens == NULL || keys == NULL)
		goto out;
	(void) snprintf(cnt[0], sizeof(cnt[0]), "%zu", t->rs.n);
	(void) snprintf(cnt[1], sizeof(cnt[1]), "%zu", t->w.n);
	(void) snprintf(ttl, sizeof(ttl), "%d", IPP_WINDOW_IDLE_TTL);
	k = 3;
	a = 3 + nk;
	argv[a] = cnt[0];
	lens[a++] = strlen(cnt[0]);
	argv[a] = cnt[1];
	lens[a++] = strlen(cnt[1]);
	for (i = 0; i < t->rs.n; i++, k++) {
		const struct wop *r = &t->rs.v[i];
		char   *fk = keys + (k - 3) * FULLKEY_MAX;

		argv[k] = fk;
		lens[k] = full_key(t->r, r->tab, r->k, r->kl, fk);
		argv[a] = r->del ? "0" : "1";
		lens[a++] = 1;
		argv[a] = r->del ? "" : r->v;
		lens[a++] = r->del ? 0 : r->vl;
	}
	for (i = 0; i < t->w.n; i++, k++) {
		const struct wop *w = &t->w.v[i];
		char   *fk = keys + (k - 3) * FULLKEY_MAX;
		char   *ik = keys + (k - 3 + t->w.n) * FULLKEY_MAX;

		argv[k] = fk;
		lens[k] = full_key(t->r, w->tab, w->k, w->kl, fk);
		/* the table's index, also for the window table (not used) */
		argv[k + t->w.n] = ik;
		lens[k + t->w.n] = index_key(t->r, w->tab, ik, FULLKEY_MAX);
		argv[a] = w->del ? "D" : indexed(w->tab) ? "S" : "X";
		lens[a++] = 1;
		argv[a] = w->del ? "" : w->v;
		lens[a++] = w->del ? 0 : w->vl;
		argv[a] = ttl;
		lens[a++] = strlen(ttl);
		argv[a] = w->k;
		lens[a++] = w->kl;
	}
	rep = run_script(t->r, t->c, S_COMMIT, (int) nk, (int) argc, argv, lens);
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
		rc = reply_failed(t->r, t->c, rep, "commit script");
		rep = NULL;
	} else {
		rc = rep->integer == 1 ? replicated(t->r, t->c) : IPP_RETRY;
	}
out:
	if (rep)
		freeReplyObject(rep);
	free(argv);
	free(lens);
	free(keys);
	return (rc);
}

static int
rds_run(void *h, ipp_txn_fn body, void *arg)
{
	struct rds *r = h;
	struct rtxn t;
	struct ipp_txn txn;
	time_t	start = ipp_monotonic();
	int	attempt, rc = IPP_ERR;

	memset(&t, 0, sizeof(t));
	t.r = r;
	txn.ops = &ipp_store_redis_ops;
	txn.handle = &t;
	for (attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		if (attempt > 0) {
			if (ipp_monotonic() - start > RUN_BUDGET_S)
				break;
			ipp_store_backoff(attempt);
		}
		if ((t.c = acquire(r)) == NULL) {
			rc = IPP_ERR;
			goto out;
		}
		rc = body(&txn, arg);
		if (t.c->err != 0) {
			/* a txn call failed: the body may not have said so */
			if (rc != IPP_RETRY)
				rc = IPP_ERR;
		} else if (rc >= 0) {
			int	crc = commit(&t);

			if (crc < 0)
				rc = crc;
		}
		list_clear(&t.w);
		list_clear(&t.rs);
		release(r, t.c);
		t.c = NULL;
		if (rc != IPP_RETRY)
			goto out;
	}
	msg_warn_limited(&r->lim, 60, "store %s: transaction still conflicting after %d attempts",
	    r->desc, attempt);
	rc = IPP_ERR;
out:
	free(t.w.v);
	free(t.rs.v);
	return (rc);
}

/* --- several gets in one round trip -------------------------------------- */

static int
rds_getv(void *h, enum ipp_table tab, size_t n, const void *const *keys,
    const size_t *klens, struct ipp_buf *vals, int *found, int flags)
{
	struct rtxn *t = h;
	const struct wop *op;
	redisReply *rep = NULL;
	const char **argv;
	size_t *lens, *at, i, m = 0;
	int	rc = IPP_OK;

	argv = calloc(n + 1, sizeof(*argv));
	lens = calloc(n + 1, sizeof(*lens));
	at = calloc(n + 1, sizeof(*at));
	if (argv == NULL || lens == NULL || at == NULL) {
		rc = IPP_ERR;
		goto out;
	}
	argv[0] = "MGET";
	lens[0] = 4;
	for (i = 0; i < n && rc == IPP_OK; i++) {
		char   *fk;

		vals[i].len = 0;
		found[i] = 0;
		if ((op = own_write(t, tab, keys[i], klens[i])) != NULL) {
			if (!op->del && (rc = set_val(&vals[i], op->v, op->vl)) == IPP_OK)
				found[i] = 1;
			continue;
		}
		if ((fk = malloc(FULLKEY_MAX)) == NULL) {
			rc = IPP_ERR;
			break;
		}
		m++;
		argv[m] = fk;
		lens[m] = full_key(t->r, tab, keys[i], klens[i], fk);
		at[m] = i;
	}
	if (rc != IPP_OK || m == 0)
		goto out;
	rep = command(t->c, (int) m + 1, argv, lens);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements != m) {
		rc = reply_failed(t->r, t->c, rep, "MGET");
		rep = NULL;
		goto out;
	}
	for (i = 0; i < m && rc == IPP_OK; i++) {
		redisReply *v = rep->element[i];

		if (v->type == REDIS_REPLY_STRING) {
			if ((rc = set_val(&vals[at[i + 1]], v->str, v->len)) == IPP_OK)
				found[at[i + 1]] = 1;
		} else if (v->type != REDIS_REPLY_NIL) {
			rc = IPP_ERR;
		}
		/* read for update: the commit script checks it is still so */
		if (rc == IPP_OK && (flags & IPP_GET_RMW)
		    && list_add(&t->rs, tab, keys[at[i + 1]], klens[at[i + 1]], v->str, v->len,
		    v->type == REDIS_REPLY_NIL) != IPP_OK)
			rc = IPP_ERR;
	}
out:
	if (argv != NULL)
		for (i = 1; i <= m; i++)
			free((void *) argv[i]);
	free(argv);
	free(lens);
	free(at);
	if (rep)
		freeReplyObject(rep);
	return (rc);
}

/* --- the scripts ------------------------------------------------------------ */

static int
rds_window_reserve(void *h, const char *key, size_t klen, unsigned limit,
    const struct ipp_window_span *sp, time_t now, uint64_t token, time_t *retry_at)
{
	struct rds *r = h;
	redisContext *c;
	redisReply *rep;
	char	fk[FULLKEY_MAX], a[5][24];
	unsigned char tok[8];
	const char *argv[10];
	size_t	lens[10];
	int	i, rc;

	if (klen == 0 || klen > KEY_MAX)
		return (IPP_ERR);
	if ((c = acquire(r)) == NULL)
		return (IPP_ERR);
	ipp_window_le64(tok, token);
	(void) snprintf(a[0], sizeof(a[0]), "%lld", (long long) now);
	(void) snprintf(a[1], sizeof(a[1]), "%u", limit);
	(void) snprintf(a[2], sizeof(a[2]), "%lld", (long long) sp->span);
	(void) snprintf(a[3], sizeof(a[3]), "%lld", (long long) sp->pending);
	(void) snprintf(a[4], sizeof(a[4]), "%d", IPP_WINDOW_IDLE_TTL);
	argv[3] = fk;
	lens[3] = full_key(r, IPP_T_WINDOW, key, klen, fk);
	argv[4] = a[0];
	argv[5] = a[1];
	argv[6] = (const char *) tok;
	argv[7] = a[2];
	argv[8] = a[3];
	argv[9] = a[4];
	for (i = 4; i < 10; i++)
		lens[i] = i == 6 ? sizeof(tok) : strlen(argv[i]);
	rep = run_script(r, c, S_RESERVE, 1, 10, argv, lens);
	if (rep == NULL || rep->type != REDIS_REPLY_ARRAY || rep->elements < 1
	    || rep->element[0]->type != REDIS_REPLY_INTEGER
	    || (rep->element[0]->integer != 0 && (rep->elements < 2
	    || rep->element[1]->type != REDIS_REPLY_INTEGER))) {
		rc = reply_failed(r, c, rep, "window reserve script");
	} else {
		rc = IPP_OK;
		if (rep->element[0]->integer != 0) {
			*retry_at = (time_t) rep->element[1]->integer;
			rc = IPP_WINDOW_FULL;
		}
		freeReplyObject(rep);
		if (rc == IPP_OK)
			rc = replicated(r, c);
	}
	release(r, c);
	return (rc);
}

static int
rds_window_settle(void *h, const struct ipp_window_resv *w, size_t n, int accept,
    const struct ipp_window_span *sp, time_t now)
{
	struct rds *r = h;
	redisContext *c;
	redisReply *rep;
	char	a[5][24], *buf = NULL;
	const char **argv = NULL;
	size_t *lens = NULL, i, argc = 3 + n + 5 + n;
	int	rc = IPP_ERR;

	if (n > 10000)
		return (IPP_ERR);
	argv = calloc(argc, sizeof(*argv));
	lens = calloc(argc, sizeof(*lens));
	/* per key its full name, then its token */
	buf = malloc(n * (FULLKEY_MAX + 8));
	if (argv == NULL || lens == NULL || buf == NULL)
		goto out;
	(void) snprintf(a[0], sizeof(a[0]), "%d", accept ? 1 : 0);
	(void) snprintf(a[1], sizeof(a[1]), "%lld", (long long) now);
	(void) snprintf(a[2], sizeof(a[2]), "%lld", (long long) sp->span);
	(void) snprintf(a[3], sizeof(a[3]), "%lld", (long long) sp->pending);
	(void) snprintf(a[4], sizeof(a[4]), "%d", IPP_WINDOW_IDLE_TTL);
	for (i = 0; i < n; i++) {
		char   *fk = buf + i * (FULLKEY_MAX + 8);
		size_t	kl = strlen(w[i].key);

		if (kl == 0 || kl > KEY_MAX)
			goto out;
		argv[3 + i] = fk;
		lens[3 + i] = full_key(r, IPP_T_WINDOW, w[i].key, kl, fk);
		ipp_window_le64((unsigned char *) fk + FULLKEY_MAX, w[i].token);
		argv[3 + n + 5 + i] = fk + FULLKEY_MAX;
		lens[3 + n + 5 + i] = 8;
	}
	for (i = 0; i < 5; i++) {
		argv[3 + n + i] = a[i];
		lens[3 + n + i] = strlen(a[i]);
	}
	if ((c = acquire(r)) == NULL)
		goto out;
	rep = run_script(r, c, S_SETTLE, (int) n, (int) argc, argv, lens);
	if (rep == NULL || rep->type != REDIS_REPLY_INTEGER) {
		rc = reply_failed(r, c, rep, "window settle script");
	} else {
		freeReplyObject(rep);
		rc = replicated(r, c);
	}
	release(r, c);
out:
	free(argv);
	free(lens);
	free(buf);
	return (rc);
}

/* --- a batch of a scan (store.c drives it): keys from the index in key
 * order, then their values in one MGET ----------------------------------- */

static int
starts_with(const char *k, size_t kl, const char *p, size_t pl)
{
	return (kl >= pl && memcmp(k, p, pl) == 0);
}

static int
rds_scan_batch(void *h, struct ipp_scan_batch *bh)
{
	struct rtxn *t = h;
	redisReply *keys = NULL, *vals = NULL;
	char	ik[PREFIX_MAX + 32], *min = NULL, lim[16];
	const char **argv = NULL;
	size_t *lens = NULL, i, minlen;
	int	rc = IPP_OK;

	if (!indexed(bh->tab)) {
		msg_warn("store %s: table %s has no index to scan", t->r->desc,
		    ipp_table_name(bh->tab));
		return (IPP_ERR);
	}
	/* "[P": from the prefix on; "(K": after key K */
	minlen = 1 + (bh->from ? bh->fromlen : bh->plen);
	if ((min = malloc(minlen)) == NULL)
		return (IPP_ERR);
	min[0] = bh->from ? '(' : '[';
	(void) memcpy(min + 1, bh->from ? bh->from : bh->prefix, minlen - 1);
	(void) snprintf(lim, sizeof(lim), "%d", IPP_SCAN_BATCH);
	{
		const char *zargv[7] = { "ZRANGEBYLEX", ik, min, "+", "LIMIT", "0", lim };
		size_t	zlens[7] = { 11, index_key(t->r, bh->tab, ik, sizeof(ik)), minlen, 1, 5, 1,
		    strlen(lim) };

		keys = command(t->c, 7, zargv, zlens);
	}
	free(min);
	if (keys == NULL || keys->type != REDIS_REPLY_ARRAY)
		return (reply_failed(t->r, t->c, keys, "ZRANGEBYLEX"));
	if (keys->elements < IPP_SCAN_BATCH)
		bh->end = 1;
	if (keys->elements == 0)
		goto done;
	argv = calloc(keys->elements + 1, sizeof(*argv));
	lens = calloc(keys->elements + 1, sizeof(*lens));
	if (argv == NULL || lens == NULL) {
		rc = IPP_ERR;
		goto done;
	}
	argv[0] = "MGET";
	lens[0] = 4;
	for (i = 0; i < keys->elements && rc == IPP_OK; i++) {
		redisReply *k = keys->element[i];
		char   *fk;

		if (k->type != REDIS_REPLY_STRING || (fk = malloc(FULLKEY_MAX)) == NULL) {
			rc = IPP_ERR;
			break;
		}
		lens[i + 1] = full_key(t->r, bh->tab, k->str, k->len, fk);
		argv[i + 1] = fk;
	}
	if (rc == IPP_OK) {
		vals = command(t->c, (int) keys->elements + 1, argv, lens);
		if (vals == NULL || vals->type != REDIS_REPLY_ARRAY
		    || vals->elements != keys->elements) {
			rc = reply_failed(t->r, t->c, vals, "MGET");
			vals = NULL;
		}
	}
	for (i = 0; vals != NULL && i < keys->elements && rc == IPP_OK; i++) {
		redisReply *k = keys->element[i], *v = vals->element[i];
		struct ipp_scan_rec *r = &bh->recs[bh->n];

		if (!starts_with(k->str, k->len, bh->prefix, bh->plen)) {
			bh->end = 1;
			break;
		}
		/* the resume point, also when its record went away */
		free(bh->from);
		if ((bh->from = malloc(k->len ? k->len : 1)) == NULL) {
			rc = IPP_ERR;
			break;
		}
		(void) memcpy(bh->from, k->str, k->len);
		bh->fromlen = k->len;
		if (v->type != REDIS_REPLY_STRING)
			continue;	/* deleted since the index was read */
		if ((r->k = malloc(k->len)) == NULL || (r->v = malloc(v->len ? v->len : 1)) == NULL) {
			free(r->k);
			rc = IPP_ERR;
			break;
		}
		(void) memcpy(r->k, k->str, k->len);
		(void) memcpy(r->v, v->str, v->len);
		r->kl = k->len;
		r->vl = v->len;
		r->del = 0;
		bh->n++;
	}
done:
	if (argv != NULL)
		for (i = 1; i <= keys->elements; i++)
			free((void *) argv[i]);
	free(argv);
	free(lens);
	if (vals)
		freeReplyObject(vals);
	freeReplyObject(keys);
	return (rc);
}

/* --- check: records per table, the server's version, one round trip ------- */

struct check_arg {
	long long n[IPP_T_COUNT];
	char	version[32];
	long	rtt_us;
};

static int
count_window(struct rtxn *t, long long *n)
{
	redisReply *rep;
	char	pat[PREFIX_MAX + 32], cursor[32] = "0";
	const char *argv[6] = { "SCAN", cursor, "MATCH", pat, "COUNT", "1000" };
	size_t	lens[6] = { 4, 1, 5, 0, 5, 4 };

	/* the prefix has no glob characters (conf_check_redis_prefix) */
	lens[3] = (size_t) snprintf(pat, sizeof(pat), "%s%s:*", t->r->prefix,
	    ipp_table_name(IPP_T_WINDOW));
	*n = 0;
	do {
		lens[1] = strlen(cursor);
		if ((rep = command(t->c, 6, argv, lens)) == NULL || rep->type != REDIS_REPLY_ARRAY
		    || rep->elements != 2 || rep->element[0]->type != REDIS_REPLY_STRING
		    || rep->element[1]->type != REDIS_REPLY_ARRAY)
			return (reply_failed(t->r, t->c, rep, "SCAN"));
		(void) snprintf(cursor, sizeof(cursor), "%.*s", (int) rep->element[0]->len,
		    rep->element[0]->str);
		*n += (long long) rep->element[1]->elements;
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	return (IPP_OK);
}

static int
check_body(struct ipp_txn *txn, void *arg)
{
	struct rtxn *t = txn->handle;
	struct check_arg *ca = arg;
	redisReply *rep;
	struct timespec a, b;
	char	ik[PREFIX_MAX + 32];
	const char *argv[2];
	size_t	lens[2];
	const char *v;
	int	i;

	for (i = 0; i < IPP_T_COUNT; i++) {
		if (!indexed((enum ipp_table) i)) {
			if (count_window(t, &ca->n[i]) != IPP_OK)
				return (IPP_ERR);
			continue;
		}
		argv[0] = "ZCARD";
		lens[0] = 5;
		lens[1] = index_key(t->r, (enum ipp_table) i, ik, sizeof(ik));
		argv[1] = ik;
		if ((rep = command(t->c, 2, argv, lens)) == NULL || rep->type != REDIS_REPLY_INTEGER)
			return (reply_failed(t->r, t->c, rep, "ZCARD"));
		ca->n[i] = rep->integer;
		freeReplyObject(rep);
	}
	argv[0] = "PING";
	lens[0] = 4;
	(void) clock_gettime(CLOCK_MONOTONIC, &a);
	if ((rep = command(t->c, 1, argv, lens)) == NULL || rep->type != REDIS_REPLY_STATUS)
		return (reply_failed(t->r, t->c, rep, "PING"));
	(void) clock_gettime(CLOCK_MONOTONIC, &b);
	freeReplyObject(rep);
	ca->rtt_us = (long) ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000);
	argv[0] = "INFO";
	lens[0] = 4;
	argv[1] = "server";
	lens[1] = 6;
	if ((rep = command(t->c, 2, argv, lens)) == NULL
	    || rep->type != REDIS_REPLY_STRING)
		return (reply_failed(t->r, t->c, rep, "INFO"));
	(void) strcpy(ca->version, "?");
	if ((v = strstr(rep->str, "redis_version:")) != NULL)
		(void) snprintf(ca->version, sizeof(ca->version), "%.*s",
		    (int) strcspn(v + 14, "\r\n"), v + 14);
	freeReplyObject(rep);
	return (IPP_OK);
}

static int
rds_check(void *h, char *report, size_t len)
{
	struct rds *r = h;
	struct check_arg ca;
	size_t	off;
	int	i, rc;

	memset(&ca, 0, sizeof(ca));
	if ((rc = rds_run(r, check_body, &ca)) < 0)
		return (rc);
	off = (size_t) snprintf(report, len, "%s:", r->desc);
	for (i = 0; i < IPP_T_COUNT && off < len; i++)
		off += (size_t) snprintf(report + off, len - off, " %s=%lld",
		    ipp_table_name((enum ipp_table) i), ca.n[i]);
	if (off < len)
		(void) snprintf(report + off, len - off, " version=%s rtt_us=%ld",
		    ca.version, ca.rtt_us);
	return (IPP_OK);
}

const struct ipp_store_ops ipp_store_redis_ops = {
	.name = "redis",
	.prepare = NULL,
	.open = rds_open,
	.close = rds_close,
	.run = rds_run,
	.get = rds_get,
	.put = rds_put,
	.del = rds_del,
	.scan_batch = rds_scan_batch,
	.getv = rds_getv,
	.window_reserve = rds_window_reserve,
	.window_settle = rds_window_settle,
	.check = rds_check,
	.describe = rds_describe,
};
