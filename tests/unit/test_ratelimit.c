/* test_ratelimit.c - the per-recipient hourly window on the store, one
 * table of cases: the exact edges of the 60 minutes (an accepted message
 * frees its slot at 60:00, not at 59:59), reservations that nobody settles
 * lapsing after IPP_RL_PENDING, accept (the slot counts from acceptance)
 * against release (the slot is free at once), and the retry time an
 * over-limit reservation is given. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "tap.h"
#include "tstore.h"

#define T0	((time_t) 1767268800)		/* 2026-01-01 12:00 UTC */
#define MAXSTEPS 10

/*
 * One step on the case's own recipient, AT seconds after T0:
 *   'r' reserve under the case's limit with token TOK: want IPP_OK, or
 *       IPP_RL_OVER with retry_at T0 + RETRY
 *   'a' accept / 'x' release the reservation of token TOK
 *   'n' show the window: WANT entries, PENDING of them pending
 */
struct step {
	char	op;
	int	tok;
	long	at;
	int	want;
	long	retry;
	int	pending;
};

struct rl_case {
	const char *name;
	unsigned limit;
	struct step steps[MAXSTEPS];
};

#define R(tok, at, want, retry)	{ 'r', tok, at, want, retry, 0 }
#define A(tok, at)		{ 'a', tok, at, IPP_OK, 0, 0 }
#define X(tok, at)		{ 'x', tok, at, IPP_OK, 0, 0 }
#define N(at, n, pending)	{ 'n', 0, at, n, 0, pending }
#define OVER			IPP_RL_OVER

static const struct rl_case cases[] = {
	{ "an accepted message frees its slot at exactly 60:00", 1, {
		R(1, 0, IPP_OK, 0), A(1, 0),
		R(2, 3599, OVER, 3600),		/* 59:59: still inside */
		N(3599, 1, 0),
		R(2, 3600, IPP_OK, 0),		/* 60:00: free */
		N(3600, 1, 1) } },
	{ "the slot counts from acceptance, not from the reservation", 1, {
		R(1, 0, IPP_OK, 0), A(1, 600),
		R(2, 4199, OVER, 4200),
		R(2, 4200, IPP_OK, 0) } },
	{ "an unsettled reservation lapses after IPP_RL_PENDING", 1, {
		R(1, 0, IPP_OK, 0),
		N(IPP_RL_PENDING - 1, 1, 1),
		/* the retry time is an hour on, as for an accepted slot */
		R(2, IPP_RL_PENDING - 1, OVER, 3600),
		N(IPP_RL_PENDING, 0, 0),
		R(2, IPP_RL_PENDING, IPP_OK, 0) } },
	{ "accepting a lapsed reservation counts nothing", 1, {
		R(1, 0, IPP_OK, 0), A(1, IPP_RL_PENDING),
		N(IPP_RL_PENDING, 0, 0),
		R(2, IPP_RL_PENDING, IPP_OK, 0),
		R(3, IPP_RL_PENDING + 1, OVER, IPP_RL_PENDING + 3600) } },
	{ "release frees the slot at once", 1, {
		R(1, 0, IPP_OK, 0), X(1, 10),
		N(10, 0, 0),
		R(2, 10, IPP_OK, 0) } },
	{ "release after accept does not take the slot back", 1, {
		R(1, 0, IPP_OK, 0), A(1, 0), X(1, 5),
		R(2, 5, OVER, 3600) } },
	{ "settling an unknown token changes nothing", 1, {
		R(1, 0, IPP_OK, 0), X(99, 5), A(98, 5),
		N(5, 1, 1),
		R(2, 5, OVER, 3600) } },
	{ "a second accept does not move the slot's time", 1, {
		R(1, 0, IPP_OK, 0), A(1, 0), A(1, 1000),
		R(2, 3600, IPP_OK, 0) } },
	{ "limit 3: the oldest slot decides the retry time", 3, {
		R(1, 0, IPP_OK, 0), A(1, 0),
		R(2, 100, IPP_OK, 0), A(2, 100),
		R(3, 200, IPP_OK, 0), A(3, 200),
		R(4, 300, OVER, 3600),
		N(300, 3, 0),
		R(4, 3600, IPP_OK, 0),
		R(5, 3601, OVER, 3700) } },
	{ "an over-limit reservation takes no slot", 2, {
		R(1, 0, IPP_OK, 0), R(2, 0, IPP_OK, 0),
		R(3, 1, OVER, 3600), R(4, 2, OVER, 3600),
		X(1, 3),
		R(5, 3, IPP_OK, 0),
		N(3, 2, 2) } },
};

/* Tokens of a case: fixed, distinct per case, never 0. */
static uint64_t
token(size_t ci, int tok)
{
	return (((uint64_t) (ci + 1) << 32) | (uint64_t) tok);
}

static void
run_case(struct ipp_store *st, size_t ci, const struct rl_case *c)
{
	struct ipp_rl_entry ent[16];
	struct ipp_rl_resv resv;
	char	rcpt[64];
	time_t	retry;
	size_t	i, j, n, pend;
	int	rc;

	(void) snprintf(rcpt, sizeof(rcpt), "case%zu@example.com", ci);
	for (i = 0; i < MAXSTEPS && c->steps[i].op; i++) {
		const struct step *s = &c->steps[i];
		time_t	now = T0 + s->at;

		switch (s->op) {
		case 'r':
			retry = 0;
			rc = ipp_rl_reserve(st, rcpt, c->limit, now, token(ci, s->tok), &retry);
			is_int(rc, s->want, "%s: step %zu, reserve #%d at +%lds", c->name,
			    i + 1, s->tok, s->at);
			if (s->want == OVER)
				is_int(retry - T0, s->retry, "%s: step %zu, retry at +%lds",
				    c->name, i + 1, s->retry);
			break;
		case 'a':
		case 'x':
			resv.rcpt = rcpt;
			resv.token = token(ci, s->tok);
			is_int(ipp_rl_settle(st, &resv, 1, s->op == 'a', now), IPP_OK,
			    "%s: step %zu, %s #%d at +%lds", c->name, i + 1,
			    s->op == 'a' ? "accept" : "release", s->tok, s->at);
			break;
		case 'n':
			rc = ipp_rl_show(st, rcpt, now, ent, 16, &n);
			for (j = 0, pend = 0; j < n; j++)
				pend += ent[j].pending != 0;
			ok(rc == IPP_OK && n == (size_t) s->want && pend == (size_t) s->pending,
			    "%s: step %zu, at +%lds the window holds %d (%d pending)",
			    c->name, i + 1, s->at, s->want, s->pending);
			if (rc != IPP_OK || n != (size_t) s->want || pend != (size_t) s->pending)
				(void) printf("#   got rc %d, %zu entries, %zu pending\n", rc, n, pend);
			break;
		}
	}
}

int
main(void)
{
	struct ipp_config *cfg;
	struct ipp_store *st;
	struct ipp_rl_resv two[2];
	struct ipp_rl_entry ent[4];
	time_t	retry;
	size_t	ci, n;
	uint64_t a, b;

	st = tstore_open("rl", "[milter]\nuser =\n[pool tx]\nips = 192.0.2.1\n", &cfg);
	for (ci = 0; ci < sizeof(cases) / sizeof(cases[0]); ci++)
		run_case(st, ci, &cases[ci]);

	/* one settle call covers several recipients, in one transaction */
	a = ipp_rl_token();
	b = ipp_rl_token();
	ok(a != b && a != 0 && b != 0, "ipp_rl_token: fresh tokens differ");
	(void) ipp_rl_reserve(st, "m1@example.com", 1, T0, a, &retry);
	(void) ipp_rl_reserve(st, "m2@example.com", 1, T0, b, &retry);
	two[0].rcpt = "m1@example.com";
	two[0].token = a;
	two[1].rcpt = "m2@example.com";
	two[1].token = b;
	is_int(ipp_rl_settle(st, two, 2, 1, T0 + 1), IPP_OK, "settle two recipients at once");
	ok(ipp_rl_show(st, "m2@example.com", T0 + 1, ent, 4, &n) == IPP_OK && n == 1
	    && ent[0].pending == 0 && ent[0].when == T0 + 1, "  the second one is accepted too");
	is_int(ipp_rl_settle(st, two, 0, 1, T0 + 1), IPP_OK, "settling nothing is a no-op");

	/* reset empties the window */
	is_int(ipp_rl_reset(st, "m1@example.com"), IPP_OK, "reset");
	ok(ipp_rl_show(st, "m1@example.com", T0 + 1, ent, 4, &n) == IPP_OK && n == 0,
	    "  the window is empty after reset");
	is_int(ipp_rl_reset(st, "never@example.com"), IPP_OK, "reset of an empty window");

	ipp_store_close(st);
	ipp_config_free(cfg);
	return (done_testing());
}
