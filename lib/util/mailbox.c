/* mailbox.c - From: header mailboxes through GMime. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <gmime/gmime.h>

#include "addr.h"
#include "mailbox.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

/* Count mailboxes; keep the last one seen. */
static unsigned
count(InternetAddressList *list, InternetAddressMailbox **last, int depth)
{
	unsigned n = 0;
	int	i, len = internet_address_list_length(list);

	for (i = 0; i < len; i++) {
		InternetAddress *a = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			if (depth == 0)	/* RFC 5322: groups do not nest */
				n += count(internet_address_group_get_members(
				    INTERNET_ADDRESS_GROUP(a)), last, depth + 1);
			else
				n += 2;	/* unreadable: never a single author */
		} else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
			*last = INTERNET_ADDRESS_MAILBOX(a);
			n++;
		}
	}
	return (n);
}

unsigned
ipp_from_mailboxes(const char *value, char *dom, size_t domlen)
{
	InternetAddressList *list;
	InternetAddressMailbox *mb = NULL;
	const char *addr, *at;
	unsigned n;

	if (domlen > 0)
		dom[0] = '\0';
	(void) pthread_once(&gmime_once, gmime_start);
	if ((list = internet_address_list_parse(NULL, value)) == NULL)
		return (0);
	n = count(list, &mb, 0);
	if (n == 1 && mb != NULL && (addr = internet_address_mailbox_get_idn_addr(mb)) != NULL
	    && (at = strrchr(addr, '@')) != NULL && at[1] != '\0'
	    && strlen(at + 1) < domlen) {
		(void) snprintf(dom, domlen, "%s", at + 1);
		ipp_domain_lower(dom);
	}
	g_object_unref(list);
	return (n);
}
