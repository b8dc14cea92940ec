/* form.h - does an HTML form's body (a POST of
 * application/x-www-form-urlencoded or multipart/form-data) carry a
 * field with a given value?  The one-click unsubscribe endpoint asks it
 * of RFC 8058's "List-Unsubscribe=One-Click".  Parsed by GLib (urlencoded)
 * and GMime (multipart), from explicit lengths: the body is untrusted. */
#ifndef IPP_FORM_H
#define IPP_FORM_H

#include <stddef.h>

enum ipp_form {
	IPP_FORM_HAS,		/* the field is there with that value */
	IPP_FORM_LACKS,		/* a form, but not with that field and value */
	IPP_FORM_NOT_FORM	/* another content type, or an unreadable one */
};

/*
 * CTYPE is the request's Content-Type value (CTLEN bytes; NULL: none,
 * read as urlencoded, as a form without the header would be sent), BODY
 * its LEN bytes.  NAME and VALUE are compared exactly, after decoding.
 */
enum ipp_form ipp_form_has(const char *ctype, size_t ctlen, const char *body, size_t len,
	    const char *name, const char *value);

#endif
