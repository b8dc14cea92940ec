/* csv.c - split and quote CSV fields. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "csv.h"

int
ipp_csv_split(char *line, char **fields, int max, char *err, size_t errlen)
{
	char   *r = line, *w;
	int	n = 0;

	for (;;) {
		if (n == max) {
			(void) snprintf(err, errlen, "more than %d fields", max);
			return (-1);
		}
		fields[n++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0') {
					(void) snprintf(err, errlen, "field %d: unterminated quote", n);
					return (-1);
				}
				if (*r == '"') {
					if (r[1] == '"') {
						*w++ = '"';
						r += 2;
						continue;
					}
					r++;
					break;
				}
				*w++ = *r++;
			}
			if (*r != ',' && *r != '\0') {
				(void) snprintf(err, errlen, "field %d: text after the closing quote", n);
				return (-1);
			}
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"') {
					(void) snprintf(err, errlen, "field %d: quote inside an unquoted field", n);
					return (-1);
				}
				*w++ = *r++;
			}
		}
		if (*r == '\0') {
			*w = '\0';
			return (n);
		}
		r++;			/* the comma */
		*w = '\0';
	}
}

void
ipp_csv_put(FILE *fp, const char *f, int last)
{
	const char *s;

	if (strpbrk(f, ",\"\r\n") == NULL) {
		(void) fputs(f, fp);
	} else {
		(void) putc('"', fp);
		for (s = f; *s; s++) {
			if (*s == '"')
				(void) putc('"', fp);
			(void) putc(*s, fp);
		}
		(void) putc('"', fp);
	}
	(void) putc(last ? '\n' : ',', fp);
}
