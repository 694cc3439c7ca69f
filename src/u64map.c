// SPDX-License-Identifier: GPL-2.0
/*
 * Linear probing with backward-shift deletion: no tombstones, so lookups of
 * absent keys (the common case for untracked pfns) stay short.
 */
#include <stdlib.h>
#include <string.h>
#include "u64map.h"

#define MIN_CAP 64

static inline size_t slot_of(uint64_t key, size_t cap)
{
	/* splitmix64 finalizer: pfns and pointers are far from random. */
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
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

static int grow(struct u64map *m)
{
	struct u64map old = *m;
	size_t i;

	if (alloc_arrays(m, old.cap * 2)) {
		*m = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++) {
		size_t j;

		if (old.keys[i] == U64MAP_EMPTY)
			continue;
		j = find(m, old.keys[i]);
		m->keys[j] = old.keys[i];
		memcpy(u64map_val(m, j), old.vals + i * old.vsize, m->vsize);
	}
	free(old.keys);
	free(old.vals);
	return 0;
}

void *u64map_put(struct u64map *m, uint64_t key, bool *existed)
{
	size_t i;

	if (key == U64MAP_EMPTY)
		return NULL;
	/* Keep the load factor at or below 3/4. */
	if ((m->len + 1) * 4 > m->cap * 3 && grow(m))
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

bool u64map_del(struct u64map *m, uint64_t key)
{
	size_t i, j, mask = m->cap - 1;

	if (key == U64MAP_EMPTY || !m->len)
		return false;
	i = find(m, key);
	if (m->keys[i] != key)
		return false;
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
