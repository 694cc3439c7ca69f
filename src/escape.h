/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One escaping rule per output, applied by the writers to every string
 * that comes from outside pagetrack: process names (comm, set by anyone
 * with prctl(PR_SET_NAME)), symbol and module names (from a recording a
 * colleague sent, say), paths. Core library: no libbpf.
 *
 * "Printable" below means a valid UTF-8 character (shortest form, no
 * surrogate, at most U+10FFFF) that is not a control character: not C0
 * (< 0x20), DEL, C1 (U+0080-U+009F; U+009B is CSI to some terminals), nor
 * a bidirectional formatting character (U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069: text that displays in another order than it reads).
 */
#ifndef PT_ESCAPE_H
#define PT_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Buffer size that always holds esc_text() of a string of n bytes. */
#define ESC_SIZE(n) (4 * (n) + 1)

/*
 * Text reports (and the base of folded frames and metric labels):
 * printable characters as they are; every byte of anything else (control
 * character, invalid UTF-8) as \xHH, a backslash as \\, and each ASCII
 * byte listed in also as \xHH. The result is printable UTF-8 only: no
 * newline, no ESC. Truncated at a whole character or escape; returns dst.
 */
const char *esc_text(char *dst, size_t len, const char *src, const char *also);

/* esc_text() of a name of up to 256 bytes (symbols, comm, notes) into a
 * buffer that lives until the end of the enclosing block: for printf. */
#define ESC_TX(s) esc_text((char[ESC_SIZE(256)]){ 0 }, ESC_SIZE(256), (s), NULL)

/* Folded-stack frame: esc_text() with ';' escaped too (\x3b). */
const char *esc_frame(char *dst, size_t len, const char *src);

/*
 * A JSON string with its quotes: printable UTF-8 passes unescaped ("café"
 * stays café), '"' and '\\' are escaped, control and bidi characters
 * become \u00XX / \uXXXX (the same character once decoded), and each byte
 * that is not valid UTF-8 becomes \ufffd (U+FFFD, the replacement
 * character). Always valid JSON and valid UTF-8.
 */
void esc_json(FILE *out, const char *s);

/*
 * A Prometheus label value (without its quotes): esc_text(), then '\\'
 * and '"' escaped as the exposition format wants. Valid UTF-8, no newline.
 */
void esc_label(FILE *out, const char *s);

#endif
