/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Open-addressing hash map from a u64 key to a fixed-size value. Generic:
 * it must not know about pages, kmaps or findings. The hash is keyed with a
 * per-process random secret (getrandom), so keys from outside (a crafted
 * recording) cannot be chosen to collide.
 */
#ifndef PT_U64MAP_H
#define PT_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define U64MAP_EMPTY UINT64_MAX	/* reserved: never a valid key */

struct u64map {
	uint64_t *keys;
	unsigned char *vals;
	size_t cap;		/* power of two */
	size_t len;
	size_t vsize;
};

int u64map_init(struct u64map *m, size_t vsize);
void u64map_free(struct u64map *m);
void *u64map_get(const struct u64map *m, uint64_t key);
/* Returns the value slot (zeroed when new), NULL on allocation failure. */
void *u64map_put(struct u64map *m, uint64_t key, bool *existed);
bool u64map_del(struct u64map *m, uint64_t key);
/* As u64map_del, and copies the value to out (vsize bytes) when found. */
bool u64map_remove(struct u64map *m, uint64_t key, void *out);
void u64map_clear(struct u64map *m);
/* The slot key hashes to (the start of its probe run), for tests: the
 * distance from there to where the key sits is what finding it costs. */
size_t u64map_home(const struct u64map *m, uint64_t key);

/* Iterate: for (i = 0; i < m->cap; i++) if (u64map_used(m, i)) ... */
static inline bool u64map_used(const struct u64map *m, size_t i)
{
	return m->keys[i] != U64MAP_EMPTY;
}

static inline void *u64map_val(const struct u64map *m, size_t i)
{
	return m->vals + i * m->vsize;
}

#endif
