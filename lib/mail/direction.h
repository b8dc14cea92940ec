/* direction.h - outbound or inbound: the one decision, made per message,
 * that says whether ippool acts on a message at all (DESIGN.md "Recipient
 * protection", "Outbound only").  Outbound is mail the site sends: from an
 * authenticated client, from a client in [milter] internal_hosts, or a
 * local submission.  Everything else is inbound, and gets no tag, no
 * limit, no guard, no suppression check and no signature: otherwise any
 * Internet sender could have mail in the site's name signed. */
#ifndef IPP_DIRECTION_H
#define IPP_DIRECTION_H

#include <stddef.h>

#include "config.h"

enum ipp_dir {
	IPP_DIR_INBOUND,
	IPP_DIR_OUTBOUND
};

enum ipp_dir_why {
	IPP_DIR_AUTH,		/* authenticated (SASL login) */
	IPP_DIR_LOCAL,		/* local submission (no SMTP client) */
	IPP_DIR_INTERNAL,	/* client address in internal_hosts */
	IPP_DIR_EXTERNAL,	/* client address outside internal_hosts */
	IPP_DIR_UNKNOWN		/* no usable client address */
};

/* What the MTA says of the client; NULL or "" where it says nothing. */
struct ipp_dir_client {
	const char *login;	/* {auth_authen}, sasl_username */
	const char *addr;	/* {client_addr}, client_address ("IPv6:" prefix allowed) */
	int	local;		/* a local submission (Postfix non_smtpd_milters) */
};

struct ipp_direction {
	enum ipp_dir dir;
	enum ipp_dir_why why;
	char	text[200];	/* "authenticated as app1", for the log */
};

/* Decide; never fails (what cannot be read is inbound). */
void	ipp_direction_decide(const struct ipp_config *, const struct ipp_dir_client *,
	    struct ipp_direction *);

const char *ipp_dir_name(enum ipp_dir);

#endif
