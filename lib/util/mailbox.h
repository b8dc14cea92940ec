/* mailbox.h - the author of a message as its From: header names it, read
 * with GMime's address parser (quoted names, comments, groups, encoded
 * words), for the decision whether a message may be signed. */
#ifndef IPP_MAILBOX_H
#define IPP_MAILBOX_H

#include <stddef.h>

/*
 * Parse one From: header value.  Returns the number of mailboxes it names
 * (members of groups included; 0 when it names none or cannot be read)
 * and, when that number is 1, the mailbox's domain, lower-cased, in dom
 * ("" when the address has no domain).
 */
unsigned ipp_from_mailboxes(const char *value, char *dom, size_t domlen);

#endif
