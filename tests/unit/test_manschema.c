/* test_manschema.c - ippool.conf(5) and the schema name the same keys,
 * section by section: every key of lib/config_schema.c has its
 * ".It Ic KEY" (or Cm) under its ".Ss [SECTION]", and the page lists no
 * key the schema lacks.  The page is $top_srcdir/man/ippool.conf.5, or
 * the file given as the first argument. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

#define MAXKEYS 256

struct key {
	char	section[32];
	char	name[64];
	int	line;			/* in the page; 0 for the schema's */
};

static struct key schema[MAXKEYS], page[MAXKEYS];
static size_t nschema, npage;

static void
add(struct key *keys, size_t *n, const char *section, const char *name, int line)
{
	if (*n == MAXKEYS)
		return;
	(void) snprintf(keys[*n].section, sizeof(keys[*n].section), "%s", section);
	(void) snprintf(keys[*n].name, sizeof(keys[*n].name), "%s", name);
	keys[*n].line = line;
	(*n)++;
}

static void
visit(void *arg, const char *section, const char *key, int restart)
{
	(void) arg;
	(void) restart;
	add(schema, &nschema, section, key, 0);
}

static int
has(const struct key *keys, size_t n, const char *section, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return (1);
	return (0);
}

/* The keys of the page: ".It Ic KEY" or ".It Cm KEY" in the outermost
 * list of a ".Ss [SECTION]" or ".Ss [SECTION NAME]". */
static int
read_page(const char *path)
{
	char	buf[1024], section[32] = "", name[64];
	FILE   *fp;
	int	line = 0, depth = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		line++;
		if (strncmp(buf, ".Sh", 3) == 0 || strncmp(buf, ".Ss", 3) == 0) {
			section[0] = '\0';
			depth = 0;
			if (sscanf(buf, ".Ss [%31[a-z]", section) != 1)
				section[0] = '\0';
		} else if (strncmp(buf, ".Bl", 3) == 0)
			depth++;
		else if (strncmp(buf, ".El", 3) == 0)
			depth--;
		else if (section[0] && depth == 1
		    && (sscanf(buf, ".It Ic %63[a-z0-9_]", name) == 1
		    || sscanf(buf, ".It Cm %63[a-z0-9_]", name) == 1))
			add(page, &npage, section, name, line);
	}
	(void) fclose(fp);
	return (0);
}

int
main(int argc, char **argv)
{
	char	path[1024];
	const char *top = getenv("top_srcdir");
	size_t	i;

	if (argc > 1)
		(void) snprintf(path, sizeof(path), "%s", argv[1]);
	else
		(void) snprintf(path, sizeof(path), "%s/man/ippool.conf.5", top ? top : ".");
	ipp_config_schema_visit(visit, NULL);
	ok(nschema > 30, "the schema has its keys (%zu)", nschema);
	ok(read_page(path) == 0, "%s can be read", path);
	ok(npage > 30, "the page lists keys (%zu)", npage);
	for (i = 0; i < nschema; i++) {
		int	found = has(page, npage, schema[i].section, schema[i].name);

		ok(found, "[%s] %s is in ippool.conf(5)", schema[i].section, schema[i].name);
	}
	for (i = 0; i < npage; i++)
		ok(has(schema, nschema, page[i].section, page[i].name),
		    "ippool.conf(5) line %d: [%s] %s is a key of the schema",
		    page[i].line, page[i].section, page[i].name);
	return (done_testing());
}
