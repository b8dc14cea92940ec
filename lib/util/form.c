/* form.c - a field of a form body: urlencoded pairs through GLib's
 * g_uri_parse_params, multipart/form-data through GMime's parser (each
 * part's Content-Disposition name, its content decoded). */
#include "autoconfig.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "form.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void
gmime_start(void)
{
	g_mime_init();
}

static enum ipp_form
urlencoded(const char *body, size_t len, const char *name, const char *value)
{
	GHashTable *params;
	const char *v;
	enum ipp_form r;

	if (len == 0)
		return (IPP_FORM_LACKS);
	/* invalid escapes or bytes that are not UTF-8 once decoded: no form */
	if ((params = g_uri_parse_params(body, (gssize) len, "&", G_URI_PARAMS_WWW_FORM,
	    NULL)) == NULL)
		return (IPP_FORM_LACKS);
	v = g_hash_table_lookup(params, name);
	r = v != NULL && strcmp(v, value) == 0 ? IPP_FORM_HAS : IPP_FORM_LACKS;
	g_hash_table_unref(params);
	return (r);
}

/* Is this part the form field NAME holding exactly VALUE? */
static int
part_is(GMimeObject *obj, const char *name, const char *value)
{
	GMimeContentDisposition *disp;
	GMimeDataWrapper *content;
	GMimeStream *out;
	GByteArray *bytes;
	const char *d, *n;
	size_t	vlen = strlen(value);
	int	yes = 0;

	if (!GMIME_IS_PART(obj) || (disp = g_mime_object_get_content_disposition(obj)) == NULL
	    || (d = g_mime_content_disposition_get_disposition(disp)) == NULL
	    || g_ascii_strcasecmp(d, "form-data") != 0
	    || (n = g_mime_content_disposition_get_parameter(disp, "name")) == NULL
	    || strcmp(n, name) != 0
	    || (content = g_mime_part_get_content(GMIME_PART(obj))) == NULL)
		return (0);
	if ((out = g_mime_stream_mem_new()) == NULL)
		return (0);
	if (g_mime_data_wrapper_write_to_stream(content, out) >= 0) {
		bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
		yes = bytes->len == vlen && memcmp(bytes->data, value, vlen) == 0;
	}
	g_object_unref(out);
	return (yes);
}

static enum ipp_form
multipart(const char *ctype, size_t ctlen, const char *body, size_t len, const char *name,
    const char *value)
{
	static const char pre[] = "Content-Type: ", sep[] = "\r\n\r\n";
	GMimeStream *in;
	GMimeParser *parser;
	GMimeObject *obj;
	GByteArray *buf;
	enum ipp_form r = IPP_FORM_LACKS;
	int	i, n;

	/* the parser reads a MIME entity: our Content-Type, then the body */
	if ((buf = g_byte_array_sized_new((guint) (sizeof(pre) + ctlen + sizeof(sep) + len)))
	    == NULL)
		return (IPP_FORM_NOT_FORM);
	g_byte_array_append(buf, (const guint8 *) pre, sizeof(pre) - 1);
	g_byte_array_append(buf, (const guint8 *) ctype, (guint) ctlen);
	g_byte_array_append(buf, (const guint8 *) sep, sizeof(sep) - 1);
	g_byte_array_append(buf, (const guint8 *) body, (guint) len);
	in = g_mime_stream_mem_new_with_byte_array(buf);	/* owns buf */
	parser = g_mime_parser_new_with_stream(in);
	g_object_unref(in);
	obj = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	if (obj == NULL)
		return (IPP_FORM_LACKS);
	if (GMIME_IS_MULTIPART(obj)) {
		n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		for (i = 0; i < n && r != IPP_FORM_HAS; i++)
			if (part_is(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), name, value))
				r = IPP_FORM_HAS;
	}
	g_object_unref(obj);
	return (r);
}

enum ipp_form
ipp_form_has(const char *ctype, size_t ctlen, const char *body, size_t len,
    const char *name, const char *value)
{
	GMimeContentType *ct;
	char   *s;
	size_t	i;
	int	url, multi;

	if (ctype == NULL)
		return (urlencoded(body, len, name, value));
	for (i = 0; i < ctlen; i++)
		if ((unsigned char) ctype[i] < 0x20 && ctype[i] != '\t')
			return (IPP_FORM_NOT_FORM);
	(void) pthread_once(&gmime_once, gmime_start);
	if ((s = g_strndup(ctype, ctlen)) == NULL)
		return (IPP_FORM_NOT_FORM);
	ct = g_mime_content_type_parse(NULL, s);
	g_free(s);
	if (ct == NULL)
		return (IPP_FORM_NOT_FORM);
	url = g_mime_content_type_is_type(ct, "application", "x-www-form-urlencoded");
	multi = g_mime_content_type_is_type(ct, "multipart", "form-data")
	    && g_mime_content_type_get_parameter(ct, "boundary") != NULL;
	g_object_unref(ct);
	if (url)
		return (urlencoded(body, len, name, value));
	if (multi)
		return (multipart(ctype, ctlen, body, len, name, value));
	return (IPP_FORM_NOT_FORM);
}
