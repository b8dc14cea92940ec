/* printable.c - one escape for everything ippool prints that came from
 * outside (DNS TXT records, decoded headers, log lines, stored reasons):
 * an ESC in a TXT record must not reach the administrator's terminal. */
#include "autoconfig.h"

#include <string.h>

#include "printable.h"

/* Length of the valid, printable UTF-8 sequence at p (at most n bytes),
 * or 0 when the byte at p is to be escaped. */
static size_t
plain_len(const unsigned char *p, size_t n)
{
	size_t	need, i;
	unsigned cp;

	if (p[0] < 0x20 || p[0] == 0x7f)
		return (0);
	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		cp = p[0] & 0x07;
	} else
		return (0);
	if (n < need)
		return (0);
	for (i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, past U+10FFFF, C1 controls */
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff))
	    || (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return (0);
	return (need);
}

char *
ipp_printable(const void *in, size_t len, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t	i = 0, o = 0, k;

	if (outlen == 0)
		return (out);
	while (i < len) {
		if ((k = plain_len(p + i, len - i)) > 0) {
			if (o + k >= outlen)
				break;
			(void) memcpy(out + o, p + i, k);
			o += k;
			i += k;
		} else {
			if (o + 4 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[p[i] >> 4];
			out[o++] = hex[p[i] & 15];
			i++;
		}
	}
	if (i < len) {
		/* cut at a character boundary with room for "..." */
		if (outlen < 4) {
			o = 0;
		} else {
			size_t	w = o;

			while (o > outlen - 4)
				o--;
			while (o > 0 && o < w && ((unsigned char) out[o] & 0xc0) == 0x80)
				o--;
			(void) memcpy(out + o, "...", 3);
			o += 3;
		}
		if (o >= outlen)
			o = outlen - 1;
	}
	out[o] = '\0';
	return (out);
}

char *
ipp_printable_str(const char *in, char *out, size_t outlen)
{
	return (ipp_printable(in, strlen(in), out, outlen));
}

int
ipp_printable_needed(const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t	i = 0, k;

	while (i < len) {
		if ((k = plain_len(p + i, len - i)) == 0)
			return (1);
		i += k;
	}
	return (0);
}
