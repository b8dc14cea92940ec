/* addr.c - envelope address normal form, and the canonical form that
 * keys every per-recipient record. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <idn2.h>

#include "addr.h"

int
ipp_addr_normalize(const char *in, char *out, size_t outlen)
{
	const char *s = in, *e;
	size_t	len, i;
	char   *at;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e > s && *s == '<') {
		if (e[-1] != '>')
			return (-1);
		s++;
		e--;
	}
	len = (size_t) (e - s);
	if (len > IPP_ADDR_MAX || len >= outlen)
		return (-1);
	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f || s[i] == '<'
		    || s[i] == '>')
			return (-1);
	(void) memcpy(out, s, len);
	out[len] = '\0';
	if ((at = strrchr(out, '@')) != NULL)
		ipp_domain_lower(at + 1);
	return (0);
}

const char *
ipp_addr_domain(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return (at && at[1] ? at + 1 : NULL);
}

void
ipp_domain_lower(char *s)
{
	for (; *s; s++)
		*s = (char) tolower((unsigned char) *s);
}

/* RFC 5322 atext, for deciding whether a local part needs its quotes. */
static int
atext(unsigned char c)
{
	return (c >= 0x80 || (c > 0x20 && c < 0x7f && strchr("\"(),.:;<>@[\\]", c) == NULL));
}

static int
dot_atom(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || s[0] == '.' || s[len - 1] == '.')
		return (0);
	for (i = 0; i < len; i++)
		if (s[i] == '.' ? s[i + 1] == '.' : !atext((unsigned char) s[i]))
			return (0);
	return (1);
}

/* The local part's content: quotes and quoted-pairs undone, lower-cased. */
static int
local_content(const char *s, size_t len, char *out, size_t outlen, size_t *olen)
{
	size_t	i, o = 0;
	int	quoted = len >= 2 && s[0] == '"' && s[len - 1] == '"';

	if (quoted) {
		s++;
		len -= 2;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (quoted && c == '\\' && i + 1 < len)
			c = (unsigned char) s[++i];
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = (char) tolower(c);
	}
	out[o] = '\0';
	*olen = o;
	return (0);
}

static int
canon_domain(const char *dom, char *out, size_t outlen)
{
	const unsigned char *p;
	char   *ace = NULL;
	size_t	n;
	int	rc;

	for (p = (const unsigned char *) dom; *p && *p < 0x80; p++)
		;
	if (*p != '\0' && idn2_to_ascii_8z(dom, &ace, IDN2_NONTRANSITIONAL) == IDN2_OK)
		dom = ace;
	/* what IDNA refuses stays as written: it is compared byte for byte */
	n = strlen(dom);
	/* every trailing dot: the canonical form must be its own canonical form */
	while (n > 0 && dom[n - 1] == '.')
		n--;
	rc = n < outlen ? 0 : -1;
	if (rc == 0) {
		(void) memcpy(out, dom, n);
		out[n] = '\0';
		ipp_domain_lower(out);
	}
	idn2_free(ace);
	return (rc);
}

int
ipp_addr_canon(const char *addr, const char *delim, char *out, size_t outlen)
{
	const char *at = strrchr(addr, '@');
	size_t	llen = at ? (size_t) (at - addr) : strlen(addr), clen, cut, o, i;
	char	local[IPP_ADDR_MAX + 1], dom[IPP_ADDR_MAX + 1];
	int	n;

	if (*addr == '\0') {		/* the null sender */
		if (outlen == 0)
			return (-1);
		*out = '\0';
		return (0);
	}
	if (local_content(addr, llen, local, sizeof(local), &clen) != 0)
		return (-1);
	/* a delimiter as first character is part of the name ("+bob") */
	if (delim != NULL && *delim != '\0' && clen > 1
	    && (cut = strcspn(local + 1, delim) + 1) < clen) {
		local[cut] = '\0';
		clen = cut;
	}
	if (!dot_atom(local, clen)) {
		/* keep it quoted, escaping only what must be */
		char	q[2 * IPP_ADDR_MAX + 3];

		o = 0;
		q[o++] = '"';
		for (i = 0; i < clen; i++) {
			if (local[i] == '"' || local[i] == '\\')
				q[o++] = '\\';
			q[o++] = local[i];
		}
		q[o++] = '"';
		q[o] = '\0';
		if (o >= sizeof(local))
			return (-1);
		(void) memcpy(local, q, o + 1);
	}
	if (at == NULL) {
		n = snprintf(out, outlen, "%s", local);
		return (n >= 0 && (size_t) n < outlen ? 0 : -1);
	}
	if (canon_domain(at + 1, dom, sizeof(dom)) != 0)
		return (-1);
	n = snprintf(out, outlen, "%s@%s", local, dom);
	return (n >= 0 && (size_t) n < outlen ? 0 : -1);
}
