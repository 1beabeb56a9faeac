/* SPDX-License-Identifier: MIT */
/*
 * Jack detection of the host cards the ALSA ends are bound to: every
 * control of a bound card with iface CARD, type BOOLEAN and a name ending in
 * " Jack" ("Headphone Jack") becomes one virtio-sound jack on the function
 * node of a stream bound to that card (an input jack such as "Mic Jack" on
 * an input stream of the card when there is one, else an output stream, and
 * the other way round; see snd_jackmap.h), connected as the control reads
 * at open. The cards' control devices are then watched (snd_ctl_subscribe_
 * events): host_jacks_service reads what changed and reports each jack whose
 * state differs from the last report.
 *
 * Control-thread only; the descriptors are non-blocking.
 */
#ifndef HOST_JACKS_H
#define HOST_JACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snd_device.h"

/* A stream as host jacks see it. */
struct host_jack_stream {
	int card;		/* ALSA card index, -1: no card (null, wav: ends) */
	uint8_t direction;
	uint32_t nid;
};

struct host_jacks;

/*
 * Scan the cards of the streams. A card whose control device cannot be
 * opened contributes no jacks (one line says why). Returns 0 (possibly with
 * no jacks at all) or -ENOMEM.
 */
int host_jacks_open(const struct host_jack_stream *streams, uint32_t n_streams,
		    const char *log_name, struct host_jacks **out);
void host_jacks_close(struct host_jacks *h);

/* The jacks to advertise, in jack id order. */
uint32_t host_jacks_count(const struct host_jacks *h);
const struct snd_jack_desc *host_jacks_descs(const struct host_jacks *h);

/* The descriptors to poll for input; returns how many (up to cap). */
unsigned int host_jacks_fds(const struct host_jacks *h, int *fds, unsigned int cap);

/* Read every pending control event; changed(opaque, jack_id, connected)
 * for each jack whose state changed. */
void host_jacks_service(struct host_jacks *h,
			void (*changed)(void *opaque, uint32_t jack_id, bool connected),
			void *opaque);

#endif /* HOST_JACKS_H */
