// SPDX-License-Identifier: GPL-2.0
/*
 * The live stack map's lookup for session.c: its one libbpf call, kept out
 * of the core library so that libptcore.a links without libbpf. Linked
 * into the pagetrack binary as an object (not from an archive: session.c's
 * reference is weak and would not pull it in). Nothing else goes here.
 */
#include <bpf/bpf.h>
#include "session.h"

bool session_map_stack(int fd, int32_t id, uint64_t *ips)
{
	return !bpf_map_lookup_elem(fd, &id, ips);
}
