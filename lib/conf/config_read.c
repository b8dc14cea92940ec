/* config_read.c - the INI syntax of ippool.conf (ippool.conf(5)
 * DESCRIPTION), turned into events: a section header, a key and its
 * value, a continuation line, a syntax error, each with its line.  What
 * the sections and keys mean is config.c's and config_schema.c's.
 *
 * Our own reader rather than libinih: Debian builds libinih without line
 * numbers for its handler and without a call for a section that has no
 * keys, and FILE:LINE messages for duplicate or empty sections need both. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"

static void
rstrip(char *s)
{
	char   *e = s + strlen(s);

	while (e > s && isspace((unsigned char) e[-1]))
		*--e = '\0';
}

static char *
lskip(char *s)
{
	while (*s && isspace((unsigned char) *s))
		s++;
	return (s);
}

/*
 * The first of chars in s, or a ';' after white space (an inline
 * comment, libinih's rule, which ippool.conf files have relied on), or
 * the end of s.
 */
static char *
find_or_comment(char *s, const char *chars)
{
	int	was_space = 0;

	while (*s && (chars == NULL || strchr(chars, *s) == NULL)
	    && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char) *s);
		s++;
	}
	return (s);
}

/* Cut a '#' comment that starts the line or follows a blank, outside
 * double quotes (a list item may hold a '#'). */
static void
strip_hash_comment(char *s)
{
	char   *q;
	int	quoted = 0;

	for (q = s; *q; q++) {
		if (*q == '"')
			quoted = !quoted;
		else if (*q == '#' && !quoted && (q == s || q[-1] == ' ' || q[-1] == '\t')) {
			*q = '\0';
			return;
		}
	}
}

static int
emit(int (*fn)(void *, const struct conf_event *), void *arg,
    enum conf_ev kind, int line, const char *text, const char *name,
    const char *value)
{
	struct conf_event ev;

	ev.kind = kind;
	ev.line = line;
	ev.section = NULL;
	ev.text = text;
	ev.name = name;
	ev.value = value;
	return (fn(arg, &ev));
}

int
conf_read(FILE *fp, int (*fn)(void *, const struct conf_event *), void *arg)
{
	struct conf_event ev;
	char	buf[CONF_LINE_MAX + 3], msg[128], *s, *e, *name, *value;
	size_t	len;
	int	lineno = 0, have_key = 0, c, rc = 0;

	while (rc == 0 && fgets(buf, sizeof(buf), fp) != NULL) {
		lineno++;
		len = strlen(buf);
		if (len == sizeof(buf) - 1 && buf[len - 1] != '\n') {
			while ((c = getc(fp)) != EOF && c != '\n')
				;
			(void) snprintf(msg, sizeof(msg),
			    "line longer than %d characters: continue long lists on indented lines",
			    CONF_LINE_MAX);
			rc = emit(fn, arg, CONF_EV_ERROR, lineno, msg, NULL, NULL);
			continue;
		}
		s = buf;
		if (lineno == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
			s += 3;		/* a UTF-8 byte order mark */
		strip_hash_comment(s);
		for (; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '\n' || *s == '\r' || *s == ';')
			continue;
		if (s > buf && have_key) {
			/* an indented line continues the key above */
			s = lskip(s);
			*find_or_comment(s, NULL) = '\0';
			rstrip(s);
			if (*s == '\0')
				continue;	/* only white space */
			rc = emit(fn, arg, CONF_EV_CONT, lineno, NULL, NULL, s);
			continue;
		}
		rstrip(s);
		if (*s == '[') {
			e = s + strlen(s);
			if (e[-1] != ']') {
				rc = emit(fn, arg, CONF_EV_ERROR, lineno,
				    "syntax error: section header without closing ]", NULL, NULL);
				if (rc == 0)
					rc = emit(fn, arg, CONF_EV_BAD_SECTION, lineno, s + 1,
					    NULL, NULL);
				continue;
			}
			e[-1] = '\0';
			have_key = 0;
			ev.kind = CONF_EV_SECTION;
			ev.line = lineno;
			ev.section = s + 1;
			ev.text = ev.name = ev.value = NULL;
			rc = fn(arg, &ev);
			continue;
		}
		if (strpbrk(s, "=:") == NULL) {
			rc = emit(fn, arg, CONF_EV_ERROR, lineno,
			    "syntax error: expected \"key = value\" or [section]", NULL, NULL);
			continue;
		}
		s = lskip(s);
		e = find_or_comment(s, "=:");
		if (*e != '=' && *e != ':') {
			/* "key ;..." before any '=': the comment ate it */
			rc = emit(fn, arg, CONF_EV_ERROR, lineno, "syntax error", NULL, NULL);
			continue;
		}
		*e = '\0';
		name = s;
		rstrip(name);
		value = e + 1;
		*find_or_comment(value, NULL) = '\0';
		value = lskip(value);
		rstrip(value);
		have_key = 1;
		rc = emit(fn, arg, CONF_EV_KEY, lineno, NULL, name, value);
	}
	if (rc == 0 && ferror(fp)) {
		(void) snprintf(msg, sizeof(msg), "read error: %s", strerror(errno));
		(void) emit(fn, arg, CONF_EV_ERROR, lineno, msg, NULL, NULL);
	}
	return (lineno);
}
