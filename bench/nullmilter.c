/* nullmilter.c - the floor of bench/run.sh's milter rows: a libmilter
 * filter that does nothing, asking Postfix for the same steps as
 * ippool-milter (MAIL, RCPT, DATA, the headers without replies, the body
 * without replies when SIGN is set, the end of the message), with the
 * same listen backlog, and always continuing.  DATA is kept as
 * ippool-milter keeps it (milter/callbacks.c): skipped, it made this
 * floor wait for a delayed TCP ACK, about 40 ms a message, and slower
 * than ippool-milter.  What it costs is the milter protocol itself: Postfix's
 * side in smtpd and cleanup, libmilter's thread and packets; what
 * ippool-milter costs beyond it is ippool's own work.
 *   nullmilter inet:PORT@HOST [sign] */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>

static int body;

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1, unsigned long *pf2,
    unsigned long *pf3)
{
	unsigned long skip = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOEOH | SMFIP_NOUNKNOWN
	    | (body ? 0 : SMFIP_NOBODY);

	(void) ctx;
	(void) f2;
	(void) f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS);
	*pf1 = f1 & (skip | SMFIP_NR_HDR | (body ? SMFIP_NR_BODY : 0));
	*pf2 = *pf3 = 0;
	return (SMFIS_CONTINUE);
}

static sfsistat
nm_continue(SMFICTX *ctx, char **argv)
{
	(void) ctx;
	(void) argv;
	return (SMFIS_CONTINUE);
}

static sfsistat
nm_data(SMFICTX *ctx)
{
	(void) ctx;
	return (SMFIS_CONTINUE);
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	(void) ctx;
	(void) name;
	(void) value;
	return (SMFIS_CONTINUE);
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *p, size_t n)
{
	(void) ctx;
	(void) p;
	(void) n;
	return (SMFIS_CONTINUE);
}

static sfsistat
nm_eom(SMFICTX *ctx)
{
	(void) ctx;
	return (SMFIS_ACCEPT);
}

int
main(int argc, char **argv)
{
	struct smfiDesc d;

	if (argc < 2)
		return (64);
	body = argc > 2 && strcmp(argv[2], "sign") == 0;
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "nullmilter";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS;
	d.xxfi_envfrom = nm_continue;
	d.xxfi_envrcpt = nm_continue;
	d.xxfi_data = nm_data;
	d.xxfi_header = nm_header;
	d.xxfi_body = nm_body;
	d.xxfi_eom = nm_eom;
	d.xxfi_negotiate = nm_negotiate;
	(void) smfi_setbacklog(128);
	if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(d) != MI_SUCCESS) {
		(void) fprintf(stderr, "nullmilter: cannot set up %s\n", argv[1]);
		return (1);
	}
	return (smfi_main() == MI_SUCCESS ? 0 : 1);
}
