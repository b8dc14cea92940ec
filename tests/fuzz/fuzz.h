/* fuzz.h - what the harnesses of tests/fuzz share: the libFuzzer entry
 * points, the input as a C string or a file, and a silent log.  Each
 * harness links either with libFuzzer (--enable-fuzzing) or with replay.c,
 * which feeds it the files of its corpus in "make check". */
#ifndef IPP_FUZZ_H
#define IPP_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	LLVMFuzzerInitialize(int *, char ***);

/* A harness's LLVMFuzzerInitialize: a silent log (the parsers' warnings
 * would drown libFuzzer's output), then THEN, a statement. */
#define FUZZ_INIT(name, then) \
int \
LLVMFuzzerInitialize(int *argc, char ***argv) \
{ \
	(void) argc; \
	(void) argv; \
	ipp_log_init(name, 0); \
	then; \
	return (0); \
}
#define FUZZ_QUIET(name) FUZZ_INIT(name, (void) 0)

/* A harness's own consistency check: a failure is a finding, like a crash. */
#define FUZZ_ASSERT(c) do { \
	if (!(c)) { \
		(void) fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, #c); \
		abort(); \
	} \
} while (0)

/* The input as a malloc'ed C string (it stops at a NUL byte, as the
 * callers' strings do). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char   *s = malloc(size + 1);

	FUZZ_ASSERT(s != NULL);
	if (size > 0)
		(void) memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

/* The input as an exact-size heap copy without a terminator, so that ASan
 * sees a read past its end. */
static inline char *
fuzz_bytes(const uint8_t *data, size_t size)
{
	char   *s = malloc(size > 0 ? size : 1);

	FUZZ_ASSERT(s != NULL);
	if (size > 0)
		(void) memcpy(s, data, size);
	return (s);
}

/* A private directory for files a parser must open, made once per process
 * and removed at exit with what the harness put in it. */
static char fuzz_dirname[64];

static inline void
fuzz_dir_remove(void)
{
	char	cmd[128];

	if (fuzz_dirname[0] == '\0')
		return;
	(void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dirname);
	if (system(cmd) != 0)
		(void) fprintf(stderr, "fuzz: cannot remove %s\n", fuzz_dirname);
}

static inline const char *
fuzz_dir(void)
{
	if (fuzz_dirname[0] == '\0') {
		const char *tmp = getenv("TMPDIR");

		(void) snprintf(fuzz_dirname, sizeof(fuzz_dirname), "%.40s/ippfuzz.XXXXXX",
		    tmp != NULL && tmp[0] == '/' && strlen(tmp) <= 40 ? tmp : "/tmp");
		FUZZ_ASSERT(mkdtemp(fuzz_dirname) != NULL);
		FUZZ_ASSERT(atexit(fuzz_dir_remove) == 0);
	}
	return (fuzz_dirname);
}

/* Write size bytes to NAME in the private directory (mode 0600); its path. */
static inline const char *
fuzz_file(const char *name, const void *data, size_t size)
{
	static char path[128];
	FILE   *fp;
	int	fd;

	(void) snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	FUZZ_ASSERT((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) >= 0);
	FUZZ_ASSERT((fp = fdopen(fd, "w")) != NULL);
	FUZZ_ASSERT(size == 0 || fwrite(data, 1, size, fp) == size);
	FUZZ_ASSERT(fclose(fp) == 0);
	return (path);
}

#endif
