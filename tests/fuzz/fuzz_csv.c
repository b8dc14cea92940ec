/* fuzz_csv.c - CSV lines as "ippoolctl suppress import" reads them
 * (lib/util/csv.c); what splits must be written back by ipp_csv_put and
 * split again into the same fields. */
#include "autoconfig.h"

#include "csv.h"
#include "fuzz.h"

FUZZ_QUIET("fuzz_csv")

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *line = fuzz_cstr(data, size), *f[IPP_CSV_MAXFIELDS], *g[IPP_CSV_MAXFIELDS];
	char   *out = NULL, err[128];
	size_t	outlen = 0;
	FILE   *fp;
	int	n, m, i;

	if ((n = ipp_csv_split(line, f, IPP_CSV_MAXFIELDS, err, sizeof(err))) < 0) {
		FUZZ_ASSERT(err[0] != '\0');
		free(line);
		return (0);
	}
	FUZZ_ASSERT(n >= 1 && n <= IPP_CSV_MAXFIELDS);
	FUZZ_ASSERT((fp = open_memstream(&out, &outlen)) != NULL);
	for (i = 0; i < n; i++)
		ipp_csv_put(fp, f[i], i == n - 1);
	FUZZ_ASSERT(fclose(fp) == 0);
	FUZZ_ASSERT(outlen > 0 && out[outlen - 1] == '\n');
	out[outlen - 1] = '\0';
	m = ipp_csv_split(out, g, IPP_CSV_MAXFIELDS, err, sizeof(err));
	FUZZ_ASSERT(m == n);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(strcmp(f[i], g[i]) == 0);
	free(out);
	free(line);
	return (0);
}
