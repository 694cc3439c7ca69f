// SPDX-License-Identifier: GPL-2.0
/*
 * Open-addressing u64 hash map. Linear probing with backward-shift
 * deletion: no tombstones, so lookups of absent keys (the common case for
 * untracked pfns) stay short. Generic: nothing pagetrack-specific here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "u64map.h"

#define MIN_CAP 64

/*
 * Keys come from outside: pfns and addresses from the kernel, and anything
 * at all from a recording someone sent. A fixed hash can be inverted to put
 * every key in one probe run (quadratic time), so the hash is keyed with
 * secrets drawn once per process from getrandom(): without them, which
 * keys collide cannot be known in advance.
 */
static uint64_t hkey[2];
static bool hkey_set;

static void hkey_init(void)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	while (got < sizeof(hkey)) {
		/* Not blocking early at boot (a unit started then): /dev/urandom
		 * below never blocks. */
		n = getrandom((char *)hkey + got, sizeof(hkey) - got, GRND_NONBLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	if (got < sizeof(hkey) && (fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) >= 0) {
		while (got < sizeof(hkey) &&
		       (n = read(fd, (char *)hkey + got, sizeof(hkey) - got)) > 0)
			got += n;
		close(fd);
	}
	if (got < sizeof(hkey)) {
		/* No randomness at all (no getrandom, no /dev/urandom): still
		 * different per run, though guessable. */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		hkey[0] ^= (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32;
		hkey[1] ^= (uint64_t)ts.tv_sec * 0xbf58476d1ce4e5b9ULL ^ (uintptr_t)&ts;
	}
	hkey[1] |= 1;
	hkey_set = true;
}

/* The 128-bit product of a and b, its two halves xored. */
static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * b;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (mid << 32) | (uint32_t)ll;
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);

	return lo ^ hi;
#endif
}

static inline size_t slot_of(uint64_t key, size_t cap)
{
	/*
	 * A folded multiply (foldhash's and aHash's integer hash) of the key
	 * xored with one secret by another secret, odd: every key bit reaches
	 * the low bits the mask keeps, through the high half of the product.
	 * The hash does not depend on cap (doubling the table must keep a
	 * key's low bits: see grow()). One multiply, as the fixed hash had.
	 */
	return (size_t)fold_mul(key ^ hkey[0], hkey[1]) & (cap - 1);
}

size_t u64map_home(const struct u64map *m, uint64_t key)
{
	return slot_of(key, m->cap);
}

static int alloc_arrays(struct u64map *m, size_t cap)
{
	m->keys = malloc(cap * sizeof(*m->keys));
	m->vals = calloc(cap, m->vsize ? m->vsize : 1);
	if (!m->keys || !m->vals) {
		free(m->keys);
		free(m->vals);
		m->keys = NULL;
		m->vals = NULL;
		return -1;
	}
	memset(m->keys, 0xff, cap * sizeof(*m->keys));
	m->cap = cap;
	return 0;
}

int u64map_init(struct u64map *m, size_t vsize)
{
	if (!hkey_set)
		hkey_init();
	memset(m, 0, sizeof(*m));
	m->vsize = vsize;
	return alloc_arrays(m, MIN_CAP);
}

void u64map_free(struct u64map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

void u64map_clear(struct u64map *m)
{
	memset(m->keys, 0xff, m->cap * sizeof(*m->keys));
	m->len = 0;
}

static size_t find(const struct u64map *m, uint64_t key)
{
	size_t i = slot_of(key, m->cap);

	while (m->keys[i] != U64MAP_EMPTY && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

void *u64map_get(const struct u64map *m, uint64_t key)
{
	size_t i;

	if (key == U64MAP_EMPTY || !m->len)
		return NULL;
	i = find(m, key);
	return m->keys[i] == key ? u64map_val(m, i) : NULL;
}

/*
 * Doubles the table in place: realloc() (mremap() for large tables, so the
 * old and new arrays never coexist: peak memory is the new table, not 1.5x),
 * then every key is moved to its slot under the new mask. Keys at the start
 * of the table may belong to a run that wraps round from its end: they are
 * set aside and inserted last. The others are moved in increasing slot
 * order; a key's probe then only crosses moved keys and stops at the latest
 * at its own old slot (just emptied), so no later move breaks a probe run.
 */
static int grow(struct u64map *m)
{
	size_t oldcap = m->cap, cap = oldcap * 2, vs = m->vsize, w, i, j;
	uint64_t *keys, *wkeys = NULL;
	unsigned char *vals, *wvals = NULL;

	for (w = 0; w < oldcap && m->keys[w] != U64MAP_EMPTY; w++)
		;
	if (w == oldcap)	/* cannot happen at a load of 4/5 */
		return -1;
	if (w) {
		wkeys = malloc(w * sizeof(*wkeys));
		wvals = malloc(w * (vs ? vs : 1));
		if (!wkeys || !wvals)
			goto fail;
	}
	keys = realloc(m->keys, cap * sizeof(*keys));
	if (!keys)
		goto fail;
	m->keys = keys;		/* larger, but cap unchanged until the move */
	vals = realloc(m->vals, cap * (vs ? vs : 1));
	if (!vals)
		goto fail;
	m->vals = vals;
	memset(keys + oldcap, 0xff, oldcap * sizeof(*keys));
	if (w) {
		memcpy(wkeys, keys, w * sizeof(*keys));
		memcpy(wvals, vals, w * vs);
		memset(keys, 0xff, w * sizeof(*keys));
	}
	m->cap = cap;
	for (i = w + 1; i < oldcap; i++) {
		uint64_t key = keys[i];

		if (key == U64MAP_EMPTY)
			continue;
		keys[i] = U64MAP_EMPTY;
		j = find(m, key);
		keys[j] = key;
		if (j != i)
			memcpy(vals + j * vs, vals + i * vs, vs);
	}
	for (i = 0; i < w; i++) {
		j = find(m, wkeys[i]);
		keys[j] = wkeys[i];
		memcpy(vals + j * vs, wvals + i * vs, vs);
	}
	free(wkeys);
	free(wvals);
	return 0;
fail:
	free(wkeys);
	free(wvals);
	return -1;
}

void *u64map_put(struct u64map *m, uint64_t key, bool *existed)
{
	size_t i;

	if (key == U64MAP_EMPTY)
		return NULL;
	/*
	 * Keep the load factor at or below 4/5: 2/5 just after a doubling,
	 * so a table of 24-byte slots never costs more than 60 bytes a key.
	 */
	if ((m->len + 1) * 5 > m->cap * 4 && grow(m))
		return NULL;
	i = find(m, key);
	if (existed)
		*existed = m->keys[i] == key;
	if (m->keys[i] != key) {
		m->keys[i] = key;
		memset(u64map_val(m, i), 0, m->vsize);
		m->len++;
	}
	return u64map_val(m, i);
}

bool u64map_remove(struct u64map *m, uint64_t key, void *out)
{
	size_t i, j, mask = m->cap - 1;

	if (key == U64MAP_EMPTY || !m->len)
		return false;
	i = find(m, key);
	if (m->keys[i] != key)
		return false;
	if (out)
		memcpy(out, u64map_val(m, i), m->vsize);
	/* Shift later members of the probe run back into the hole. */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (m->keys[j] == U64MAP_EMPTY)
			break;
		home = slot_of(m->keys[j], m->cap);
		/* Move j into i unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			m->keys[i] = m->keys[j];
			memcpy(u64map_val(m, i), u64map_val(m, j), m->vsize);
			i = j;
		}
	}
	m->keys[i] = U64MAP_EMPTY;
	m->len--;
	return true;
}

bool u64map_del(struct u64map *m, uint64_t key)
{
	return u64map_remove(m, key, NULL);
}
