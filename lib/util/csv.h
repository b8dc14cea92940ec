/* csv.h - the RFC 4180 subset used by "ippoolctl suppress import/export":
 * comma-separated fields, double quotes around fields that need them,
 * "" for a quote inside one. */
#ifndef IPP_CSV_H
#define IPP_CSV_H

#include <stddef.h>
#include <stdio.h>

#define IPP_CSV_MAXFIELDS 16

/*
 * Split one line (no newline) into at most max fields, in place: the
 * field pointers point into line.  Returns the number of fields, or -1
 * with a reason (unterminated quote, text after a closing quote, too many
 * fields).
 */
int	ipp_csv_split(char *line, char **fields, int max, char *err, size_t errlen);

/* Write one field, quoted if it holds a comma, quote or line break. */
void	ipp_csv_put(FILE *, const char *field, int last);

#endif
