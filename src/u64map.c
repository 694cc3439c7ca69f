// SPDX-License-Identifier: GPL-2.0
/*
 * Open-addressing u64 hash map. Linear probing with backward-shift
 * deletion: no tombstones, so lookups of absent keys (the common case for
 * untracked pfns) stay short. Generic: nothing pagetrack-specific here.
 */
#include <stdlib.h>
#include <string.h>
#include "u64map.h"

#define MIN_CAP 64

static inline size_t slot_of(uint64_t key, size_t cap)
{
	/*
	 * pfns and pointers are far from random: a multiply by an odd constant
	 * spreads runs and strides over the high half, folded into the low
	 * bits the mask keeps (doubling the table must keep a key's low bits).
	 */
	key *= 0x9e3779b97f4a7c15ULL;
	key ^= key >> 32;
	return (size_t)key & (cap - 1);
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
