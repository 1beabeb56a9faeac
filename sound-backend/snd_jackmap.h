/* SPDX-License-Identifier: MIT */
/*
 * A host card's jack control ("Headphone Jack", iface CARD, BOOLEAN: what
 * ALSA drivers and snd_jack create) as a virtio-sound jack: the HDA pin
 * default configuration is chosen so that the guest's virtio_snd labels the
 * jack as the host does (its label comes from the defconf device type:
 * "Headphone", "Line Out", "Speaker", "Mic", "Line", "HDMI Out", ...) and
 * creates a control of the same name on the virtual card.
 */
#ifndef SND_JACKMAP_H
#define SND_JACKMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "snd_device.h"

/* True if a control name is a jack's: non-empty and ending in " Jack". */
bool snd_jackmap_is_jack_name(const char *name);

/* VIRTIO_SND_D_INPUT for input jacks (Mic, Line In, ...), else _OUTPUT. */
uint8_t snd_jackmap_direction(const char *name);

/* The jack description for control `name' on function node nid.
 * Returns 0, or -1 if name is not a jack name. */
int snd_jackmap_desc(const char *name, uint32_t nid, bool connected, struct snd_jack_desc *out);

#endif /* SND_JACKMAP_H */
