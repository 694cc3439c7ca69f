// SPDX-License-Identifier: GPL-2.0
/*
 * The escaping rules of pagetrack's outputs (see escape.h): what a process
 * name or a recorded symbol holds must never forge a report line, reach the
 * terminal as a control sequence, or break JSON, folded or Prometheus
 * syntax. Core library: no libbpf.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "escape.h"

/*
 * The length of the valid UTF-8 sequence at s (1-4), its code point in
 * *cp; 0 when s[0] starts none (a stray continuation byte, an overlong
 * form, a surrogate, beyond U+10FFFF, or cut short: the NUL that ends the
 * string is no continuation byte, so no read goes past it).
 */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	unsigned char b = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xc2 && b <= 0xdf) {
		n = 2;
		*cp = b & 0x1f;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3;
		*cp = b & 0x0f;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4;
		*cp = b & 0x07;
		if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xbf;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return n;
}

/* Control characters: C0, DEL, C1, and the bidirectional formatting ones. */
static bool unsafe_cp(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

static const char hexd[] = "0123456789abcdef";

const char *esc_text(char *dst, size_t len, const char *src, const char *also)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (!len)
		return dst;
	while (*s) {
		uint32_t cp;
		size_t n = utf8_seq(s, &cp), i, need;
		bool esc = !n || unsafe_cp(cp) || (n == 1 && also && strchr(also, *s));

		if (!n)
			n = 1;		/* one invalid byte */
		need = esc ? 4 * n : (*s == '\\' ? 2 : n);
		if (o + need >= len)
			break;
		if (esc) {
			for (i = 0; i < n; i++) {
				dst[o++] = '\\';
				dst[o++] = 'x';
				dst[o++] = hexd[s[i] >> 4];
				dst[o++] = hexd[s[i] & 15];
			}
		} else if (*s == '\\') {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			memcpy(dst + o, s, n);
			o += n;
		}
		s += n;
	}
	dst[o] = 0;
	return dst;
}

const char *esc_frame(char *dst, size_t len, const char *src)
{
	return esc_text(dst, len, src, ";");
}

void esc_json(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', out);
	while (*s) {
		uint32_t cp;
		size_t n = utf8_seq(s, &cp);

		if (!n) {
			fputs("\\ufffd", out);
			s++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (unsafe_cp(cp))
			fprintf(out, "\\u%04x", (unsigned int)cp);
		else
			fwrite(s, 1, n, out);
		s += n;
	}
	fputc('"', out);
}

void esc_label(FILE *out, const char *str)
{
	char buf[ESC_SIZE(256)];
	const char *p;

	/* Names are short (symbols 256 bytes at most); a longer one is cut. */
	esc_text(buf, sizeof(buf), str, NULL);
	for (p = buf; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', out);
		fputc(*p, out);
	}
}
