/* replay.c - the harnesses without libFuzzer: a main() that feeds every
 * file named on the command line (or every file of a directory named) to
 * LLVMFuzzerTestOneInput once, so that the corpora are regression tests
 * in the gcc and ASan builds too.  Options (libFuzzer's -flag=value) are
 * ignored; a crash is the test's failure, as under libFuzzer. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX	(16 * 1024 * 1024)	/* no corpus file is larger */

static int
replay_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t	got;
	FILE   *fp;

	if ((fp = fopen(path, "rb")) == NULL) {
		(void) fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(fp), &st) != 0 || st.st_size > REPLAY_MAX) {
		(void) fprintf(stderr, "replay: %s: cannot stat or larger than %d bytes\n",
		    path, REPLAY_MAX);
		(void) fclose(fp);
		return (-1);
	}
	/* one byte more than the data, never a zero-size malloc */
	if ((buf = malloc((size_t) st.st_size + 1)) == NULL) {
		(void) fprintf(stderr, "replay: %s: out of memory\n", path);
		(void) fclose(fp);
		return (-1);
	}
	got = fread(buf, 1, (size_t) st.st_size, fp);
	if (ferror(fp) || got != (size_t) st.st_size) {
		(void) fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		(void) fclose(fp);
		return (-1);
	}
	(void) fclose(fp);
	(void) LLVMFuzzerTestOneInput(buf, got);
	free(buf);
	return (0);
}

static int
replay_dir(const char *dir, unsigned *n)
{
	struct dirent **names;
	char	path[4096];
	int	i, count, rc = 0;

	if ((count = scandir(dir, &names, NULL, alphasort)) < 0) {
		(void) fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return (-1);
	}
	for (i = 0; i < count; i++) {
		if (names[i]->d_name[0] != '.') {
			(void) snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (replay_file(path) != 0)
				rc = -1;
			else
				(*n)++;
		}
		free(names[i]);
	}
	free(names);
	return (rc);
}

int
main(int argc, char **argv)
{
	struct stat st;
	unsigned n = 0;
	int	i, rc = 0;

	(void) LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &n) != 0)
				rc = 1;
		} else if (replay_file(argv[i]) != 0)
			rc = 1;
		else
			n++;
	}
	(void) printf("replayed %u input%s\n", n, n == 1 ? "" : "s");
	return (rc);
}
