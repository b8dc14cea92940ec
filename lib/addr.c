/* addr.c - envelope address normal form. */
#include "autoconfig.h"

#include <ctype.h>
#include <string.h>

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
