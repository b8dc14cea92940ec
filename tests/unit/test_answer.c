/* test_answer.c - ippool-policyd's answers without a daemon: the sender
 * and Sendmail route maps, the policy request, and what is answered when
 * a reply does not fit (never a read past or before the reply). */
#include "autoconfig.h"

#include <stdlib.h>

#include "answer.h"
#include "config.h"
#include "tap.h"

static enum answer_status
sm(const struct ipp_config *cfg, const char *req, char *reply, size_t rlen, enum metric *kind)
{
	char	why[128];

	return (answer_socketmap(cfg, NULL, NULL, req, strlen(req), reply, rlen, kind, why,
	    sizeof(why)));
}

int
main(void)
{
	struct ipp_config *cfg;
	enum metric kind;
	char	reply[ANSWER_MAX], why[128], *tiny;
	const char *f, *pl;

	f = tap_write("answer.conf",
	    "[store]\npath = /tmp/x\n"
	    "[policy]\nsocketmap = inet:10041@127.0.0.1\n"
	    "[pool tx]\nips = 192.0.2.1\nsenders = @tx.example\nport = 10031\n"
	    "[pool bulk]\nips = 192.0.2.2\nport = 10032\n");
	cfg = ipp_config_load(f, stderr);
	ok(cfg != NULL, "config loads");
	if (cfg == NULL)
		return (done_testing());

	is_int(sm(cfg, "ippool-sender a@tx.example", reply, sizeof(reply), &kind), ANSWER_OK,
	    "sender map");
	is_str(reply, "OK ippool_relay_tx:[127.0.0.1]:10031", "  the relay of the sender's pool");
	is_int(kind, M_SM_RELAY, "  counted as a relay answer");
	is_int(sm(cfg, "ippool_route app:a@tx.example", reply, sizeof(reply), &kind), ANSWER_OK,
	    "Sendmail route map");
	is_str(reply, "OK ippool_relay_tx", "  the relay mailer's name only");

	/* a reply that does not fit: TEMP (cut short), never an unterminated
	 * or half-initialized reply searched for its next hop; the buffer is
	 * on the heap at its exact size, so that ASan sees a read past it */
	if ((tiny = malloc(2)) == NULL)
		abort();
	is_int(sm(cfg, "ippool_route app:a@tx.example", tiny, 2, &kind), ANSWER_OK,
	    "Sendmail route map, reply buffer too small");
	is_int(kind, M_SM_TEMP, "  answered TEMP");
	is_str(tiny, "T", "  cut to the buffer");
	is_int(sm(cfg, "ippool-sender <>", tiny, 2, &kind), ANSWER_OK,
	    "sender map, reply buffer too small");
	is_int(kind, M_SM_TEMP, "  answered TEMP");
	free(tiny);

	pl = "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@tx.example\n"
	    "recipient=b@gmail.com\nclient_address=127.0.0.1\n";
	is_int(answer_policy(cfg, pl, strlen(pl), reply, sizeof(reply), &kind, why, sizeof(why)),
	    ANSWER_OK, "policy request at RCPT");
	is_str(reply, "action=FILTER ippool_relay_tx:[127.0.0.1]:10031", "  FILTER to the relay");
	if ((tiny = malloc(4)) == NULL)
		abort();
	is_int(answer_policy(cfg, pl, strlen(pl), tiny, 4, &kind, why, sizeof(why)), ANSWER_OK,
	    "policy request, reply buffer too small");
	is_int(kind, M_PL_DEFER, "  answered DEFER_IF_PERMIT");
	free(tiny);
	ipp_config_free(cfg);
	return (done_testing());
}
