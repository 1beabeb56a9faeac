/* SPDX-License-Identifier: MIT */
/*
 * virtio-sound sample formats and frame rates: mapping to ALSA
 * (snd_pcm_format_t, rates in Hz), sizes, and the translation of a probed
 * host capability set into what PCM_INFO advertises.
 *
 * Only what Linux 6.12's virtio_snd maps is offered (its g_v2a_format_map and
 * g_v2a_rate_map), minus IMA_ADPCM: a 4-bit sample has no whole-byte size,
 * and the driver's buffer limits (bytes per sample * ...) come out as 0.
 * The driver maps every virtio rate, 5512 Hz to 384 kHz.
 */
#ifndef SND_FORMAT_H
#define SND_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include <alsa/asoundlib.h>

#include "snd_proto.h"

/* Most channels a stream advertises: a channel map describes at most this. */
#define SND_FORMAT_CHANNELS_MAX VIRTIO_SND_CHMAP_MAX_SIZE

/* Bit masks (1 << VIRTIO_SND_PCM_FMT_x / _RATE_x) of what this module maps. */
uint64_t snd_format_mappable_mask(void);
uint64_t snd_rate_mappable_mask(void);

/* virtio format -> ALSA format; SND_PCM_FORMAT_UNKNOWN if not mappable. */
snd_pcm_format_t snd_format_to_alsa(unsigned int vformat);
/* ALSA format -> virtio format; -1 if virtio_snd cannot carry it. */
int snd_format_from_alsa(snd_pcm_format_t format);
/* Bytes one sample occupies in memory (physical width); 0 if not mappable. */
unsigned int snd_format_sample_bytes(unsigned int vformat);
/* Bytes per frame; 0 if the format is not mappable or channels is 0. */
uint32_t snd_format_frame_bytes(unsigned int vformat, unsigned int channels);
/* A short name ("S16_LE") for logs; "?" if not mappable. */
const char *snd_format_name(unsigned int vformat);

/* virtio rate -> Hz; 0 if not mappable. */
unsigned int snd_rate_to_hz(unsigned int vrate);
/* Hz -> virtio rate; -1 if no virtio rate has exactly this value. */
int snd_rate_from_hz(unsigned int hz);

/* What a probe of the bound end found. */
struct snd_probed_caps {
	/* bit n set: the end accepts snd_pcm_format_t n (0 <= n < 64) */
	uint64_t alsa_formats;
	/* discrete rates in Hz; if n_rates is 0, the inclusive range below */
	const unsigned int *rates;
	size_t n_rates;
	unsigned int rate_min, rate_max;
	unsigned int channels_min, channels_max;
};

/* What PCM_INFO advertises for a stream. */
struct snd_pcm_caps {
	uint64_t formats;	/* 1 << VIRTIO_SND_PCM_FMT_x */
	uint64_t rates;		/* 1 << VIRTIO_SND_PCM_RATE_x */
	uint8_t channels_min;
	uint8_t channels_max;
};

/*
 * Keep what virtio_snd can map: formats in the table, virtio rates inside
 * the probed list or range, channels clamped to 1..SND_FORMAT_CHANNELS_MAX.
 * Returns 0, or -EINVAL when no format, no rate or no channel count is left
 * (such a PCM_INFO would fail the driver's probe).
 */
int snd_caps_from_probe(const struct snd_probed_caps *probe, struct snd_pcm_caps *out);

/* Fill one PCM_INFO item (all fields little-endian, padding zeroed). */
void snd_caps_to_pcm_info(const struct snd_pcm_caps *caps, uint32_t hda_fn_nid,
			  uint8_t direction, uint32_t features,
			  struct virtio_snd_pcm_info *info);

#endif /* SND_FORMAT_H */
