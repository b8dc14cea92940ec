/* printable.h - text from the network or the store made safe for a
 * terminal and a log line: control characters shown as \xHH. */
#ifndef IPP_PRINTABLE_H
#define IPP_PRINTABLE_H

#include <stddef.h>

/*
 * Copy len bytes of in to out (outlen bytes, always NUL-terminated) with
 * every C0 control character, DEL, UTF-8-encoded C1 control (U+0080 to
 * U+009F, a terminal's CSI among them) and byte that is not part of valid
 * UTF-8 written as \xHH; valid UTF-8 text passes unchanged.  An output
 * that does not fit ends in "...".  Returns out, so that it can be a
 * printf argument.
 */
char   *ipp_printable(const void *in, size_t len, char *out, size_t outlen);
/* The same for a NUL-terminated string. */
char   *ipp_printable_str(const char *in, char *out, size_t outlen);
/* Whether ipp_printable would change anything in these len bytes. */
int	ipp_printable_needed(const void *in, size_t len);

#endif
