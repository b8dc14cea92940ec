/* tap.h - a few TAP assertions for the unit tests (automake's TAP driver
 * counts each one): ok(), is_int(), is_str(), done_testing(). */
#ifndef IPP_TAP_H
#define IPP_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static void __attribute__((format(printf, 4, 5)))
tap_result(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	tap_count++;
	if (!pass)
		tap_failed++;
	(void) printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	(void) vprintf(fmt, ap);
	va_end(ap);
	(void) printf("\n");
	if (!pass)
		(void) printf("#   failed at %s:%d\n", file, line);
	(void) fflush(stdout);
}

#define ok(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do { \
	long long g_ = (long long) (got), w_ = (long long) (want); \
	tap_result(g_ == w_, __FILE__, __LINE__, __VA_ARGS__); \
	if (g_ != w_) \
		(void) printf("#   got %lld, want %lld\n", g_, w_); \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	int p_ = (g_ == NULL && w_ == NULL) || (g_ && w_ && strcmp(g_, w_) == 0); \
	tap_result(p_, __FILE__, __LINE__, __VA_ARGS__); \
	if (!p_) \
		(void) printf("#   got  \"%s\"\n#   want \"%s\"\n", g_ ? g_ : "(null)", \
		    w_ ? w_ : "(null)"); \
} while (0)

/* A private directory for the test's files, removed at exit. */
#include <ftw.h>
#include <stdlib.h>
#include <unistd.h>

static char tap_dir[256];
static pid_t tap_owner;

static int
tap_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void) st;
	(void) flag;
	(void) ftw;
	return (remove(path));
}

static void
tap_cleanup(void)
{
	/* forked children exit through here too: only the creator removes */
	if (tap_dir[0] && getpid() == tap_owner && getenv("IPPOOL_KEEP_TMP") == NULL)
		(void) nftw(tap_dir, tap_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static __attribute__((unused)) const char *
tap_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tap_dir[0] == '\0') {
		(void) snprintf(tap_dir, sizeof(tap_dir), "%s/ippool-unit-XXXXXX",
		    base ? base : "/tmp");
		if (mkdtemp(tap_dir) == NULL) {
			perror("mkdtemp");
			exit(99);
		}
		tap_owner = getpid();
		(void) atexit(tap_cleanup);
	}
	return (tap_dir);
}

/* Write content to NAME in the private directory; returns the path. */
static __attribute__((unused)) const char *
tap_write(const char *name, const char *content)
{
	static char path[512];
	FILE   *fp;

	(void) snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	if ((fp = fopen(path, "w")) == NULL || fputs(content, fp) == EOF || fclose(fp) != 0) {
		perror(path);
		exit(99);
	}
	return (path);
}

static int
done_testing(void)
{
	(void) printf("1..%d\n", tap_count);
	return (tap_failed ? 1 : 0);
}

#endif
